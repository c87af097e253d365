//! A vendor's body as the API and the pages send it, parsed once into a
//! `Vendor`, naming every bad field: an agreement's dates are calendar dates
//! (`YYYY-MM-DD`), its kind and status are the enums, its breach-notice
//! clause a span the engine can count, from a clock event it knows, with
//! a citation; data elements are the taxonomy's names.

use crate::domain::incident::{optional_text, reject_unknown_fields, required_text};
use crate::domain::vendor::{AgreementKind, AgreementStatus};
use crate::domain::{ClockEvent, FieldError};
use crate::rules::{Engine, Within};
use crate::store::{Agreement, BreachNotice, Vendor};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::str::FromStr;

const FIELDS: [&str; 6] = [
    "name",
    "aliases",
    "contacts",
    "services",
    "data_elements",
    "agreement",
];
const AGREEMENT_FIELDS: [&str; 5] = ["kind", "status", "signed_at", "expires_at", "breach_notice"];
const CLAUSE_FIELDS: [&str; 3] = ["within", "clock", "citation"];
const MAX_NAME_CHARS: usize = 300;
const MAX_SERVICES_CHARS: usize = 2000;
const MAX_LIST: usize = 50;

/// Parses a vendor's body; `engine` knows the taxonomy and the clock events.
pub fn parse(body: &Value, engine: &Engine) -> Result<Vendor, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &FIELDS, &mut errors);
    let name = required_text(object, "name", MAX_NAME_CHARS, &mut errors);
    let aliases = texts(object, "aliases", MAX_NAME_CHARS, &mut errors);
    let contacts = texts(object, "contacts", MAX_NAME_CHARS, &mut errors);
    let services = optional_text(object, "services", MAX_SERVICES_CHARS, &mut errors);
    let data_elements = texts(object, "data_elements", MAX_NAME_CHARS, &mut errors)
        .into_iter()
        .enumerate()
        .filter_map(
            |(index, element)| match engine.taxonomy.lookup(&element) {
                Some(known) => Some(known.name.clone()),
                None => {
                    errors.push(FieldError::new(
                        format!("data_elements[{index}]"),
                        format!("{element:?} is not a data element breachd knows; see GET /api/v1/data-elements"),
                    ));
                    None
                }
            },
        )
        .collect();
    let agreement = match object.get("agreement") {
        None | Some(Value::Null) => Agreement::default(),
        Some(Value::Object(agreement)) => parse_agreement(agreement, engine, &mut errors),
        Some(_) => {
            errors.push(FieldError::new("agreement", "must be an object"));
            Agreement::default()
        }
    };
    match (name, errors.is_empty()) {
        (Some(name), true) => Ok(Vendor {
            name,
            aliases,
            contacts,
            services,
            data_elements,
            agreement,
        }),
        _ => Err(errors),
    }
}

fn parse_agreement(
    object: &Map<String, Value>,
    engine: &Engine,
    errors: &mut Vec<FieldError>,
) -> Agreement {
    for key in object.keys() {
        if !AGREEMENT_FIELDS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                format!("agreement.{key}"),
                format!(
                    "unknown field; expected one of {}",
                    AGREEMENT_FIELDS.join(", ")
                ),
            ));
        }
    }
    let kind = enum_field(object, "kind", AgreementKind::parse, &kind_names(), errors);
    let status = enum_field(
        object,
        "status",
        AgreementStatus::parse,
        &status_names(),
        errors,
    )
    .unwrap_or_default();
    let signed_at = date_field(object, "signed_at", errors);
    let expires_at = date_field(object, "expires_at", errors);
    if let (Some(signed), Some(expires)) = (signed_at, expires_at) {
        if expires < signed {
            errors.push(FieldError::new(
                "agreement.expires_at",
                "must not be before agreement.signed_at",
            ));
        }
    }
    if status == AgreementStatus::Signed {
        if signed_at.is_none() {
            errors.push(FieldError::new(
                "agreement.signed_at",
                "is required when the agreement is signed",
            ));
        }
        if kind.is_none() {
            errors.push(FieldError::new(
                "agreement.kind",
                "is required when the agreement is signed",
            ));
        }
    }
    let breach_notice = match object.get("breach_notice") {
        None | Some(Value::Null) => None,
        Some(Value::Object(clause)) => parse_clause(clause, engine, errors),
        Some(_) => {
            errors.push(FieldError::new(
                "agreement.breach_notice",
                "must be an object {\"within\", \"clock\", \"citation\"}",
            ));
            None
        }
    };
    Agreement {
        kind,
        status,
        signed_at,
        expires_at,
        breach_notice,
    }
}

fn parse_clause(
    object: &Map<String, Value>,
    engine: &Engine,
    errors: &mut Vec<FieldError>,
) -> Option<BreachNotice> {
    const PREFIX: &str = "agreement.breach_notice";
    for key in object.keys() {
        if !CLAUSE_FIELDS.contains(&key.as_str()) {
            errors.push(FieldError::new(
                format!("{PREFIX}.{key}"),
                format!(
                    "unknown field; expected one of {}",
                    CLAUSE_FIELDS.join(", ")
                ),
            ));
        }
    }
    let within = match object.get("within") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                format!("{PREFIX}.within"),
                "is required: \"48h\" (hours), \"30d\" (calendar days) or \"2bd\" (business days)",
            ));
            None
        }
        Some(Value::String(text)) => match Within::from_str(text) {
            Ok(within) => Some(within),
            Err(reason) => {
                errors.push(FieldError::new(format!("{PREFIX}.within"), reason));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                format!("{PREFIX}.within"),
                "must be a string such as \"48h\", \"30d\" or \"2bd\"",
            ));
            None
        }
    };
    // One of the pack's clock events, so that the engine can start it;
    // left out, the discovery (or suspicion) of the breach, which is what
    // contractor-notice clauses count from ("awareness or suspicion").
    let clock = match object.get("clock") {
        None | Some(Value::Null) => Some(ClockEvent::discovered()),
        Some(Value::String(text)) => match ClockEvent::parse(text) {
            Ok(clock) if engine.pack.events().contains(&clock) => Some(clock),
            Ok(_) | Err(_) => {
                errors.push(FieldError::new(
                    format!("{PREFIX}.clock"),
                    format!("{text:?} is not a clock event of this jurisdiction's rules; use \"discovered\""),
                ));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                format!("{PREFIX}.clock"),
                "must be a string",
            ));
            None
        }
    };
    let mut scratch = Vec::new();
    let citation = required_text(object, "citation", MAX_NAME_CHARS, &mut scratch);
    errors.extend(
        scratch
            .into_iter()
            .map(|error| FieldError::new(format!("{PREFIX}.{}", error.field), error.reason)),
    );
    Some(BreachNotice {
        within: within?,
        clock: clock?,
        citation: citation?,
    })
}

/// An optional array of non-empty strings, each named by its index when bad.
fn texts(
    object: &Map<String, Value>,
    field: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let items = match object.get(field) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(FieldError::new(field, "must be an array of strings"));
            return Vec::new();
        }
    };
    if items.len() > MAX_LIST {
        errors.push(FieldError::new(
            field,
            format!("must have at most {MAX_LIST} entries"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let mut one = Map::new();
        one.insert(format!("{field}[{index}]"), item.clone());
        if let Some(text) = required_text(&one, &format!("{field}[{index}]"), max_chars, errors) {
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

fn enum_field<T>(
    object: &Map<String, Value>,
    field: &str,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            let parsed = parse(text);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    format!("agreement.{field}"),
                    format!("{text:?} is not one of {}", names.join(", ")),
                ));
            }
            parsed
        }
        Some(_) => {
            errors.push(FieldError::new(
                format!("agreement.{field}"),
                format!("must be one of {}", names.join(", ")),
            ));
            None
        }
    }
}

fn date_field(
    object: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => {
            let parsed = value
                .as_str()
                .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    format!("agreement.{field}"),
                    "must be a calendar date \"YYYY-MM-DD\"",
                ));
            }
            parsed
        }
    }
}

fn kind_names() -> Vec<&'static str> {
    AgreementKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .collect()
}

fn status_names() -> Vec<&'static str> {
    AgreementStatus::ALL
        .iter()
        .map(|status| status.as_str())
        .collect()
}
