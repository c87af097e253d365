//! The project's hand-worked deadline cases (tests/data/deadlines.toml),
//! checked through the library API and through
//! `breachd deadlines --json`. Expected due times are compared as instants.

mod common;

use breachd::cases;
use breachd::domain::NewIncident;
use breachd::settings::Settings;
use breachd::views::{json as views, Ids};
use chrono::{DateTime, Utc};
use common::daemon::breachd;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every scenario is judged at this instant (after all of them).
const AS_OF: &str = "2026-11-22T12:00:00Z";

struct Case {
    name: String,
    config: String,
    incident: Value,
    expect: BTreeMap<String, String>,
    expect_sources: BTreeMap<String, usize>,
    expect_status: BTreeMap<String, String>,
    expect_needs_review: Option<Vec<String>>,
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("{text} is RFC 3339"))
        .with_timezone(&Utc)
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/deadlines.toml");
    let text = std::fs::read_to_string(path).expect("the scenario file");
    let document: toml::Table = toml::from_str(&text).expect("the scenario file is TOML");
    let cases = document["case"].as_array().expect("[[case]] entries");
    assert!(
        cases.len() >= 13,
        "expected every scenario, found {}",
        cases.len()
    );
    cases
        .iter()
        .map(|case| {
            let case = case.as_table().unwrap();
            let mut district = toml::Table::new();
            district.insert("jurisdiction".into(), case["jurisdiction"].clone());
            district.insert("timezone".into(), case["timezone"].clone());
            if let Some(policy) = case.get("policy") {
                let mut overlays = policy.as_array().unwrap().clone();
                for overlay in &mut overlays {
                    let table = overlay.as_table_mut().unwrap();
                    table
                        .entry("citation")
                        .or_insert_with(|| "Board policy (scenario)".into());
                }
                district.insert("policy".into(), toml::Value::Array(overlays));
            }
            let mut config = toml::Table::new();
            config.insert("district".into(), toml::Value::Table(district));
            let strings = |key: &str| -> BTreeMap<String, String> {
                case.get(key)
                    .and_then(|v| v.as_table())
                    .map(|t| {
                        t.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            Case {
                name: case["name"].as_str().unwrap().to_owned(),
                config: toml::to_string(&config).unwrap(),
                incident: serde_json::to_value(&case["incident"]).unwrap(),
                expect: strings("expect"),
                expect_status: strings("expect_status"),
                expect_sources: case
                    .get("expect_sources")
                    .and_then(|v| v.as_table())
                    .map(|t| {
                        t.iter()
                            .map(|(k, v)| (k.clone(), v.as_integer().unwrap() as usize))
                            .collect()
                    })
                    .unwrap_or_default(),
                expect_needs_review: case.get("expect_needs_review").map(|v| {
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s.as_str().unwrap().to_owned())
                        .collect()
                }),
            }
        })
        .collect()
}

/// Checks one answer (the JSON of `breachd deadlines --json`) against a case.
fn check(case: &Case, answer: &Value, via: &str) {
    let obligations = answer["obligations"]
        .as_array()
        .unwrap_or_else(|| panic!("{via}: {}: no obligations", case.name));
    let by_kind = |kind: &str| {
        obligations
            .iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("{via}: {}: no {kind} obligation in {answer}", case.name))
    };
    for (kind, expected) in &case.expect {
        let due = by_kind(kind)["due_at"]
            .as_str()
            .unwrap_or_else(|| panic!("{via}: {}: {kind} has no due_at", case.name));
        assert_eq!(
            instant(due),
            instant(expected),
            "{via}: {}: {kind}",
            case.name
        );
    }
    for (kind, count) in &case.expect_sources {
        assert_eq!(
            by_kind(kind)["sources"].as_array().unwrap().len(),
            *count,
            "{via}: {}: {kind} sources",
            case.name
        );
    }
    for (kind, status) in &case.expect_status {
        assert_eq!(
            by_kind(kind)["status"],
            status.as_str(),
            "{via}: {}: {kind} status",
            case.name
        );
    }
    if let Some(review) = &case.expect_needs_review {
        let flagged: Vec<&str> = answer["classification"]["needs_review"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(flagged, *review, "{via}: {}", case.name);
    }
}

#[test]
fn every_scenario_through_the_library() {
    let now = instant(AS_OF);
    for case in cases() {
        let settings =
            Settings::from_toml(&case.config).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let incident = NewIncident::from_json(&case.incident)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        let (record, obligations) =
            cases::draft(&settings.engine, &incident, uuid::Uuid::nil(), "test", now);
        let answer = views::incident(
            &record,
            &obligations,
            &[],
            now,
            settings.timezone,
            Ids::Hidden,
        );
        check(&case, &answer, "library");
    }
}

#[test]
fn every_scenario_through_breachd_deadlines_json() {
    let dir = tempfile::tempdir().unwrap();
    for (index, case) in cases().iter().enumerate() {
        let config = dir.path().join(format!("case{index}.toml"));
        let input = dir.path().join(format!("case{index}.json"));
        std::fs::write(&config, &case.config).unwrap();
        std::fs::write(&input, case.incident.to_string()).unwrap();
        let output = breachd()
            .args(["deadlines", "--json", "--now", AS_OF, "--config"])
            .arg(&config)
            .arg("--input")
            .arg(&input)
            .output()
            .expect("breachd runs");
        assert!(
            output.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
        assert!(answer.get("id").is_none(), "deadlines --json has no id");
        check(case, &answer, "cli");
    }
}
