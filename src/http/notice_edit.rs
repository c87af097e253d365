//! `PUT /api/v1/incidents/{id}/notice`: the draft's wording before approval.
//!
//! The four flat fields are the English text. `public_title` is the website
//! page's title (null: the default). `languages` holds the free text per
//! language, `{"es": {the same four fields}}`; it replaces every variant,
//! and a field a language leaves out falls back to the English one (the
//! preview says so). The body is read field by field, so that every bad
//! field is named in one answer and nothing is stored.

use super::auth::Admin;
use super::body::JsonBody;
use super::notices::incident_or_404;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::notices;
use crate::domain::incident::{reject_unknown_fields, required_text};
use crate::domain::FieldError;
use crate::email::templates::primary_language;
use crate::store::NoticeWording;
use crate::views;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The longest free-text field, in characters.
const TEXT_LIMIT: usize = 20_000;
/// The longest public title, in characters.
const TITLE_LIMIT: usize = 300;
/// Languages a notice may be written in besides English.
const LANGUAGE_LIMIT: usize = 50;

const WORDING: [&str; 4] = [
    "what_happened",
    "what_we_are_doing",
    "what_families_can_do",
    "contact",
];

/// New wording for the draft notice; omitted fields keep theirs.
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeEdit {
    #[schema(max_length = 20000)]
    pub what_happened: Option<String>,
    #[schema(max_length = 20000)]
    pub what_we_are_doing: Option<String>,
    #[schema(max_length = 20000)]
    pub what_families_can_do: Option<String>,
    #[schema(max_length = 20000)]
    pub contact: Option<String>,
    /// The website page's title; null restores the default ("Notice of a
    /// data security incident involving <vendor>").
    #[schema(max_length = 300)]
    pub public_title: Option<String>,
    /// The free text per language other than English, keyed by its tag
    /// ("es"); replaces every variant. A field left out reads English.
    #[schema(value_type = Option<BTreeMap<String, NoticeWordingEdit>>)]
    pub languages: Option<Value>,
}

/// One language's free text; every field optional.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeWordingEdit {
    #[schema(max_length = 20000)]
    pub what_happened: Option<String>,
    #[schema(max_length = 20000)]
    pub what_we_are_doing: Option<String>,
    #[schema(max_length = 20000)]
    pub what_families_can_do: Option<String>,
    #[schema(max_length = 20000)]
    pub contact: Option<String>,
}

/// Edits the draft's wording before approval.
#[utoipa::path(
    put,
    path = "/api/v1/incidents/{id}/notice",
    tag = "notices",
    operation_id = "edit_notice",
    summary = "Edit the draft notice's wording before approval (admin)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = NoticeEdit,
    responses(
        (status = 200, description = "The notice as edited", body = views::Notice),
        (status = 403, description = "Only an administrator edits the notice", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The notice was approved; it can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn edit_notice(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Notice>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    let known: Vec<&str> = WORDING
        .iter()
        .copied()
        .chain(["public_title", "languages"])
        .collect();
    reject_unknown_fields(object, &known, &mut errors);
    let incident = incident_or_404(&state.cases, id).await?;
    let now = state.cases.now();
    let mut notice = match state.cases.notice(id).await? {
        Some(notice) => notice,
        None => notices::draft(&incident, &state.settings, now),
    };
    if notice.approved_at.is_some() {
        return Err(approved());
    }
    for field in WORDING {
        if object.contains_key(field) {
            if let Some(text) = required_text(object, field, TEXT_LIMIT, &mut errors) {
                match field {
                    "what_happened" => notice.what_happened = text,
                    "what_we_are_doing" => notice.what_we_are_doing = text,
                    "what_families_can_do" => notice.what_families_can_do = text,
                    _ => notice.contact = text,
                }
            }
        }
    }
    match object.get("public_title") {
        None => {}
        Some(Value::Null) => {
            notice.public_title = Some(notices::default_public_title(&incident, &state.settings))
        }
        Some(_) => {
            if let Some(title) = required_text(object, "public_title", TITLE_LIMIT, &mut errors) {
                notice.public_title = Some(title);
            }
        }
    }
    if let Some(value) = object.get("languages") {
        if let Some(languages) = parse_languages(value, &mut errors) {
            notice.languages = languages;
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    if !notices::save_draft(&state.cases, &notice).await? {
        return Err(approved());
    }
    Ok(Json(views::notice(&notice, state.settings.timezone)))
}

fn approved() -> Problem {
    Problem::new(StatusCode::CONFLICT, "Conflict")
        .detail("the notice was approved; it can no longer change")
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
