//! Bad input, tried: property tests (proptest) for the parsers that take
//! text from outside — the duration notations (`rules::Within`,
//! `duration::parse_std_duration`), timestamps (`domain::Timestamp`), the
//! roster reader (`roster::StagedRoster::stage`) and the incident body
//! (`domain::NewIncident::from_json`). None may panic, whatever the input;
//! where a parser accepts something, what it returns must be consistent.
//!
//! Failures are not persisted to `proptest-regressions/` files: a case
//! proptest finds is added below as a named regression test instead, where a
//! reviewer sees it. `PROPTEST_CASES=2000 cargo test --test props` runs a
//! longer search.

use breachd::cases;
use breachd::domain::timestamp::TimestampError;
use breachd::domain::{FieldError, NewIncident, Timestamp};
use breachd::duration::parse_std_duration;
use breachd::roster::{RosterRejected, StagedRoster, MAX_LISTED_REJECTIONS};
use breachd::rules::within::MAX_COUNT;
use breachd::rules::Within;
use breachd::settings::Settings;
use breachd::views::{json as views, Ids};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

/// Cheap, pure parsers: many cases.
fn pure_config() -> Config {
    Config {
        cases: env_cases(512),
        failure_persistence: None,
        ..Config::default()
    }
}

/// The roster reader stages into a SQLite file per case: fewer cases.
fn roster_config() -> Config {
    Config {
        cases: env_cases(64),
        failure_persistence: None,
        ..Config::default()
    }
}

/// `PROPTEST_CASES` overrides the count (for a longer search by hand).
fn env_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// Text a user might type, or anything at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,24}",
        "[ \t\r\n0-9a-zA-Z:._+-]{0,24}",
    ]
}

// ---------------------------------------------------------------- durations

/// A count as typed: digits, sometimes too many for any integer.
fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,4}",
        "[0-9]{5,30}",
        (0u64..=u64::MAX).prop_map(|n| n.to_string()),
        Just("18446744073709551615".to_owned()),
        Just("4294967296".to_owned()),
    ]
}

fn padding() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "\t", " \n", "\u{a0}"])
}

proptest! {
    #![proptest_config(pure_config())]

    #[test]
    fn within_never_panics_and_round_trips(text in any_text()) {
        if let Ok(within) = text.parse::<Within>() {
            prop_assert!((1..=MAX_COUNT).contains(&within.count()));
            prop_assert_eq!(within.to_string().parse::<Within>(), Ok(within));
        }
    }

    #[test]
    fn within_accepts_exactly_count_and_unit(
        before in padding(),
        count in digits(),
        unit in prop::sample::select(vec!["h", "d", "bd", "", "H", "BD", "w", "hours", " h", "db", "bdd", "ms"]),
        after in padding(),
    ) {
        let text = format!("{before}{count}{unit}{after}");
        let expected = match (count.parse::<u32>(), unit) {
            (Ok(n @ 1..=MAX_COUNT), "h") => Some(Within::ElapsedHours(n)),
            (Ok(n @ 1..=MAX_COUNT), "d") => Some(Within::CalendarDays(n)),
            (Ok(n @ 1..=MAX_COUNT), "bd") => Some(Within::BusinessDays(n)),
            _ => None,
        };
        // `str::trim` also strips a no-break space, so padding never matters.
        prop_assert_eq!(text.parse::<Within>().ok(), expected, "{:?}", text);
    }

    #[test]
    fn std_duration_never_panics(text in any_text()) {
        if let Ok(duration) = parse_std_duration(&text) {
            prop_assert!(!duration.is_zero());
        }
    }

    /// Counts too large for the unit are refused, not overflowed.
    #[test]
    fn std_duration_accepts_exactly_count_and_unit(
        before in padding(),
        count in digits(),
        unit in prop::sample::select(vec!["ms", "s", "m", "h", "", "us", "d", "S", "min"]),
        after in padding(),
    ) {
        let text = format!("{before}{count}{unit}{after}");
        let expected = count.parse::<u64>().ok().filter(|n| *n > 0).and_then(|n| {
            match unit {
                "ms" => Some(Duration::from_millis(n)),
                "s" => Some(Duration::from_secs(n)),
                "m" => n.checked_mul(60).map(Duration::from_secs),
                "h" => n.checked_mul(3600).map(Duration::from_secs),
                _ => None,
            }
        });
        prop_assert_eq!(parse_std_duration(&text).ok(), expected, "{:?}", text);
    }
}

/// Found by `std_duration_accepts_exactly_count_and_unit`: the count is
/// multiplied without a check, so a large one overflowed (a panic in debug
/// builds, a wrapped duration in release builds).
#[test]
fn std_duration_refuses_counts_that_overflow() {
    for text in [
        "18446744073709551615h",
        "307445734561825861h",
        "18446744073709551615m",
    ] {
        assert!(parse_std_duration(text).is_err(), "{text:?}");
    }
}

// --------------------------------------------------------------- timestamps

/// Offsets as RFC 3339 writes them, including out-of-range ones.
fn offset_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        (prop::sample::select(vec!['+', '-']), 0u32..=30, 0u32..=70)
            .prop_map(|(sign, h, m)| format!("{sign}{h:02}:{m:02}")),
        "[+-][0-9]{1,4}(:[0-9]{0,3})?",
    ]
}

/// Timestamp-shaped text: numbers in and out of range, odd separators.
fn timestampish() -> impl Strategy<Value = String> {
    let date = (0u32..=10_000, 0u32..=13, 0u32..=32);
    let time = (0u32..=25, 0u32..=61, 0u32..=61);
    let fraction = prop_oneof![Just(String::new()), "\\.[0-9]{0,12}"];
    let separator = prop::sample::select(vec!["T", "t", " ", "", "_"]);
    let offset = prop_oneof![Just(String::new()), offset_text()];
    prop_oneof![
        (date, separator, time, fraction, offset).prop_map(
            |((y, mo, d), sep, (h, mi, s), fraction, offset)| {
                format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{fraction}{offset}")
            }
        ),
        "[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}([Tt ][0-9]{1,3}(:[0-9]{1,3}){0,2})?",
        any_text(),
    ]
}

/// An instant whose year stays within RFC 3339's four digits in every zone.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let first = Utc.with_ymd_and_hms(1, 1, 2, 0, 0, 0).unwrap();
    // Timestamp::parse takes the UTC years 0001 to 9998 (every zone then
    // prints four digits); 9999 is refused as out of range.
    let last = Utc.with_ymd_and_hms(9998, 12, 30, 0, 0, 0).unwrap();
    (first.timestamp()..=last.timestamp(), 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).expect("in range"))
}

/// Offsets chrono can represent (RFC 3339 allows up to ±23:59).
fn fixed_offset() -> impl Strategy<Value = FixedOffset> {
    (-(23 * 3600 + 59 * 60)..=(23 * 3600 + 59 * 60))
        .prop_map(|secs: i32| FixedOffset::east_opt(secs / 60 * 60).expect("within a day"))
}

proptest! {
    #![proptest_config(pure_config())]

    #[test]
    fn timestamp_never_panics(text in timestampish()) {
        let _ = Timestamp::parse(&text);
    }

    /// What is accepted is an instant that prints as RFC 3339 and reads back
    /// as itself, whatever text it came from.
    #[test]
    fn accepted_timestamps_round_trip(text in timestampish()) {
        if let Ok(timestamp) = Timestamp::parse(&text) {
            let printed = timestamp.to_string();
            prop_assert_eq!(Timestamp::parse(&printed), Ok(timestamp), "{:?} printed as {:?}", text, printed);
        }
    }

    /// Every instant, written with any offset, reads back exactly; without
    /// its offset it is refused as a local time, never as garbage.
    #[test]
    fn written_instants_parse_and_local_times_are_named(
        at in instant(),
        offset in fixed_offset(),
        use_z in any::<bool>(),
    ) {
        let local = at.with_timezone(&offset);
        let written = if use_z && offset.local_minus_utc() == 0 {
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        } else {
            local.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        };
        prop_assert_eq!(Timestamp::parse(&written).map(Timestamp::utc), Ok(at), "{}", written);
        let without_offset = local.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string();
        prop_assert_eq!(Timestamp::parse(&without_offset), Err(TimestampError::MissingOffset));
    }
}

// ------------------------------------------------------------ incident JSON

const FIELDS: [&str; 8] = [
    "title",
    "own_systems",
    "description",
    "contractor",
    "discovered_at",
    "board_notified_at",
    "data_elements",
    "affected_students",
];

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter_map("JSON has no NaN or infinity", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1.5)),
    ]
}

fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any_text(),
        timestampish(),
        prop::sample::select(vec!["student_name", "ssn", "grades", "  ", ""])
            .prop_map(str::to_owned),
        "[a-z ]{295,305}",
    ]
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
        1 => any_text(),
    ]
}

/// Any JSON document, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..10)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// The example body of docs/api.md, which is valid.
fn valid_body() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "title": "SIS vendor unauthorized access",
        "description": "free text",
        "contractor": "Vendor Inc.",
        "discovered_at": "2024-12-28T09:00:00-05:00",
        "board_notified_at": "2025-01-07T14:00:00-05:00",
        "data_elements": ["student_name", "home_address", "ssn", "grades"],
        "affected_students": 1200
    }) else {
        unreachable!("a JSON object literal")
    };
    map
}

#[derive(Debug, Clone)]
enum Mutation {
    Remove(&'static str),
    Replace(&'static str, Value),
    Add(String, Value),
    Elements(Vec<Value>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let field = || prop::sample::select(FIELDS.to_vec());
    prop_oneof![
        field().prop_map(Mutation::Remove),
        (field(), json_value()).prop_map(|(f, v)| Mutation::Replace(f, v)),
        (field(), timestampish()).prop_map(|(f, t)| Mutation::Replace(f, Value::String(t))),
        (json_key(), json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
        prop::collection::vec(json_value(), 0..12).prop_map(Mutation::Elements),
        prop::collection::vec(json_string().prop_map(Value::String), 495..510)
            .prop_map(Mutation::Elements),
    ]
}

fn apply(body: &mut Map<String, Value>, mutation: Mutation) {
    match mutation {
        Mutation::Remove(field) => {
            body.remove(field);
        }
        Mutation::Replace(field, value) => {
            body.insert(field.to_owned(), value);
        }
        Mutation::Add(key, value) => {
            body.insert(key, value);
        }
        Mutation::Elements(items) => {
            body.insert("data_elements".to_owned(), Value::Array(items));
        }
    }
}

/// What `from_json` answers must hold together: an accepted incident is
/// well formed; a refusal names at least one field, each a field of the
/// body (or the body itself).
fn check_incident(
    body: &Value,
    parsed: Result<NewIncident, Vec<FieldError>>,
) -> Result<(), TestCaseError> {
    match parsed {
        Ok(incident) => {
            prop_assert!(!incident.title.is_empty() && incident.title == incident.title.trim());
            prop_assert!(incident.title.chars().count() <= 300);
            prop_assert!(!incident.data_elements.is_empty() && incident.data_elements.len() <= 500);
            let mut names = incident.data_elements.clone();
            names.sort();
            names.dedup();
            prop_assert_eq!(
                names.len(),
                incident.data_elements.len(),
                "data elements are unique"
            );
            prop_assert!(!(incident.own_systems && incident.contractor.is_some()));
            if let Some(notified) = incident.board_notified_at {
                prop_assert!(notified >= incident.discovered_at);
            }
        }
        Err(errors) => {
            prop_assert!(!errors.is_empty(), "a refusal names a field");
            let object = body.as_object();
            for error in &errors {
                let known = error.field == "body"
                    || FIELDS.contains(&error.field.as_str())
                    || error.field.starts_with("data_elements[")
                    || object.is_some_and(|o| o.contains_key(&error.field));
                prop_assert!(known, "{:?} is not a field of {}", error.field, body);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(pure_config())]

    #[test]
    fn incident_json_never_panics(body in json_value()) {
        let parsed = NewIncident::from_json(&body);
        check_incident(&body, parsed)?;
    }

    #[test]
    fn mutated_valid_bodies_never_panic(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut body = valid_body();
        for mutation in mutations {
            apply(&mut body, mutation);
        }
        let body = Value::Object(body);
        let parsed = NewIncident::from_json(&body);
        check_incident(&body, parsed)?;
    }

    /// Reasons are shown to users and logged: they never repeat free text
    /// from the body, which may hold personal data.
    #[test]
    fn refusals_never_echo_free_text(
        secret in "[A-Za-z]{12,20}",
        field in prop::sample::select(vec!["title", "description", "contractor", "discovered_at", "board_notified_at"]),
        padding in "[ a-z]{0,400}",
        breakage in mutation(),
    ) {
        let mut body = valid_body();
        body.insert(field.to_owned(), json!(format!("{secret}{padding}")));
        body.insert("data_elements".to_owned(), json!([format!("{secret}{padding}"), ""]));
        apply(&mut body, breakage);
        if let Err(errors) = NewIncident::from_json(&Value::Object(body)) {
            for error in errors {
                prop_assert!(!error.reason.contains(&secret), "{:?}", error);
            }
        }
    }
}

/// The embedded configuration for each shipped jurisdiction, built once.
fn district(jurisdiction: usize) -> &'static Settings {
    static DISTRICTS: OnceLock<Vec<Settings>> = OnceLock::new();
    let all = DISTRICTS.get_or_init(|| {
        [
            ("US-CT", "America/New_York"),
            ("US-NY", "America/New_York"),
            ("US-IL", "America/Chicago"),
        ]
        .iter()
        .map(|(code, zone)| {
            Settings::from_toml(&format!(
                "[district]\njurisdiction = \"{code}\"\ntimezone = \"{zone}\"\n"
            ))
            .expect("the embedded configuration is valid for every shipped jurisdiction")
        })
        .collect()
    });
    &all[jurisdiction % all.len()]
}

/// Any instant RFC 3339 can write, in any offset, including the first and
/// last days of the four-digit calendar.
fn instant_text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (instant(), fixed_offset()).prop_map(|(at, offset)| {
            at.with_timezone(&offset)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        }),
        1 => prop::sample::select(vec![
            "0000-01-01T00:00:00Z",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59-23:59",
            "2026-03-08T02:30:00-05:00",
            "2026-11-01T01:30:00-04:00",
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(Config { cases: env_cases(256), ..pure_config() })]

    /// What `from_json` accepts goes on through the rules engine and the
    /// answer's view (as in `breachd deadlines` and `POST /incidents`),
    /// whatever the dates, in every shipped jurisdiction.
    #[test]
    fn accepted_incidents_evaluate_without_panicking(
        jurisdiction in 0usize..3,
        discovered in instant_text(),
        notified in prop::option::of(instant_text()),
        now in instant_text(),
        who in 0u8..3,
        elements in prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec!["student_name", "ssn", "grades", "home_address", "email", "photo"]).prop_map(str::to_owned),
                "\\PC{1,12}",
            ],
            1..6,
        ),
    ) {
        let mut body = valid_body();
        body.insert("discovered_at".to_owned(), json!(discovered));
        body.insert("board_notified_at".to_owned(), json!(notified));
        body.insert("data_elements".to_owned(), json!(elements));
        match who {
            0 => {}
            1 => {
                body.remove("contractor");
            }
            _ => {
                body.remove("contractor");
                body.insert("own_systems".to_owned(), json!(true));
            }
        }
        let Ok(incident) = NewIncident::from_json(&Value::Object(body)) else {
            // A notification before the discovery: refused, nothing to run.
            return Ok(());
        };
        // Instants beyond the years 0001-9998 are refused (OutOfRange).
        let Ok(now) = Timestamp::parse(&now) else {
            return Ok(());
        };
        let now = now.utc();
        let settings = district(jurisdiction);
        let (record, obligations) =
            cases::draft(&settings.engine, &incident, uuid::Uuid::nil(), "props", now);
        let view = views::incident(&record, &obligations, &[], now, settings.timezone, Ids::Hidden);
        prop_assert!(view["obligations"].is_array());
    }
}

// ------------------------------------------------------------------ rosters

const PLAIN_REQUIRED: [&str; 4] = [
    "student_id",
    "student_name",
    "guardian_name",
    "guardian_email",
];
const PLAIN_OPTIONAL: [&str; 1] = ["language"];
// OneRoster 1.1 keeps the role in users.csv; 1.2 in roles.csv. Generating
// `role` as required exercises both (1.2 ignores the column).
const USERS_REQUIRED: [&str; 6] = [
    "sourcedId",
    "givenName",
    "familyName",
    "email",
    "agentSourcedIds",
    "role",
];
const USERS_OPTIONAL: [&str; 3] = ["enabledUser", "status", "username"];

/// A CSV cell: mostly plausible values (ids that link rows, addresses,
/// roles), sometimes separators, quotes and odd text.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[sg][1-4]",
        2 => "[a-z]{1,6}",
        2 => "[a-z]{1,6}@[a-z]{1,6}\\.(org|com)",
        2 => prop::sample::select(vec![
            "student", "guardian", "parent", "relative", "true", "false", "active",
            "tobedeleted", "s1,g1", "g1,g2", "s1 s2", "not-an-address@", "@x.org",
        ])
        .prop_map(str::to_owned),
        1 => Just(String::new()),
        1 => "\"[a-z,\n\"]{0,8}\"",
        1 => "\\PC{0,10}",
        1 => any::<String>(),
    ]
}

/// A cell of the named column: usually a value of the column's kind (ids
/// from a small set, so that rows link up), sometimes any cell.
fn cell_for(column: &str) -> BoxedStrategy<String> {
    let typical: BoxedStrategy<String> = match column {
        "sourcedId" | "userSourcedId" | "student_id" => "[sg][1-4]".boxed(),
        "agentSourcedIds" => "[sg][1-4](,[sg][1-4]){0,2}".boxed(),
        "role" => prop::sample::select(vec![
            "student", "student", "guardian", "guardian", "parent", "relative", "teacher",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        "email" | "guardian_email" => "[a-z]{1,4}@[a-z]{1,4}\\.org".boxed(),
        "enabledUser" => prop::sample::select(vec!["true", "false", "TRUE", ""])
            .prop_map(str::to_owned)
            .boxed(),
        "status" => prop::sample::select(vec!["active", "tobedeleted", ""])
            .prop_map(str::to_owned)
            .boxed(),
        _ => "[a-z]{1,6}".boxed(),
    };
    prop_oneof![3 => typical, 1 => cell()].boxed()
}

/// A header: usually every required column (shuffled, with some optional
/// and unknown ones), sometimes anything.
fn header(
    required: &'static [&'static str],
    optional: &'static [&'static str],
) -> impl Strategy<Value = Vec<String>> {
    let complete = (
        Just(required.to_vec()),
        prop::sample::subsequence(optional.to_vec(), 0..=optional.len()),
        prop::option::weighted(0.2, "[A-Za-z_]{1,10}"),
    )
        .prop_flat_map(|(required, optional, unknown)| {
            let mut columns: Vec<String> = required
                .into_iter()
                .chain(optional)
                .map(str::to_owned)
                .collect();
            columns.extend(unknown);
            Just(columns).prop_shuffle()
        });
    let anything = prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(required.iter().chain(optional).copied().collect::<Vec<_>>())
                .prop_map(str::to_owned),
            1 => "[A-Za-z_ ]{0,10}",
        ],
        0..8,
    );
    prop_oneof![4 => complete, 1 => anything]
}

/// A cell as a CSV writer writes it: quoted when it holds the separator,
/// a quote or a line break.
fn quoted(cell: &str, separator: &str) -> String {
    if cell.contains(separator) || cell.contains(['"', '\r', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// CSV-ish text: a header, rows mostly as wide as it (sometimes not), any
/// line ending, usually quoted as a CSV writer would (sometimes carelessly
/// not), sometimes a byte-order mark or a byte that is not UTF-8.
fn csvish(
    required: &'static [&'static str],
    optional: &'static [&'static str],
) -> impl Strategy<Value = Vec<u8>> {
    header(required, optional)
        .prop_flat_map(|header| {
            let typed: Vec<BoxedStrategy<String>> =
                header.iter().map(|column| cell_for(column)).collect();
            let row = prop_oneof![
                6 => typed,
                1 => prop::collection::vec(cell(), 0..9),
            ];
            (
                Just(header),
                prop::collection::vec(row, 0..12),
                any::<bool>(),
                prop_oneof![8 => Just(","), 1 => Just(";"), 1 => Just("\t")],
                prop::sample::select(vec!["\n", "\r\n", "\r"]),
                prop::option::weighted(0.1, (any::<prop::sample::Index>(), any::<u8>())),
                prop::bool::weighted(0.15),
            )
        })
        .prop_map(
            |(header, rows, bom, separator, newline, corrupt, careless)| {
                let write = |cells: &[String]| {
                    let cells: Vec<String> = if careless {
                        cells.to_vec()
                    } else {
                        cells.iter().map(|cell| quoted(cell, separator)).collect()
                    };
                    cells.join(separator)
                };
                let mut text = String::new();
                if bom {
                    text.push('\u{feff}');
                }
                text.push_str(&write(&header));
                for row in rows {
                    text.push_str(newline);
                    text.push_str(&write(&row));
                }
                let mut bytes = text.into_bytes();
                // Sometimes one byte is wrong: a file saved in another encoding.
                if let (Some((at, byte)), false) = (corrupt, bytes.is_empty()) {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
                bytes
            },
        )
}

/// A OneRoster bundle with arbitrary manifest and users, sometimes cut short.
fn bundle() -> impl Strategy<Value = Vec<u8>> {
    let version = prop_oneof![
        8 => prop::sample::select(vec!["1.1", "1.2"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["1.0", "2", "", " 1.1 "]).prop_map(str::to_owned),
        1 => "\\PC{0,6}",
    ];
    (
        version,
        csvish(&USERS_REQUIRED, &USERS_OPTIONAL),
        prop::option::weighted(
            0.6,
            csvish(
                &["userSourcedId", "role"],
                &["status", "roleType", "sourcedId"],
            ),
        ),
        prop::option::weighted(0.15, any::<prop::sample::Index>()),
        any::<bool>(),
    )
        .prop_map(|(version, users, roles, cut, nested)| {
            let prefix = if nested { "export/" } else { "" };
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default();
            let mut add = |name: &str, bytes: &[u8]| {
                zip.start_file(format!("{prefix}{name}"), options)
                    .expect("writing a zip in memory");
                zip.write_all(bytes).expect("writing a zip in memory");
            };
            let manifest =
                format!("propertyName,value\noneroster.version,{version}\nfile.users,bulk\n");
            add("manifest.csv", manifest.as_bytes());
            add("users.csv", &users);
            if let Some(roles) = &roles {
                add("roles.csv", roles);
            }
            let mut bytes = zip.finish().expect("writing a zip in memory").into_inner();
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()).max(4));
            }
            bytes
        })
}

/// Any bytes at all, sometimes starting like a zip archive.
fn raw_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::option::of(prop::sample::select(vec![
            &b"PK\x03\x04"[..],
            &b"PK\x05\x06"[..],
            &b"PK\x07\x08"[..],
            &b"\xef\xbb\xbf"[..],
        ])),
        prop::collection::vec(any::<u8>(), 0..2048),
    )
        .prop_map(|(magic, rest)| {
            let mut bytes = magic.map(<[u8]>::to_vec).unwrap_or_default();
            bytes.extend(rest);
            bytes
        })
}

/// Stages `bytes` as an upload and checks the answer: a refusal is the
/// upload's fault (never an internal error, which is how a panic in the
/// parser thread surfaces); a staged roster's counts match what it pages out.
fn stage(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("upload.csv");
    std::fs::write(&path, bytes).expect("writing the upload");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        match StagedRoster::stage(&path).await {
            Err(RosterRejected::Internal(error)) => {
                prop_assert!(false, "internal error on a bad upload: {:#}", error);
            }
            Err(rejected) => {
                let message = rejected.to_string();
                prop_assert!(!message.is_empty());
            }
            Ok(staged) => {
                let report = staged.report.clone();
                prop_assert!(report.students_without_reachable_guardian <= report.students);
                prop_assert_eq!(
                    report.rejected.len() as u64,
                    report.rejected_rows.min(MAX_LISTED_REJECTIONS)
                );
                for row in &report.rejected {
                    prop_assert!(row.line >= 2, "the header is line 1: {:?}", row);
                }
                let mut recipients = 0;
                let mut after: Option<String> = None;
                loop {
                    let page = staged
                        .recipients(after.as_deref(), 100)
                        .await
                        .expect("reading staged recipients");
                    let Some(last) = page.last() else { break };
                    after = Some(last.email.clone());
                    for recipient in &page {
                        prop_assert!(!recipient.children.is_empty());
                        prop_assert!(
                            recipient.children.len() as u64 <= report.max_children_per_recipient
                        );
                    }
                    recipients += page.len() as u64;
                }
                prop_assert_eq!(recipients, report.recipients);
                let mut unreachable = 0;
                let mut after: Option<String> = None;
                loop {
                    let page = staged
                        .unreachable_students(after.as_deref(), 100)
                        .await
                        .expect("reading staged students");
                    let Some(last) = page.last() else { break };
                    after = Some(last.student_id.clone());
                    unreachable += page.len() as u64;
                }
                prop_assert_eq!(unreachable, report.students_without_reachable_guardian);
                staged.close().await;
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(roster_config())]

    #[test]
    fn roster_of_arbitrary_bytes_never_panics(bytes in raw_bytes()) {
        stage(&bytes)?;
    }

    #[test]
    fn roster_of_csvish_text_never_panics(bytes in csvish(&PLAIN_REQUIRED, &PLAIN_OPTIONAL)) {
        stage(&bytes)?;
    }

    #[test]
    fn roster_bundles_never_panic(bytes in bundle()) {
        stage(&bytes)?;
    }
}

/// A sanity check that the generators reach the accepting paths too: a
/// well-formed plain CSV stages with the expected counts.
#[test]
fn a_plain_roster_stages() {
    let csv = "student_id,student_name,guardian_name,guardian_email,language\n\
               s1,Ann,Bea,bea@example.org,en\n\
               s2,Cal,,,\n";
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("roster.csv");
    std::fs::write(&path, csv).expect("writing the upload");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = runtime.block_on(async {
        let staged = StagedRoster::stage(&path).await.expect("a valid roster");
        let report = staged.report.clone();
        staged.close().await;
        report
    });
    assert_eq!(report.students, 2);
    assert_eq!(report.recipients, 1);
    assert_eq!(report.students_without_reachable_guardian, 1);
    assert_eq!(report.rejected_rows, 1);
}

/// Inputs at the edges of the calendar that stay within it.
#[test]
fn timestamps_at_the_edges_of_the_calendar() {
    // Instants inside the years breachd accepts (0001 to 9998, so that no
    // offset can carry one out of four digits), and a leap day: accepted,
    // and printed back as they were read.
    for text in [
        "0001-01-01T12:00:00Z",
        "0001-01-02T12:00:00+11:59",
        "9998-12-31T23:59:59Z",
        "9998-12-30T12:00:00-11:59",
        "2024-02-29T12:00:00+23:59",
    ] {
        let timestamp = Timestamp::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            Timestamp::parse(&timestamp.to_string()),
            Ok(timestamp),
            "{text}"
        );
    }
    // Outside those years, and a day that does not exist.
    for text in [
        "0000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2023-02-29T12:00:00Z",
    ] {
        assert!(Timestamp::parse(text).is_err(), "{text}");
    }
    // A leap second and an over-long fraction: either refused, or read and
    // printed back the same.
    for text in ["2024-12-31T23:59:60Z", "2024-01-01T00:00:00.123456789123Z"] {
        if let Ok(timestamp) = Timestamp::parse(text) {
            assert_eq!(
                Timestamp::parse(&timestamp.to_string()),
                Ok(timestamp),
                "{text}"
            );
        }
    }
}

/// Found by `accepted_timestamps_round_trip`: an offset can carry a
/// four-digit year out of RFC 3339's range in UTC (year 10000, or year -1),
/// which the parser accepted, and which breachd then printed as
/// `+10000-01-01T23:58:59Z` or `-0001-12-30T19:04:58-04:56`: not RFC 3339,
/// and refused when read back.
#[test]
fn timestamps_beyond_four_digit_years_are_refused() {
    for text in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59"] {
        assert!(Timestamp::parse(text).is_err(), "{text:?}");
    }
}
