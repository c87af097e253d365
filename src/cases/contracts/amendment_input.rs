//! The bodies of the notice to amend a contract and of its amendment, as
//! the API and the pages send them, parsed once and naming every bad field.
//! What depends on the stored contract (a provision still missing, a date
//! not before its execution) is the use case's to check.

use crate::domain::incident::{optional_text, reject_unknown_fields, timestamp_field};
use crate::domain::FieldError;
use crate::rules::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

const MAX_NOTE_CHARS: usize = 5000;

/// The board's notice to the contractor to amend.
#[derive(Debug, Clone, PartialEq)]
pub struct AmendmentRequest {
    /// When the notice was sent.
    pub sent_at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The contractor's amendment: its date and, by number, whether it now
/// includes each provision named.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAmendment {
    pub amended_on: NaiveDate,
    pub provisions: BTreeMap<u32, bool>,
}

pub fn parse_request(body: &Value) -> Result<AmendmentRequest, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new(
            "body",
            "must be a JSON object {\"sent_at\": ..., \"note\": ...}",
        )]);
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["sent_at", "note"], &mut errors);
    let sent_at = match object.get("sent_at") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "sent_at",
                "is required: when the board sent the notice to amend, e.g. 2026-09-10T14:30:00-04:00",
            ));
            None
        }
        Some(value) => timestamp_field("sent_at", value, &mut errors).map(|at| at.utc()),
    };
    let note = optional_text(object, "note", MAX_NOTE_CHARS, &mut errors);
    match (sent_at, errors.is_empty()) {
        (Some(sent_at), true) => Ok(AmendmentRequest { sent_at, note }),
        _ => Err(errors),
    }
}

pub fn parse_amendment(body: &Value, engine: &Engine) -> Result<NewAmendment, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new(
            "body",
            "must be a JSON object {\"amended_at\": \"YYYY-MM-DD\", \"provisions\": {...}}",
        )]);
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["amended_at", "provisions"], &mut errors);
    let amended_on = match object.get("amended_at") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "amended_at",
                "is required: the calendar date of the amendment, \"YYYY-MM-DD\"",
            ));
            None
        }
        Some(value) => {
            let parsed = value
                .as_str()
                .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "amended_at",
                    "must be a calendar date \"YYYY-MM-DD\"",
                ));
            }
            parsed
        }
    };
    let numbers: Vec<u32> = engine.provisions().iter().map(|p| p.number).collect();
    let listed = numbers
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut provisions = BTreeMap::new();
    match object.get("provisions") {
        Some(Value::Object(answers)) if !answers.is_empty() => {
            for (key, value) in answers {
                let field = format!("provisions.{key}");
                let Some(number) = key.parse::<u32>().ok().filter(|n| numbers.contains(n)) else {
                    errors.push(FieldError::new(
                        field,
                        format!("is not a required provision; expected one of {listed}"),
                    ));
                    continue;
                };
                match value {
                    Value::Bool(included) => {
                        provisions.insert(number, *included);
                    }
                    _ => errors.push(FieldError::new(field, "must be true or false")),
                }
            }
        }
        None | Some(Value::Null) | Some(Value::Object(_)) => errors.push(FieldError::new(
            "provisions",
            format!(
                "is required: the provisions the amended contract now includes, {{\"7\": true}}, from {listed}"
            ),
        )),
        Some(_) => errors.push(FieldError::new(
            "provisions",
            "must be an object of provision numbers to true or false",
        )),
    }
    match (amended_on, errors.is_empty()) {
        (Some(amended_on), true) => Ok(NewAmendment {
            amended_on,
            provisions,
        }),
        _ => Err(errors),
    }
}
