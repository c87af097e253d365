//! A privacy request as the API and the public form send it, parsed once
//! into a `NewRequest`, naming every bad field. Error messages never echo
//! what was typed: a requester's name and address are personal data.

use crate::domain::incident::{reject_unknown_fields, required_text, timestamp_field};
use crate::domain::request::RequestKind;
use crate::domain::FieldError;
use chrono::{DateTime, Utc};
use lettre::Address;
use serde_json::{Map, Value};

const FIELDS: [&str; 4] = ["kind", "received_at", "requester", "summary"];
const REQUESTER_FIELDS: [&str; 2] = ["name", "email"];
pub(crate) const MAX_NAME_CHARS: usize = 100;
pub(crate) const MAX_EMAIL_CHARS: usize = 254;
pub(crate) const MAX_SUMMARY_CHARS: usize = 4000;
/// What staff write back: an answer, a closing note.
pub(crate) const MAX_ANSWER_CHARS: usize = 20_000;

/// A request before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub kind: RequestKind,
    /// `None` from the public form: it is received when it arrives.
    pub received_at: Option<DateTime<Utc>>,
    pub name: String,
    pub email: String,
    pub summary: String,
}

/// The API's body (`POST /api/v1/requests`).
pub fn parse(body: &Value) -> Result<NewRequest, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &FIELDS, &mut errors);
    let kind = match object.get("kind").and_then(Value::as_str) {
        Some(text) => RequestKind::parse(text)
            .map_err(|reason| errors.push(FieldError::new("kind", reason)))
            .ok(),
        None => {
            errors.push(FieldError::new("kind", "is required (a string)"));
            None
        }
    };
    let received_at = match object.get("received_at") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("received_at", "is required"));
            None
        }
        Some(value) => timestamp_field("received_at", value, &mut errors).map(|t| t.utc()),
    };
    let (name, email) = match object.get("requester") {
        Some(Value::Object(requester)) => {
            let mut inner = Vec::new();
            reject_unknown_fields(requester, &REQUESTER_FIELDS, &mut inner);
            let name = required_text(requester, "name", MAX_NAME_CHARS, &mut inner);
            let email = required_text(requester, "email", MAX_EMAIL_CHARS, &mut inner)
                .and_then(|text| address("email", text, &mut inner));
            errors.extend(
                inner
                    .into_iter()
                    .map(|e| FieldError::new(format!("requester.{}", e.field), e.reason)),
            );
            (name, email)
        }
        _ => {
            errors.push(FieldError::new(
                "requester",
                "is required: an object with name and email",
            ));
            (None, None)
        }
    };
    let summary = required_text(object, "summary", MAX_SUMMARY_CHARS, &mut errors);
    match (kind, received_at, name, email, summary, errors.is_empty()) {
        (Some(kind), Some(received_at), Some(name), Some(email), Some(summary), true) => {
            Ok(NewRequest {
                kind,
                received_at: Some(received_at),
                name,
                email,
                summary,
            })
        }
        _ => Err(errors),
    }
}

/// The public form's fields (already decoded); `received_at` is left to
/// the moment it arrives.
pub fn parse_form(
    kind: &str,
    name: &str,
    email: &str,
    summary: &str,
) -> Result<NewRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = RequestKind::parse(kind)
        .map_err(|_| errors.push(FieldError::new("kind", "choose what you are asking for")))
        .ok();
    let mut object = Map::new();
    object.insert("name".into(), Value::String(name.to_owned()));
    object.insert("email".into(), Value::String(email.to_owned()));
    object.insert("summary".into(), Value::String(summary.to_owned()));
    let name = required_text(&object, "name", MAX_NAME_CHARS, &mut errors);
    let email = required_text(&object, "email", MAX_EMAIL_CHARS, &mut errors)
        .and_then(|text| address("email", text, &mut errors));
    let summary = required_text(&object, "summary", MAX_SUMMARY_CHARS, &mut errors);
    match (kind, name, email, summary, errors.is_empty()) {
        (Some(kind), Some(name), Some(email), Some(summary), true) => Ok(NewRequest {
            kind,
            received_at: None,
            name,
            email,
            summary,
        }),
        _ => Err(errors),
    }
}

/// An address the receipt can be sent to (lettre's parser, which the
/// transport uses too); the message does not repeat it.
fn address(field: &str, text: String, errors: &mut Vec<FieldError>) -> Option<String> {
    match text.parse::<Address>() {
        Ok(_) if text.is_empty() => None,
        Ok(_) => Some(text),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "is not an email address (name@example.org)",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_named_without_echoing_it() {
        let errors = parse(&json!({
            "kind": "gossip",
            "received_at": "2026-03-02 09:00",
            "requester": {"name": "", "email": "jane.doe-at-example", "phone": "1"},
            "extra": 1,
        }))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "kind",
            "received_at",
            "requester.name",
            "requester.email",
            "requester.phone",
            "summary",
            "extra",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        assert!(errors.iter().all(|e| !e.reason.contains("jane.doe")));
    }

    #[test]
    fn a_good_body_parses() {
        let new = parse(&json!({
            "kind": "dispute",
            "received_at": "2026-03-02T09:00:00-05:00",
            "requester": {"name": "Jane Doe", "email": "jane@example.org"},
            "summary": "The attendance record is wrong.",
        }))
        .unwrap();
        assert_eq!(new.kind, RequestKind::Dispute);
        assert_eq!(new.email, "jane@example.org");
    }
}
