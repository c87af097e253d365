//! Hand-worked cases for the state packs (tests/data/state_scenarios/, one
//! file per jurisdiction), each citing the rule and source its answer rests
//! on. They run through the library as `breachd deadlines` does, and the
//! "every duty" case of each file also through `breachd deadlines --json`.
//!
//! Beyond each case's own answers, the file set is held to the coverage the
//! packs promise: every rule of a pack is exercised by some case, every
//! business-day rule by a case across a legal holiday, every elapsed-hours
//! rule by one across a daylight-saving change in the state's own zone, and
//! each of the 24 researched jurisdictions has a case that expects exactly its
//! duties. Weekdays and holidays were checked with
//! `python3 -c 'import datetime; ...'`.

mod common;

use breachd::cases;
use breachd::domain::NewIncident;
use breachd::rules::{BusinessCalendar, RulePack, Within};
use breachd::settings::Settings;
use breachd::views::{json as views, Ids};
use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use common::daemon::breachd;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every case is judged at this instant, after all their events.
const AS_OF: &str = "2026-11-30T18:00:00Z";

/// Section 2b of the research behind the packs: the jurisdictions that must
/// each have a file here.
const RESEARCHED: [&str; 24] = [
    "US-PA", "US-CO", "US-TX", "US-WA", "US-CA", "US-FL", "US-KY", "US-VA", "US-NC", "US-IN",
    "US-OR", "US-RI", "US-VT", "US-AZ", "US-DE", "US-OH", "US-LA", "US-UT", "US-GA", "US-ME",
    "US-IA", "US-NJ", "US-MD", "US-ID",
];

struct Case {
    file: String,
    name: String,
    jurisdiction: String,
    zone: Tz,
    config: String,
    incident: Value,
    /// Kind → the operative due time (RFC 3339), "asap" (due as soon as
    /// practicable, no time) or "none" (no time yet: its clock has not
    /// started).
    expect: BTreeMap<String, String>,
    /// Every kind the incident gets, exactly (the "every duty" cases).
    expect_kinds: Option<BTreeSet<String>>,
    /// Kinds the incident must not get.
    expect_absent: Vec<String>,
    expect_sources: BTreeMap<String, usize>,
    /// The pack rules this case exercises; each must be among the answer's sources.
    rules: Vec<String>,
    /// Kinds whose deadline this case counts across a legal holiday / a DST change.
    crosses_holiday: Vec<String>,
    crosses_dst: Vec<String>,
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("{text} is RFC 3339"))
        .with_timezone(&Utc)
}

fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .map(|item| item.as_str().expect("a list of strings").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn table(value: Option<&toml::Value>) -> BTreeMap<String, toml::Value> {
    value
        .and_then(|v| v.as_table())
        .map(|t| t.clone().into_iter().collect())
        .unwrap_or_default()
}

/// Every case of every file, and the jurisdictions that have a file.
fn cases() -> Vec<Case> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/state_scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the state scenario folder")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let document: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{file} is TOML: {e}"));
        let jurisdiction = document["jurisdiction"].as_str().unwrap().to_owned();
        let timezone = document["timezone"].as_str().unwrap().to_owned();
        let zone: Tz = timezone.parse().unwrap_or_else(|_| panic!("{file}: zone"));
        let mut config = toml::Table::new();
        let mut district = toml::Table::new();
        district.insert("jurisdiction".into(), jurisdiction.clone().into());
        district.insert("timezone".into(), timezone.into());
        config.insert("district".into(), toml::Value::Table(district));
        let config = toml::to_string(&config).unwrap();
        for case in document["case"].as_array().expect("[[case]] entries") {
            let case = case.as_table().unwrap();
            let name = format!("{file}: {}", case["name"].as_str().unwrap());
            assert!(
                case.get("source").and_then(|s| s.as_str()).is_some(),
                "{name}: every case cites its source"
            );
            let expect = table(case.get("expect"))
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap().to_owned()))
                .collect();
            let expect_sources = table(case.get("expect_sources"))
                .into_iter()
                .map(|(k, v)| (k, v.as_integer().unwrap() as usize))
                .collect();
            all.push(Case {
                file: file.clone(),
                name,
                jurisdiction: jurisdiction.clone(),
                zone,
                config: config.clone(),
                incident: serde_json::to_value(&case["incident"]).unwrap(),
                expect,
                expect_kinds: case
                    .get("expect_kinds")
                    .map(|v| strings(Some(v)).into_iter().collect()),
                expect_absent: strings(case.get("expect_absent")),
                expect_sources,
                rules: strings(case.get("rules")),
                crosses_holiday: strings(case.get("crosses_holiday")),
                crosses_dst: strings(case.get("crosses_dst")),
            });
        }
    }
    all
}

fn pack(jurisdiction: &str) -> RulePack {
    RulePack::embedded(jurisdiction)
        .unwrap_or_else(|| panic!("{jurisdiction} is embedded"))
        .unwrap_or_else(|e| panic!("{jurisdiction} parses: {e}"))
}

/// The answer `breachd deadlines` would give, through the library.
fn answer(case: &Case) -> Value {
    let now = instant(AS_OF);
    let settings =
        Settings::from_toml(&case.config).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let incident =
        NewIncident::from_json(&case.incident).unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
    let (record, obligations) =
        cases::draft(&settings.engine, &incident, uuid::Uuid::nil(), "test", now);
    views::incident(
        &record,
        &obligations,
        &[],
        now,
        settings.timezone,
        Ids::Hidden,
    )
}

fn obligations(answer: &Value) -> &Vec<Value> {
    answer["obligations"].as_array().expect("obligations")
}

fn by_kind<'a>(case: &Case, answer: &'a Value, kind: &str, via: &str) -> &'a Value {
    obligations(answer)
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("{via}: {}: no {kind} obligation in {answer:#}", case.name))
}

fn check(case: &Case, answer: &Value, via: &str) {
    for (kind, expected) in &case.expect {
        let obligation = by_kind(case, answer, kind, via);
        let due = obligation["due_at"].as_str();
        match expected.as_str() {
            "asap" => {
                assert_eq!(due, None, "{via}: {}: {kind} has no fixed time", case.name);
                assert_eq!(
                    obligation["due_kind"], "as_soon_as_practicable",
                    "{via}: {}: {kind}",
                    case.name
                );
            }
            "none" => assert_eq!(due, None, "{via}: {}: {kind} not yet due", case.name),
            expected => {
                let due = due.unwrap_or_else(|| {
                    panic!("{via}: {}: {kind} has no due_at: {obligation:#}", case.name)
                });
                assert_eq!(
                    instant(due),
                    instant(expected),
                    "{via}: {}: {kind} (got {due})",
                    case.name
                );
            }
        }
    }
    let kinds: BTreeSet<String> = obligations(answer)
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_owned())
        .collect();
    if let Some(expected) = &case.expect_kinds {
        assert_eq!(&kinds, expected, "{via}: {}: the duties", case.name);
    }
    for kind in &case.expect_absent {
        assert!(
            !kinds.contains(kind),
            "{via}: {}: {kind} should not arise",
            case.name
        );
    }
    for (kind, count) in &case.expect_sources {
        assert_eq!(
            by_kind(case, answer, kind, via)["sources"]
                .as_array()
                .unwrap()
                .len(),
            *count,
            "{via}: {}: {kind} sources",
            case.name
        );
    }
    let sources: BTreeSet<&str> = obligations(answer)
        .iter()
        .flat_map(|o| o["sources"].as_array().unwrap())
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    for rule in &case.rules {
        assert!(
            sources.contains(rule.as_str()),
            "{via}: {}: rule {rule} is not among the sources {sources:?}",
            case.name
        );
    }
}

#[test]
fn every_state_case_through_the_library() {
    for case in cases() {
        check(&case, &answer(&case), "library");
    }
}

/// The "every duty" cases, as the command line answers them.
#[test]
fn every_duty_case_through_breachd_deadlines_json() {
    let dir = tempfile::tempdir().unwrap();
    for (index, case) in cases()
        .iter()
        .filter(|case| case.expect_kinds.is_some())
        .enumerate()
    {
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
        check(case, &answer, "cli");
    }
}

/// Each researched jurisdiction has a file, and in it a case that names
/// exactly the duties a district there owes for an incident meeting every
/// rule's conditions.
#[test]
fn every_researched_jurisdiction_has_its_every_duty_case() {
    let cases = cases();
    for code in RESEARCHED {
        let file = format!("{}.toml", code.to_lowercase());
        assert!(
            cases
                .iter()
                .any(|case| case.file == file && case.jurisdiction == code),
            "no tests/data/state_scenarios/{file}"
        );
        assert!(
            cases
                .iter()
                .any(|case| case.jurisdiction == code && case.expect_kinds.is_some()),
            "{code}: no case with expect_kinds"
        );
    }
}

/// Every rule of a pack that has a scenario file is exercised by some case.
#[test]
fn every_rule_of_a_scenario_pack_has_a_case() {
    let cases = cases();
    let jurisdictions: BTreeSet<&str> = cases.iter().map(|c| c.jurisdiction.as_str()).collect();
    for code in jurisdictions {
        let covered: BTreeSet<&str> = cases
            .iter()
            .filter(|c| c.jurisdiction == code)
            .flat_map(|c| c.rules.iter().map(String::as_str))
            .collect();
        for rule in pack(code).rules {
            assert!(
                covered.contains(rule.id.as_str()),
                "{code}: no case for {}",
                rule.id
            );
        }
    }
}

/// The unit a rule counts in, or (for a fixed-tail delay) its tail's.
fn units(rule: &breachd::rules::pack::Rule) -> Vec<Within> {
    rule.within
        .into_iter()
        .chain(rule.delay.as_ref().and_then(|delay| delay.tail))
        .collect()
}

/// Every business-day rule has a case across a legal holiday, and every
/// elapsed-hours rule one across a daylight-saving change, in the zone the
/// scenario file gives for the state's districts; and each such case's
/// window really does hold a holiday (a weekday the pack's calendar skips)
/// or an offset change.
#[test]
fn business_days_cross_a_holiday_and_hours_cross_a_dst_change() {
    let cases = cases();
    let jurisdictions: BTreeSet<&str> = cases.iter().map(|c| c.jurisdiction.as_str()).collect();
    for code in jurisdictions {
        let pack = pack(code);
        for rule in &pack.rules {
            let tagged = |field: fn(&Case) -> &Vec<String>| {
                cases.iter().any(|c| {
                    c.jurisdiction == code
                        && c.rules.contains(&rule.id)
                        && field(c).contains(&rule.kind)
                })
            };
            for unit in units(rule) {
                match unit {
                    Within::BusinessDays(_) => assert!(
                        tagged(|c| &c.crosses_holiday),
                        "{}: no case across a holiday",
                        rule.id
                    ),
                    Within::ElapsedHours(_) => assert!(
                        tagged(|c| &c.crosses_dst),
                        "{}: no case across a DST change",
                        rule.id
                    ),
                    _ => {}
                }
            }
        }
    }
    for case in &cases {
        if case.crosses_holiday.is_empty() && case.crosses_dst.is_empty() {
            continue;
        }
        let answer = answer(case);
        let calendar = BusinessCalendar::new(pack(&case.jurisdiction).holidays.clone(), []);
        let window = |kind: &str| {
            let obligation = by_kind(case, &answer, kind, "library");
            let start = obligation["clock_started_at"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {kind} has a clock", case.name));
            let due = obligation["due_at"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {kind} has a due time", case.name));
            (instant(start), instant(due))
        };
        for kind in &case.crosses_holiday {
            let (start, due) = window(kind);
            let first = case.zone.from_utc_datetime(&start.naive_utc()).date_naive();
            let last = case.zone.from_utc_datetime(&due.naive_utc()).date_naive();
            let holiday = first
                .iter_days()
                .skip(1)
                .take_while(|day| *day <= last)
                .find_map(|day| calendar.holiday_on(day));
            assert!(
                holiday.is_some(),
                "{}: {kind}: no holiday in the window",
                case.name
            );
        }
        for kind in &case.crosses_dst {
            let (start, due) = window(kind);
            let offset =
                |at: DateTime<Utc>| case.zone.offset_from_utc_datetime(&at.naive_utc()).fix();
            assert_ne!(
                offset(start),
                offset(due),
                "{}: {kind}: no DST change",
                case.name
            );
        }
    }
}

/// Each pack that counts business days computes the 2026 legal holidays its
/// scenario file lists, worked by hand from the holiday statute (weekdays
/// and weekend observance checked with python).
#[test]
fn every_business_day_pack_computes_its_hand_worked_2026_holidays() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/state_scenarios");
    for entry in std::fs::read_dir(dir).expect("the state scenario folder") {
        let path = entry.expect("a readable entry").path();
        let text = std::fs::read_to_string(&path).expect("a readable scenario file");
        let document: toml::Table = toml::from_str(&text).expect("TOML");
        let code = document["jurisdiction"].as_str().unwrap();
        let pack = pack(code);
        let counts_business_days = pack.rules.iter().any(|rule| {
            units(rule)
                .iter()
                .any(|unit| matches!(unit, Within::BusinessDays(_)))
        });
        let Some(listed) = document.get("holidays_2026") else {
            assert!(
                !counts_business_days,
                "{code} counts business days: list its 2026 holidays in {}",
                path.display()
            );
            continue;
        };
        let expected: Vec<String> = strings(Some(listed));
        let computed: Vec<String> = BusinessCalendar::new(pack.holidays.clone(), [])
            .holidays_in(2026)
            .into_iter()
            .map(|(date, _)| date.to_string())
            .collect();
        assert_eq!(computed, expected, "{code}: the 2026 holidays");
    }
}

/// docs/rules-coverage.md has one row per state and DC, by code, in order,
/// and names a pack exactly where config/rules/ ships one; the federal packs
/// (US-FERPA) have rows of their own; and every shipped pack has a row.
#[test]
fn the_coverage_table_lists_all_51_jurisdictions_and_the_shipped_packs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/docs/rules-coverage.md"))
        .expect("docs/rules-coverage.md");
    assert!(
        text.contains("| Jurisdiction | Pack | Duties shipped | Verification | Notes |"),
        "the table's columns"
    );
    let all_rows: Vec<Vec<&str>> = text
        .lines()
        .filter(|line| line.starts_with("| US-"))
        .map(|line| line.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    // A state's code is US-XX; a federal pack's is longer (US-FERPA).
    let (rows, federal): (Vec<_>, Vec<_>) = all_rows.iter().partition(|row| row[0].len() == 5);
    for row in &federal {
        let file = format!("{}.toml", row[0].to_lowercase());
        assert_eq!(row[1], file, "{}: names its pack", row[0]);
        let pack = RulePack::embedded(row[0])
            .unwrap_or_else(|| panic!("{}: no such embedded pack", row[0]))
            .expect("the embedded packs parse");
        assert!(
            pack.federal,
            "{}: a federal row names a federal pack",
            row[0]
        );
    }
    let listed: BTreeSet<String> = all_rows
        .iter()
        .filter(|row| row[1] != "—")
        .map(|row| row[1].to_owned())
        .collect();
    for entry in std::fs::read_dir(format!("{root}/config/rules")).expect("config/rules") {
        let name = entry
            .expect("a directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".toml") {
            assert!(
                listed.contains(&name),
                "{name} has no row in docs/rules-coverage.md"
            );
        }
    }
    let codes: Vec<&str> = rows.iter().map(|row| row[0]).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes.len(), 51, "50 states and DC: {codes:?}");
    assert_eq!(codes, sorted, "one row per code, sorted by code");
    for row in &rows {
        let file = format!("{}.toml", row[0].to_lowercase());
        let shipped = std::path::Path::new(&format!("{root}/config/rules/{file}")).exists();
        if shipped {
            assert_eq!(row[1], file, "{}: names its pack", row[0]);
        } else {
            assert_eq!(row[1], "—", "{}: no pack ships", row[0]);
        }
    }
}
