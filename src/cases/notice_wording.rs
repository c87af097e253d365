//! Editing the draft notice's wording: the four English fields, the public
//! title and the free text per language, read field by field from a JSON
//! object (the API's body, or the page's form turned into one) so that every
//! bad field is named in one answer and a refused edit stores nothing.
//!
//! `languages` replaces every variant; a field a language leaves out falls
//! back to the English one. A variant's key is a language's lower-case code
//! (not `en`: English is the four flat fields).

use super::{Context, ServiceError};
use crate::domain::incident::{reject_unknown_fields, required_text};
use crate::domain::FieldError;
use crate::email::templates::primary_language;
use crate::store::{NoticeRecord, NoticeWording};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest free-text field, in characters.
pub const TEXT_LIMIT: usize = 20_000;
/// The longest public title, in characters.
pub const TITLE_LIMIT: usize = 300;
/// Languages a notice may be written in besides English.
const LANGUAGE_LIMIT: usize = 50;

/// The notice's free-text fields, as the API names them.
pub const WORDING: [&str; 4] = [
    "what_happened",
    "what_we_are_doing",
    "what_families_can_do",
    "contact",
];

/// Applies `edit` to the incident's draft and saves it: NotFound for no
/// such incident, Conflict once approved, Invalid naming every bad field.
pub async fn edit(
    cases: &Context,
    incident_id: Uuid,
    edit: &Map<String, Value>,
) -> Result<NoticeRecord, ServiceError> {
    let mut errors = Vec::new();
    let known: Vec<&str> = WORDING
        .iter()
        .copied()
        .chain(["public_title", "languages"])
        .collect();
    reject_unknown_fields(edit, &known, &mut errors);
    let incident = cases
        .store
        .incident(incident_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut notice = match cases.store.notice(incident_id).await? {
        Some(notice) => notice,
        None => super::notices::draft(&incident, &cases.settings, cases.now()),
    };
    if notice.approved_at.is_some() {
        return Err(approved());
    }
    for field in WORDING {
        if edit.contains_key(field) {
            if let Some(text) = required_text(edit, field, TEXT_LIMIT, &mut errors) {
                match field {
                    "what_happened" => notice.what_happened = text,
                    "what_we_are_doing" => notice.what_we_are_doing = text,
                    "what_families_can_do" => notice.what_families_can_do = text,
                    _ => notice.contact = text,
                }
            }
        }
    }
    match edit.get("public_title") {
        None => {}
        Some(Value::Null) => {
            notice.public_title = Some(super::notices::default_public_title(
                &incident,
                &cases.settings,
            ))
        }
        Some(_) => {
            if let Some(title) = required_text(edit, "public_title", TITLE_LIMIT, &mut errors) {
                notice.public_title = Some(title);
            }
        }
    }
    if let Some(value) = edit.get("languages") {
        if let Some(languages) = parse_languages(value, &mut errors) {
            notice.languages = languages;
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    if !super::notices::save_draft(cases, &notice).await? {
        return Err(approved());
    }
    Ok(notice)
}

fn approved() -> ServiceError {
    ServiceError::Conflict("the notice was approved; it can no longer change".into())
}

/// `{"es": {"what_happened": ...}}`, every bad part named by its path
/// (`languages.es.contact`); null is no variant at all.
fn parse_languages(
    value: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<BTreeMap<String, NoticeWording>> {
    let object = match value {
        Value::Null => return Some(BTreeMap::new()),
        Value::Object(object) => object,
        _ => {
            errors.push(FieldError::new(
                "languages",
                "must be an object keyed by language, such as {\"es\": {...}}",
            ));
            return None;
        }
    };
    if object.len() > LANGUAGE_LIMIT {
        errors.push(FieldError::new(
            "languages",
            format!("holds more than {LANGUAGE_LIMIT} languages"),
        ));
        return None;
    }
    let before = errors.len();
    let mut languages = BTreeMap::new();
    for (tag, wording) in object {
        let path = format!("languages.{tag}");
        let Some(language) = primary_language(tag).filter(|primary| primary == tag) else {
            errors.push(FieldError::new(
                &path,
                "is not a language's two- or three-letter code in lower case, such as \"es\"",
            ));
            continue;
        };
        if language == "en" {
            errors.push(FieldError::new(
                &path,
                "English is the notice's own four fields, not a variant",
            ));
            continue;
        }
        let Some(fields) = wording.as_object() else {
            errors.push(FieldError::new(
                &path,
                "must be an object of the notice's text fields",
            ));
            continue;
        };
        if let Some(wording) = parse_wording(&path, fields, errors) {
            languages.insert(language, wording);
        }
    }
    (errors.len() == before).then_some(languages)
}

fn parse_wording(
    path: &str,
    fields: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<NoticeWording> {
    let before = errors.len();
    for name in fields
        .keys()
        .filter(|name| !WORDING.contains(&name.as_str()))
    {
        errors.push(FieldError::new(
            format!("{path}.{name}"),
            format!(
                "is not a field of the notice (expected one of {})",
                WORDING.join(", ")
            ),
        ));
    }
    let mut text = |field: &str| -> Option<String> {
        let value = fields.get(field)?;
        let qualified = format!("{path}.{field}");
        match value {
            Value::Null => None,
            Value::String(text) if text.trim().is_empty() => {
                errors.push(FieldError::new(
                    qualified,
                    "must not be empty; leave it out to use the English text",
                ));
                None
            }
            Value::String(text) if text.chars().count() > TEXT_LIMIT => {
                errors.push(FieldError::new(
                    qualified,
                    format!("must be at most {TEXT_LIMIT} characters"),
                ));
                None
            }
            Value::String(text) => Some(text.trim().to_owned()),
            _ => {
                errors.push(FieldError::new(qualified, "must be a string"));
                None
            }
        }
    };
    let wording = NoticeWording {
        what_happened: text("what_happened"),
        what_we_are_doing: text("what_we_are_doing"),
        what_families_can_do: text("what_families_can_do"),
        contact: text("contact"),
    };
    (errors.len() == before).then_some(wording)
}
