//! The hand-worked cases of tests/data/general_law_scenarios/ (one file per pack),
//! checked the way tests/scenarios.rs checks tests/data/deadlines.toml:
//! through the library and through `breachd deadlines --json`. The packs are
//! loaded from config/rules/ as a `rules.dir`, so a pack is checked whether
//! or not it is embedded in the binary. Expected due times are compared as
//! instants.

mod common;

use breachd::cases;
use breachd::domain::NewIncident;
use breachd::settings::Settings;
use breachd::views::{json as views, Ids};
use chrono::{DateTime, Utc};
use common::daemon::breachd;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every scenario is judged at this instant (after all of them), as in
/// tests/scenarios.rs.
const AS_OF: &str = "2026-11-22T12:00:00Z";

struct Case {
    file: String,
    name: String,
    config: String,
    incident: Value,
    expect: BTreeMap<String, String>,
    expect_status: BTreeMap<String, String>,
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("{text} is RFC 3339"))
        .with_timezone(&Utc)
}

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The scenario files, in name order.
fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest("tests/data/general_law_scenarios"))
        .expect("the state scenario folder")
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

fn strings(case: &toml::Table, key: &str, file: &str, name: &str) -> BTreeMap<String, String> {
    case.get(key)
        .map(|value| {
            value
                .as_table()
                .unwrap_or_else(|| panic!("{file}: {name}: {key} is a table"))
                .iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .unwrap_or_else(|| panic!("{file}: {name}: {key}.{k} is a string"));
                    (k.clone(), v.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn cases() -> Vec<Case> {
    let rules_dir = manifest("config/rules");
    let mut all = Vec::new();
    for path in files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let document: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{file} is TOML: {e}"));
        let cases = document["case"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: [[case]] entries"));
        assert!(!cases.is_empty(), "{file} has no case");
        for case in cases {
            let case = case.as_table().expect("a [[case]] is a table");
            let name = case["name"].as_str().expect("a case has a name").to_owned();
            let source = case.get("source").and_then(|v| v.as_str()).unwrap_or("");
            assert!(!source.trim().is_empty(), "{file}: {name}: cites no source");
            let jurisdiction = case["jurisdiction"].as_str().expect("a jurisdiction");
            assert_eq!(
                format!("{}.toml", jurisdiction.to_ascii_lowercase()),
                file,
                "{file}: {name}: a case for another pack"
            );
            let mut district = toml::Table::new();
            district.insert("jurisdiction".into(), case["jurisdiction"].clone());
            district.insert("timezone".into(), case["timezone"].clone());
            let mut rules = toml::Table::new();
            rules.insert(
                "dir".into(),
                toml::Value::String(rules_dir.to_string_lossy().into_owned()),
            );
            let mut config = toml::Table::new();
            config.insert("district".into(), toml::Value::Table(district));
            config.insert("rules".into(), toml::Value::Table(rules));
            let expect = strings(case, "expect", &file, &name);
            let expect_status = strings(case, "expect_status", &file, &name);
            assert!(
                !expect.is_empty() || !expect_status.is_empty(),
                "{file}: {name}: expects nothing"
            );
            all.push(Case {
                file: file.clone(),
                name,
                config: toml::to_string(&config).expect("the config serialises"),
                incident: serde_json::to_value(&case["incident"]).expect("the incident is JSON"),
                expect,
                expect_status,
            });
        }
    }
    assert!(
        all.len() >= 15,
        "expected every pack's cases, found {}",
        all.len()
    );
    all
}

/// Checks one answer (the JSON of `breachd deadlines --json`) against a case.
fn check(case: &Case, answer: &Value, via: &str) {
    let label = format!("{via}: {}: {}", case.file, case.name);
    let obligations = answer["obligations"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: no obligations"));
    let by_kind = |kind: &str| {
        obligations
            .iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("{label}: no {kind} obligation in {answer}"))
    };
    for (kind, expected) in &case.expect {
        let due = by_kind(kind)["due_at"]
            .as_str()
            .unwrap_or_else(|| panic!("{label}: {kind} has no due_at"));
        assert_eq!(instant(due), instant(expected), "{label}: {kind}");
    }
    for (kind, status) in &case.expect_status {
        assert_eq!(
            by_kind(kind)["status"],
            status.as_str(),
            "{label}: {kind} status"
        );
    }
}

#[test]
fn every_state_scenario_through_the_library() {
    let now = instant(AS_OF);
    for case in cases() {
        let settings = Settings::from_toml(&case.config)
            .unwrap_or_else(|e| panic!("{}: {}: {e}", case.file, case.name));
        let incident = NewIncident::from_json(&case.incident)
            .unwrap_or_else(|e| panic!("{}: {}: {e:?}", case.file, case.name));
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
fn every_state_scenario_through_breachd_deadlines_json() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (index, case) in cases().iter().enumerate() {
        let config = dir.path().join(format!("case{index}.toml"));
        let input = dir.path().join(format!("case{index}.json"));
        std::fs::write(&config, &case.config).expect("the config is written");
        std::fs::write(&input, case.incident.to_string()).expect("the incident is written");
        let output = breachd()
            .args(["deadlines", "--json", "--now", AS_OF, "--config"])
            .arg(&config)
            .arg("--input")
            .arg(&input)
            .output()
            .expect("breachd runs");
        assert!(
            output.status.success(),
            "{}: {}: {}",
            case.file,
            case.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
        check(case, &answer, "cli");
    }
}
