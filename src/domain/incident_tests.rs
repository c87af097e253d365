//! Parsing a breach report: the contract's example, and each bad field named.

use super::*;
use serde_json::json;

fn fields(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn parses_the_contract_example() {
    let incident = NewIncident::from_json(&json!({
        "title": "SIS vendor unauthorized access",
        "description": "free text",
        "contractor": "Vendor Inc.",
        "discovered_at": "2024-12-28T09:00:00-05:00",
        "board_notified_at": "2025-01-07T14:00:00-05:00",
        "data_elements": ["student_name", "home_address", "ssn", "grades"],
        "affected_students": 1200
    }))
    .unwrap();
    assert_eq!(incident.contractor.as_deref(), Some("Vendor Inc."));
    assert_eq!(incident.data_elements.len(), 4);
    assert_eq!(incident.affected_students, Some(1200));
}

#[test]
fn names_every_bad_field() {
    let errors = NewIncident::from_json(&json!({
        "title": "  ",
        "discovered_at": "2024-12-28T09:00:00",
        "data_elements": [],
        "affected_students": -3,
        "board_notifed_at": "2025-01-07T14:00:00-05:00"
    }))
    .unwrap_err();
    let mut names = fields(errors);
    names.sort();
    assert_eq!(
        names,
        [
            "affected_students",
            "board_notifed_at",
            "data_elements",
            "discovered_at",
            "title"
        ]
    );
}

#[test]
fn board_notice_before_discovery_is_refused() {
    let errors = NewIncident::from_json(&json!({
        "title": "t",
        "discovered_at": "2025-01-07T14:00:00-05:00",
        "board_notified_at": "2025-01-07T13:59:59-05:00",
        "data_elements": ["grades"]
    }))
    .unwrap_err();
    assert_eq!(fields(errors), ["board_notified_at"]);
}

#[test]
fn not_an_object() {
    assert_eq!(
        fields(NewIncident::from_json(&json!([1])).unwrap_err()),
        ["body"]
    );
}

#[test]
fn duplicate_elements_collapse() {
    let incident = NewIncident::from_json(&json!({
        "title": "t", "discovered_at": "2025-01-07T14:00:00Z",
        "data_elements": ["ssn", " ssn ", "grades"]
    }))
    .unwrap();
    assert_eq!(incident.data_elements, ["ssn", "grades"]);
}
