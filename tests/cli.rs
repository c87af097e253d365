//! The command line as users run it: the real binary.

mod common;

use common::daemon::{breachd, free_port, Daemon};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn serve_on_the_embedded_defaults_answers_livez_and_stops_on_sigterm() {
    // A fresh folder and no configuration at all: only the port is moved off
    // 8080, which another process on this machine may hold. The log goes to
    // a folder of its own, so that the fresh one holds only what breachd
    // makes.
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let port = free_port();
    let cwd = dir.path().to_owned();
    let mut daemon = Daemon::spawn(
        "breachd",
        format!("http://127.0.0.1:{port}"),
        logs.path().join("daemon.log"),
        move || {
            let mut command = breachd();
            command
                .arg("serve")
                .current_dir(&cwd)
                .env("BREACHD__SERVER__LISTEN", format!("127.0.0.1:{port}"))
                .env("BREACHD__LOG__FORMAT", "json");
            command
        },
    );
    let livez = daemon.first_status("/livez", Duration::from_secs(30)).await;
    assert_eq!(livez, 200);
    assert!(
        dir.path().join("data/breachd.db").exists(),
        "SQLite file under ./data/"
    );
    assert!(dir.path().join("data/outbox").is_dir());
    assert!(dir.path().join("data/site").is_dir());

    // SIGTERM drains and exits 0.
    let exit = daemon.terminate();
    assert!(exit.success(), "exit status {exit:?}");
    let log = daemon.logs();
    assert!(log.contains("shutdown requested"), "{log}");
}

#[test]
fn check_config_names_each_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[district]\ntimezone = \"Mars/Olympus\"\njurisdiction = \"US-ZZ\"\n[server]\nlisten = \"nowhere\"\n").unwrap();
    let output = breachd()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [
        "district.timezone",
        "district.jurisdiction",
        "server.listen",
    ] {
        assert!(stderr.contains(key), "{key} not named in {stderr}");
    }
    // An environment override is validated too.
    let output = breachd()
        .arg("check-config")
        .current_dir(dir.path())
        .env("BREACHD__EMAIL__MAX_CONNECTIONS", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("email.max_connections"));
    let output = breachd()
        .arg("check-config")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = breachd()
        .args(["check-config", "--config", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

/// `breachd check-config` on a file holding `text`, with `env` set: its exit
/// code and standard error.
fn check_config_file(text: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("breachd.toml");
    std::fs::write(&config, text).unwrap();
    let output = breachd()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn check_config_refuses_a_misspelt_key_section_or_variable() {
    let (code, stderr) = check_config_file(
        "[district]\ntimezon = \"America/Chicago\"\n[notise]\nauto_send = true\n",
        &[("BREACHD__DISTRCT__NAME", "Springfield Public Schools")],
    );
    assert_eq!(code, Some(1));
    for expected in [
        "unknown key `district.timezon`; did you mean `district.timezone`?",
        "unknown section `notise`; did you mean `notice`?",
        "BREACHD__DISTRCT__NAME: unknown key `distrct.name`; did you mean `district.name`?",
    ] {
        assert!(stderr.contains(expected), "{expected} not in {stderr}");
    }
}

#[test]
fn check_config_refuses_a_fixed_offset_zone() {
    let (code, stderr) = check_config_file("[district]\ntimezone = \"EST\"\n", &[]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("district.timezone") && stderr.contains("use \"America/New_York\""),
        "{stderr}"
    );
    let (code, stderr) = check_config_file("[district]\ntimezone = \"America/Chicago\"\n", &[]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn token_new_prints_a_token_and_its_configuration() {
    let output = breachd()
        .args(["token", "new", "--role", "reporter", "--name", "secops"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .unwrap();
    let config = text.split_once("[[auth.tokens]]").unwrap().1;
    assert!(config.contains("role = \"reporter\""));
    assert!(config.contains(&format!(
        "sha256 = \"{}\"",
        hex::encode(breachd::auth::token_sha256(token))
    )));
    let refused = breachd()
        .args(["token", "new", "--role", "root", "--name", "x"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[test]
fn deadlines_prints_a_table_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("incident.json");
    std::fs::write(&input, json!({"title": "t", "contractor": "V", "discovered_at": "2026-04-10T15:00:00-04:00", "data_elements": ["grades"]}).to_string()).unwrap();
    let output = breachd()
        .current_dir(dir.path())
        .args(["deadlines", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("contractor_notifies_board"), "{table}");
    assert!(table.contains("2026-05-10T23:59:59-04:00"), "{table}");

    std::fs::write(
        &input,
        json!({"title": "t", "discovered_at": "2026-04-10T15:00:00", "data_elements": ["grades"]})
            .to_string(),
    )
    .unwrap();
    let output = breachd()
        .current_dir(dir.path())
        .args(["deadlines", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("discovered_at"));
}

#[tokio::test]
async fn report_and_status_talk_to_the_daemon() {
    let app = spawn_app_at("2026-04-12T12:00:00-04:00").await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("incident.json");
    std::fs::write(&input, json!({"title": "From the CLI", "contractor": "V", "discovered_at": "2026-04-10T15:00:00-04:00", "data_elements": ["grades"]}).to_string()).unwrap();
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        breachd()
            .current_dir(dir.path())
            .args(["report", "--json", "--url", &base, "--input"])
            .arg(&input)
            .env("BREACHD_TOKEN", REPORTER)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let filed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let (status, _) = app
        .get(
            &format!("/api/v1/incidents/{}", filed["id"].as_str().unwrap()),
            VIEWER,
        )
        .await;
    assert_eq!(status, 200);

    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        breachd()
            .args(["status", "--url", &base])
            .env("BREACHD_TOKEN", VIEWER)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = summary.lines().collect();
    assert!(
        lines[0].starts_with("0 overdue, 0 due within 24 hours, "),
        "{summary}"
    );
    // Soonest first, in words, in the district's zone, with the time left:
    // the 30-day contractor notice (Conn. Gen. Stat. § 10-234dd).
    assert_eq!(
        lines[2], "Contractor notifies the board of education",
        "{summary}"
    );
    assert_eq!(lines[3], "  for From the CLI", "{summary}");
    assert!(
        lines[4].starts_with("  due Sun 10 May 2026, 11:59 PM EDT (28 days 11 hours left"),
        "{summary}"
    );
    assert_eq!(
        lines[5],
        format!("  incident id {}", filed["id"].as_str().unwrap()),
        "{summary}"
    );
    assert!(!summary.contains("_notifies_"), "no kind names: {summary}");

    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        breachd()
            .args(["status", "--url", &base])
            .env("BREACHD_TOKEN", "wrong")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("401"));
}

#[tokio::test]
async fn reporting_the_same_file_twice_files_once() {
    let app = spawn_app_at("2026-04-12T12:00:00-04:00").await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("incident.json");
    std::fs::write(&input, json!({"title": "Twice", "contractor": "V", "discovered_at": "2026-04-10T15:00:00-04:00", "data_elements": ["grades"]}).to_string()).unwrap();
    let run = |input: std::path::PathBuf, base: String| {
        tokio::task::spawn_blocking(move || {
            breachd()
                .args(["report", "--url", &base, "--input"])
                .arg(&input)
                .env("BREACHD_TOKEN", REPORTER)
                .output()
                .unwrap()
        })
    };
    let first = run(input.clone(), app.base.clone()).await.unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("filed incident "));
    let second = run(input, app.base.clone()).await.unwrap();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let said = String::from_utf8_lossy(&second.stdout);
    assert!(
        said.starts_with("this report was filed before, as incident "),
        "{said}"
    );
    let (_, listing) = app.get("/api/v1/incidents", VIEWER).await;
    assert_eq!(
        listing["incidents"].as_array().unwrap().len(),
        1,
        "{listing}"
    );
}

#[test]
fn check_config_warns_about_what_is_valid_but_not_meant() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("example.toml");
    std::fs::write(&config, "[district]\nname = \"Example\"\n").unwrap();
    let output = breachd()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(output.status.success(), "a warning is not an error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: publish.base_url is still the shipped example"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: no API token is configured"),
        "{stderr}"
    );

    std::fs::write(
        &config,
        "[server]\npublic_url = \"https://breachd.example.net\"\n[publish]\nbase_url = \"https://schools.example.net/notices\"\n[[auth.tokens]]\nname = \"a\"\nrole = \"admin\"\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
    )
    .unwrap();
    let output = breachd()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("warning"));

    // Sending by itself with the shipped placeholders would never send.
    std::fs::write(&config, "[notice]\nauto_send = true\n").unwrap();
    let output = breachd()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: notice.auto_send is on but notice.what_we_are_doing and notice.what_families_can_do still hold"),
        "{stderr}"
    );
}
