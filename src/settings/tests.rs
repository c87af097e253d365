//! Settings as a whole: the embedded defaults, and problems from several
//! sections reported together.

use super::*;
use crate::duration::parse_std_duration;

#[test]
fn the_embedded_defaults_are_valid() {
    let settings = Settings::from_toml("").unwrap();
    assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
    assert_eq!(settings.timezone, chrono_tz::America::New_York);
    assert_eq!(settings.jurisdiction, "US-CT");
    assert_eq!(settings.email.transport, EmailTransport::File);
    assert!(settings.tokens.is_empty());
}

#[test]
fn every_bad_key_is_named() {
    let errors = Settings::from_toml(
        r#"
        [server]
        listen = "localhost"
        [district]
        timezone = "America/New_Yrok"
        closures = ["2026-13-01"]
        [[district.policy]]
        kind = "board_notifies_familes"
        within = "48 hours"
        clock = "board_notified"
        citation = "Board policy 3520.13"
        [contacts]
        privacy_officer = ["not an address"]
        [email]
        transport = "pigeon"
        [[auth.tokens]]
        name = "x"
        role = "root"
        sha256 = "abc"
        [digest]
        recipients = ["janitor"]
        "#,
    )
    .unwrap_err();
    let keys: Vec<&str> = errors.0.iter().map(|p| p.key.as_str()).collect();
    for expected in [
        "server.listen",
        "district.timezone",
        "district.closures[0]",
        "district.policy[0].kind",
        "district.policy[0].within",
        "contacts.privacy_officer[0]",
        "email.transport",
        "auth.tokens[0].role",
        "auth.tokens[0].sha256",
        "digest.recipients[0]",
    ] {
        assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
    }
}

#[test]
fn overlays_and_contract_clauses_become_sources() {
    let settings = Settings::from_toml(
        r#"
        [[district.policy]]
        kind = "board_notifies_families"
        within = "48h"
        clock = "board_notified"
        citation = "Board policy 3520.13"
        [[district.contract]]
        contractor = "Vendor, Inc."
        kind = "contractor_notifies_board"
        within = "48h"
        clock = "discovered"
        citation = "MSA § 6"
        "#,
    )
    .unwrap();
    let ids: Vec<&str> = settings
        .engine
        .overlays
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "district-policy/board_notifies_families/48h",
            "contract/vendorinc/contractor_notifies_board/48h"
        ]
    );
}

#[test]
fn the_default_escalation_policy_is_the_contract_s() {
    let settings = Settings::from_toml("").unwrap();
    assert_eq!(settings.escalation, Policy::contract_default());
    assert!(settings.digest_schedule.is_some());
}

#[test]
fn escalation_steps_are_checked() {
    let errors = Settings::from_toml(
        r#"
        [escalation]
        steps = [{ at = "soon", notify = ["privacy_officer"] }, { at = "-24h", notify = ["janitor"] }]
        repeat_overdue = "forever"
        [digest]
        cron = "0 0 99 * * *"
        "#,
    )
    .unwrap_err();
    let keys: Vec<&str> = errors.0.iter().map(|p| p.key.as_str()).collect();
    for expected in [
        "escalation.steps[0].at",
        "escalation.steps[1].notify[0]",
        "escalation.repeat_overdue",
        "digest.cron",
    ] {
        assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
    }
}

#[test]
fn durations() {
    assert_eq!(parse_std_duration("30s"), Ok(Duration::from_secs(30)));
    assert_eq!(parse_std_duration("250ms"), Ok(Duration::from_millis(250)));
    assert!(parse_std_duration("0s").is_err());
    assert!(parse_std_duration("soon").is_err());
}

#[test]
fn the_smtp_password_is_never_in_debug_output() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("smtp-password");
    std::fs::write(&file, "hunter2-not-for-logs\n").expect("the secret is written");
    let settings = Settings::from_toml(&format!(
        "[email]\ntransport = \"smtp\"\nurl = \"smtp://relay@127.0.0.1:2525\"\npassword_file = \"{}\"\n",
        file.display()
    ))
    .expect("the configuration is valid");
    let password = settings
        .email
        .password
        .as_ref()
        .expect("the password was read");
    assert_eq!(password.expose(), "hunter2-not-for-logs");
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("<redacted>"));
}

#[test]
fn the_database_is_durable_by_default_and_its_options_are_checked() {
    let settings = Settings::from_toml("").unwrap();
    assert!(settings.database.sqlite_durable);
    assert_eq!(settings.database.max_connections, 16);
    let relaxed =
        Settings::from_toml("[database]\nsqlite_synchronous = \"normal\"\nmax_connections = 32\n")
            .unwrap();
    assert!(!relaxed.database.sqlite_durable);
    assert_eq!(relaxed.database.max_connections, 32);
    let errors =
        Settings::from_toml("[database]\nsqlite_synchronous = \"off\"\nmax_connections = 2\n")
            .unwrap_err();
    let keys: Vec<&str> = errors.0.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"database.sqlite_synchronous"), "{keys:?}");
    assert!(keys.contains(&"database.max_connections"), "{keys:?}");
}

#[test]
fn a_password_inside_the_smtp_url_is_not_in_debug_output_either() {
    let settings = Settings::from_toml(
        "[email]\ntransport = \"smtp\"\nurl = \"smtp://relay:hunter2-in-url@127.0.0.1:2525\"\n",
    )
    .expect("the configuration is valid");
    let printed = format!("{settings:?}");
    assert!(!printed.contains("hunter2-in-url"), "{printed}");
    assert!(printed.contains("relay:"), "the user name stays: {printed}");
}

#[test]
fn stall_after_is_auto_or_shorter_than_the_dot_s_limit_and_parking_is_capped() {
    let settings = Settings::from_toml("").unwrap();
    assert_eq!(settings.email.stall_after, StallAfter::Auto);
    assert_eq!(settings.email.max_parked_connections, 256);
    let fixed = Settings::from_toml(
        "[email]\nstall_after = \"500ms\"\ndata_timeout = \"5s\"\nmax_parked_connections = 0\n",
    )
    .unwrap();
    assert_eq!(
        fixed.email.stall_after,
        StallAfter::After(std::time::Duration::from_millis(500))
    );
    assert_eq!(fixed.email.max_parked_connections, 0);
    let errors = Settings::from_toml(
        "[email]\nstall_after = \"20s\"\ndata_timeout = \"20s\"\nmax_parked_connections = 5000\n",
    )
    .unwrap_err();
    let problems: Vec<String> = errors
        .0
        .iter()
        .map(|p| format!("{}: {}", p.key, p.reason))
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("email.stall_after: must be shorter than email.data_timeout")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("email.max_parked_connections: must be between 0")),
        "{problems:?}"
    );
    let garbled = Settings::from_toml("[email]\nstall_after = \"soon\"\n").unwrap_err();
    assert_eq!(garbled.0[0].key, "email.stall_after", "{garbled:?}");
}
