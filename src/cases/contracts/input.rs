//! A contract's body as the API and the pages send it, parsed once into a
//! `Contract`, naming every bad field: the vendor is an id, the date of
//! execution a calendar date (`YYYY-MM-DD`), the data elements the
//! taxonomy's names, and the provisions one answer (true or false) per
//! required provision of the jurisdiction's rule pack, keyed by its number.

use crate::domain::incident::{reject_unknown_fields, required_text};
use crate::domain::FieldError;
use crate::rules::Engine;
use crate::store::Contract;
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

const FIELDS: [&str; 6] = [
    "vendor_id",
    "title",
    "purpose",
    "executed_at",
    "data_elements",
    "provisions",
];
const MAX_TITLE_CHARS: usize = 300;
const MAX_PURPOSE_CHARS: usize = 5000;
const MAX_ELEMENTS: usize = 100;

/// Parses a contract's body. The vendor's existence is the use case's to
/// check (it reads the store).
pub fn parse(body: &Value, engine: &Engine) -> Result<Contract, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &FIELDS, &mut errors);
    let vendor_id = match object.get("vendor_id") {
        Some(Value::String(text)) => match Uuid::parse_str(text) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new("vendor_id", "must be a vendor's id"));
                None
            }
        },
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "vendor_id",
                "is required: the registered vendor the contract is with",
            ));
            None
        }
        Some(_) => {
            errors.push(FieldError::new("vendor_id", "must be a vendor's id"));
            None
        }
    };
    let title = required_text(object, "title", MAX_TITLE_CHARS, &mut errors);
    let purpose = required_text(object, "purpose", MAX_PURPOSE_CHARS, &mut errors);
    let executed_on = match object.get("executed_at") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "executed_at",
                "is required: the calendar date the contract was executed, \"YYYY-MM-DD\"",
            ));
            None
        }
        Some(value) => {
            let parsed = value
                .as_str()
                .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "executed_at",
                    "must be a calendar date \"YYYY-MM-DD\"",
                ));
            }
            parsed
        }
    };
    let data_elements = elements(object, engine, &mut errors);
    let provisions = provisions(object, engine, &mut errors);
    match (vendor_id, title, purpose, executed_on, errors.is_empty()) {
        (Some(vendor_id), Some(title), Some(purpose), Some(executed_on), true) => Ok(Contract {
            vendor_id,
            title,
            purpose,
            executed_on,
            data_elements,
            provisions,
        }),
        _ => Err(errors),
    }
}

fn elements(
    object: &Map<String, Value>,
    engine: &Engine,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let items = match object.get("data_elements") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_ELEMENTS => items,
        Some(Value::Array(_)) => {
            errors.push(FieldError::new(
                "data_elements",
                format!("must have at most {MAX_ELEMENTS} entries"),
            ));
            return Vec::new();
        }
        Some(_) => {
            errors.push(FieldError::new(
                "data_elements",
                "must be an array of data element names",
            ));
            return Vec::new();
        }
    };
    let mut out: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let field = format!("data_elements[{index}]");
        match item.as_str().map(|name| engine.taxonomy.lookup(name)) {
            Some(Some(known)) => {
                if !out.contains(&known.name) {
                    out.push(known.name.clone());
                }
            }
            Some(None) => errors.push(FieldError::new(
                field,
                format!(
                    "{item} is not a data element breachd knows; see GET /api/v1/data-elements"
                ),
            )),
            None => errors.push(FieldError::new(field, "must be a data element's name")),
        }
    }
    out
}

/// One answer per required provision, every one given: the checklist is
/// the point, so a provision left out is a question unanswered, not a no.
fn provisions(
    object: &Map<String, Value>,
    engine: &Engine,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<u32, bool> {
    let required = engine.provisions();
    let numbers: Vec<String> = required.iter().map(|p| p.number.to_string()).collect();
    let answers = match object.get("provisions") {
        None | Some(Value::Null) if required.is_empty() => return BTreeMap::new(),
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "provisions",
                format!(
                    "is required: whether the contract includes each required provision, {{\"1\": true, …}} for {}",
                    numbers.join(", ")
                ),
            ));
            return BTreeMap::new();
        }
        Some(Value::Object(answers)) => answers,
        Some(_) => {
            errors.push(FieldError::new(
                "provisions",
                "must be an object of provision numbers to true or false",
            ));
            return BTreeMap::new();
        }
    };
    if required.is_empty() && !answers.is_empty() {
        errors.push(FieldError::new(
            "provisions",
            "this jurisdiction's rules list no required contract provisions; leave it out",
        ));
        return BTreeMap::new();
    }
    for key in answers.keys() {
        if !numbers.contains(key) {
            errors.push(FieldError::new(
                format!("provisions.{key}"),
                format!(
                    "is not a required provision; expected one of {}",
                    numbers.join(", ")
                ),
            ));
        }
    }
    let mut out = BTreeMap::new();
    for provision in required {
        let key = provision.number.to_string();
        match answers.get(&key) {
            Some(Value::Bool(included)) => {
                out.insert(provision.number, *included);
            }
            None => errors.push(FieldError::new(
                format!("provisions.{key}"),
                format!(
                    "is required: does the contract include \"{}\"? true or false",
                    provision.text
                ),
            )),
            Some(_) => errors.push(FieldError::new(
                format!("provisions.{key}"),
                "must be true or false",
            )),
        }
    }
    out
}
