//! A breach report as IT staff file it, parsed field by field so that a bad
//! request is answered with every problem at once, each naming its field.

use super::event::{ClockEvent, DelayRequest};
use super::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_DATA_ELEMENTS: usize = 500;
pub const MAX_ELEMENT_CHARS: usize = 200;

/// One problem with one field of a request; shown to the user as is, so it
/// never echoes free-text values (they may hold personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, e.g. `discovered_at` or `data_elements[2]`.
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Where the breach happened, which decides whose clocks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachAt {
    /// A contractor (vendor) holding the district's data.
    Contractor,
    /// The district's own systems (`"own_systems": true`).
    District,
    /// The report names no contractor and does not say it was the district's
    /// own systems: both sets of rules apply, the earlier reading.
    Unknown,
}

// A validated incident body. Its schema documents the JSON that
// `from_json` reads field by field; the limits repeat the constants above
// (the attribute takes literals only) and a test in `http::openapi` keeps
// them equal. The doc comment is the schema's description.
/// A breach report (`POST /api/v1/incidents`). Unknown fields are refused: a
/// mistyped `board_notified_at` would otherwise silently drop a clock.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    #[schema(max_length = 300, example = "SIS vendor unauthorized access")]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    /// The vendor holding the data; omit for the district's own systems.
    #[schema(max_length = 300)]
    pub contractor: Option<String>,
    /// True when the district's own systems were breached (no contractor);
    /// false when omitted.
    #[schema(value_type = Option<bool>)]
    pub own_systems: bool,
    #[schema(value_type = String, format = DateTime, example = "2024-12-28T09:00:00-05:00")]
    pub discovered_at: Timestamp,
    /// Not before `discovered_at`.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub board_notified_at: Option<Timestamp>,
    /// What was exposed; unknown names are classed `student_information`.
    #[schema(min_items = 1, max_items = 500, example = json!(["student_name", "ssn"]))]
    pub data_elements: Vec<String>,
    pub affected_students: Option<u64>,
    /// Clock events beyond `discovered_at` and `board_notified_at`, such as
    /// `determined` or `delay_requested` (the district's rule pack names
    /// which it knows).
    #[schema(value_type = Option<BTreeMap<String, String>>, example = json!({"determined": "2025-01-06T10:00:00-05:00"}))]
    pub events: BTreeMap<ClockEvent, Timestamp>,
    /// People whose personal information in the state-law sense was
    /// involved; unknown counts are read the strict way (the rule applies).
    pub affected_residents: Option<u64>,
    /// Students enrolled in the district (for share thresholds).
    pub enrollment: Option<u64>,
    /// Who asked for notice to be delayed and whether in writing, with
    /// `events.delay_requested` (and `events.delay_ended` once it ends).
    pub delay: Option<DelayRequest>,
    /// Accept events older than every rule of the district's pack (an old
    /// breach recorded for the file) instead of refusing them as a typo.
    #[schema(value_type = Option<bool>)]
    pub historical: bool,
}

impl NewIncident {
    /// What the report says beyond its events, as kept with the incident.
    pub fn facts(&self) -> ReportedFacts {
        ReportedFacts {
            affected_residents: self.affected_residents,
            enrollment: self.enrollment,
            delay: self.delay.clone(),
            historical: self.historical,
        }
    }
}

/// What a report says beyond its clock events and data elements, kept with
/// the incident: the counts some statutes' thresholds need, a
/// law-enforcement delay's details, and whether it is a historical record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedFacts {
    /// People whose personal information in the state-law sense was
    /// involved; unknown counts are read the strict way (the rule applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_residents: Option<u64>,
    /// Students enrolled in the district (for share thresholds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<u64>,
    /// Who asked for notice to be delayed, and whether in writing; its times
    /// are the `delay_requested` and `delay_ended` events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<DelayRequest>,
    /// Accept events older than every rule of the district's pack (an old
    /// breach recorded for the file), instead of refusing them as a typo.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub historical: bool,
}

/// The largest count stored (the databases keep signed 64-bit integers).
const MAX_COUNT: u64 = i64::MAX as u64;

/// Every field of the body; any other is refused.
pub(crate) const FIELDS: [&str; 13] = [
    "title",
    "own_systems",
    "description",
    "contractor",
    "discovered_at",
    "board_notified_at",
    "data_elements",
    "affected_students",
    "events",
    "delay",
    "affected_residents",
    "enrollment",
    "historical",
];

impl NewIncident {
    /// Parses a JSON document; returns every field error found, never only
    /// the first.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(object) = body.as_object() else {
            return Err(vec![FieldError::new("body", "must be a JSON object")]);
        };
        let mut errors = Vec::new();
        reject_unknown_fields(object, &FIELDS, &mut errors);
        let title = required_text(object, "title", MAX_TITLE_CHARS, &mut errors);
        let description = optional_text(object, "description", MAX_DESCRIPTION_CHARS, &mut errors);
        let contractor = optional_text(object, "contractor", MAX_TITLE_CHARS, &mut errors);
        let own_systems = match object.get("own_systems") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                errors.push(FieldError::new("own_systems", "must be true or false"));
                false
            }
        };
        if own_systems && contractor.is_some() {
            errors.push(FieldError::new(
                "own_systems",
                "must not be true when a contractor is named",
            ));
        }
        let discovered_at = match object.get("discovered_at") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("discovered_at", "is required"));
                None
            }
            Some(value) => timestamp_field("discovered_at", value, &mut errors),
        };
        let board_notified_at = match object.get("board_notified_at") {
            None | Some(Value::Null) => None,
            Some(value) => timestamp_field("board_notified_at", value, &mut errors),
        };
        if let (Some(discovered), Some(notified)) = (discovered_at, board_notified_at) {
            if notified < discovered {
                errors.push(FieldError::new(
                    "board_notified_at",
                    "must not be before discovered_at",
                ));
            }
        }
        let data_elements = data_elements(object, &mut errors);
        let affected_students = count_field(object, "affected_students", &mut errors);
        let events = extra_events(object, &mut errors);
        let affected_residents = count_field(object, "affected_residents", &mut errors);
        let enrollment = count_field(object, "enrollment", &mut errors);
        let delay = delay_field(object, &events, &mut errors);
        let historical = match object.get("historical") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(flag)) => *flag,
            Some(_) => {
                errors.push(FieldError::new("historical", "must be true or false"));
                false
            }
        };
        match (title, discovered_at, errors.is_empty()) {
            (Some(title), Some(discovered_at), true) => Ok(NewIncident {
                title,
                description,
                contractor,
                own_systems,
                discovered_at,
                board_notified_at,
                data_elements,
                affected_students,
                events,
                affected_residents,
                enrollment,
                delay,
                historical,
            }),
            _ => Err(errors),
        }
    }
}

/// A count of people: a whole number from 0 to 2^63 - 1.
fn count_field(
    object: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<u64> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64() {
            Some(count) if count <= MAX_COUNT => Some(count),
            Some(_) => {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {MAX_COUNT}"),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    field,
                    "must be a whole number of zero or more",
                ));
                None
            }
        },
    }
}

/// `events`: clock events by name, each an RFC 3339 time with an offset.
/// `discovered` and `board_notified` have fields of their own.
fn extra_events(
    object: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<ClockEvent, Timestamp> {
    let mut events = BTreeMap::new();
    let entries = match object.get("events") {
        None | Some(Value::Null) => return events,
        Some(Value::Object(entries)) => entries,
        Some(_) => {
            errors.push(FieldError::new(
                "events",
                "must be an object of event names and times",
            ));
            return events;
        }
    };
    for (name, value) in entries {
        let field = format!("events.{name}");
        let kind = match ClockEvent::parse(name) {
            Ok(kind) => kind,
            Err(reason) => {
                errors.push(FieldError::new(&field, reason));
                continue;
            }
        };
        if [ClockEvent::DISCOVERED, ClockEvent::BOARD_NOTIFIED].contains(&kind.as_str()) {
            errors.push(FieldError::new(
                &field,
                format!("is given as {name}_at, at the top level of the body"),
            ));
            continue;
        }
        if let Some(at) = timestamp_field(&field, value, errors) {
            events.insert(kind, at);
        }
    }
    events
}

/// `delay`: `{"agency": "…", "written": true|false}`, with the
/// `delay_requested` event it describes.
fn delay_field(
    object: &Map<String, Value>,
    events: &BTreeMap<ClockEvent, Timestamp>,
    errors: &mut Vec<FieldError>,
) -> Option<DelayRequest> {
    let value = match object.get("delay") {
        None | Some(Value::Null) => return None,
        Some(value) => value,
    };
    let Some(fields) = value.as_object() else {
        errors.push(FieldError::new(
            "delay",
            "must be an object with agency and written",
        ));
        return None;
    };
    let before = errors.len();
    reject_unknown_fields(fields, &["agency", "written"], errors);
    let agency = required_text(fields, "agency", MAX_TITLE_CHARS, errors);
    // Errors inside `delay` are named by their path in the body.
    for error in &mut errors[before..] {
        error.field = format!("delay.{}", error.field);
    }
    let written = match fields.get("written") {
        Some(Value::Bool(flag)) => Some(*flag),
        _ => {
            errors.push(FieldError::new(
                "delay.written",
                "is required: true when the request was made in writing",
            ));
            None
        }
    };
    let requested = events
        .keys()
        .any(|kind| kind.as_str() == ClockEvent::DELAY_REQUESTED);
    if !requested {
        errors.push(FieldError::new(
            "delay",
            "needs the time of the request, as events.delay_requested",
        ));
    }
    Some(DelayRequest {
        agency: agency?,
        written: written?,
    })
}

/// Names every field of `object` that is not `allowed`: a mistyped field
/// name (`board_notifed_at`) must not be silently dropped.
pub fn reject_unknown_fields(
    object: &Map<String, Value>,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) {
    for key in object.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(FieldError::new(
                key.as_str(),
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ));
        }
    }
}

/// Parses a timestamp field, recording an error that names it.
pub fn timestamp_field(
    field: &str,
    value: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<Timestamp> {
    match value.as_str() {
        Some(text) => match Timestamp::parse(text) {
            Ok(timestamp) => Some(timestamp),
            Err(reason) => {
                errors.push(FieldError::new(field, reason.to_string()));
                None
            }
        },
        None => {
            errors.push(FieldError::new(
                field,
                "must be an RFC 3339 timestamp string",
            ));
            None
        }
    }
}

pub fn required_text(
    object: &Map<String, Value>,
    field: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
        Some(value) => text(field, value, max_chars, errors),
    }
}

pub fn optional_text(
    object: &Map<String, Value>,
    field: &str,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.get(field) {
        None | Some(Value::Null) => None,
        Some(value) => text(field, value, max_chars, errors),
    }
}

fn text(
    field: &str,
    value: &Value,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let Some(raw) = value.as_str() else {
        errors.push(FieldError::new(field, "must be a string"));
        return None;
    };
    // The raw input is checked before it is trimmed: trimming must not turn
    // an over-long or hostile value into an accepted one.
    if let Some(bad) = raw
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            field,
            format!(
                "must not contain control characters (found U+{:04X}); line breaks and tabs are allowed",
                u32::from(bad)
            ),
        ));
        return None;
    }
    let trimmed = raw.trim();
    if raw.chars().count() > max_chars {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
        None
    } else if trimmed.is_empty() {
        errors.push(FieldError::new(
            field,
            "must not be empty (omit the field instead)",
        ));
        None
    } else {
        Some(trimmed.to_owned())
    }
}

fn data_elements(object: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Vec<String> {
    let items = match object.get("data_elements") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "data_elements",
                "is required: list what was exposed, e.g. [\"student_name\", \"grades\"]",
            ));
            return Vec::new();
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(FieldError::new(
                "data_elements",
                "must be an array of strings",
            ));
            return Vec::new();
        }
    };
    if items.is_empty() {
        errors.push(FieldError::new(
            "data_elements",
            "must name at least one data element",
        ));
    }
    if items.len() > MAX_DATA_ELEMENTS {
        errors.push(FieldError::new(
            "data_elements",
            format!("must have at most {MAX_DATA_ELEMENTS} entries"),
        ));
        return Vec::new();
    }
    let mut elements: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let field = format!("data_elements[{index}]");
        match item.as_str().map(str::trim) {
            Some("") => errors.push(FieldError::new(field, "must not be empty")),
            Some(name) if name.chars().count() > MAX_ELEMENT_CHARS => errors.push(FieldError::new(
                field,
                format!("must be at most {MAX_ELEMENT_CHARS} characters"),
            )),
            Some(name) => {
                if !elements.iter().any(|seen| seen == name) {
                    elements.push(name.to_owned());
                }
            }
            None => errors.push(FieldError::new(field, "must be a string")),
        }
    }
    elements
}

impl NewIncident {
    pub fn breach_at(&self) -> BreachAt {
        breach_at(self.contractor.is_some(), self.own_systems)
    }
}

pub fn breach_at(has_contractor: bool, own_systems: bool) -> BreachAt {
    match (has_contractor, own_systems) {
        (true, _) => BreachAt::Contractor,
        (false, true) => BreachAt::District,
        (false, false) => BreachAt::Unknown,
    }
}

#[cfg(test)]
#[path = "incident_tests.rs"]
mod tests;
