//! Operations: readiness, metrics, the audit chain and its verification,
//! the evidence export, and the systemd unit's exposure.

mod common;

use common::daemon::{breachd, free_port};
use common::*;
use serde_json::{json, Value};
use std::process::Command;

fn report() -> Value {
    json!({
        "title": "SIS vendor unauthorized access",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-10T15:00:00-04:00",
        "board_notified_at": "2026-04-16T14:00:00-04:00",
        "data_elements": ["student_name", "ssn"]
    })
}

async fn raw_pool(app: &TestApp) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .unwrap()
}

#[tokio::test]
async fn readiness_flips_to_503_when_the_database_is_not_usable() {
    let app = spawn_app().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    // The schema goes away under the daemon (a restore gone wrong).
    let pool = raw_pool(&app).await;
    sqlx::query("DROP TABLE _sqlx_migrations")
        .execute(&pool)
        .await
        .unwrap();
    let (status, body) = split(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert!(
        body["reason"].as_str().unwrap().contains("migrations"),
        "{body}"
    );
    // Liveness is not readiness: the process is still up.
    assert_eq!(
        app.client
            .get(app.url("/livez"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn readiness_is_503_when_the_smtp_server_does_not_answer() {
    // Nothing listens on a port that was free a moment ago.
    let port = free_port();
    let app = spawn_app_with(
        "2026-04-20T12:00:00-04:00",
        &TestConfig::new().smtp(&format!("smtp://127.0.0.1:{port}")),
    )
    .await;
    let (status, body) = split(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, 503);
    assert!(body["reason"].as_str().unwrap().contains("SMTP"), "{body}");
}

#[tokio::test]
async fn metrics_appear_after_filing_an_incident() {
    let app = spawn_app().await;
    app.file(&report()).await;
    let text = app.get_text("/metrics").await;
    for expected in [
        "breachd_incidents_filed_total",
        "breachd_obligations{status=\"open\"}",
        "breachd_queue_scheduled",
        "breachd_http_requests_total{route=\"/api/v1/incidents\",status=\"201\"}",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("Vendor Inc."), "no incident data in metrics");
}

/// `breachd audit verify` with the configuration the daemon runs with.
fn verify(app: &TestApp) -> std::process::Output {
    let config = app.config.write(&app.dir);
    breachd()
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .output()
        .expect("the breachd binary runs")
}

#[tokio::test]
async fn every_change_is_audited_and_tampering_is_named() {
    let app = spawn_app().await;
    let filed = app.file(&report()).await;
    let id = filed["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/events"),
            REPORTER,
            &json!({"kind": "families_notified", "at": "2026-04-17T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 201);
    let website = obligation(&filed, "board_posts_website_notice")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/obligations/{website}/waive"),
            ADMIN,
            &json!({"reason": "posted by hand"}),
        )
        .await;
    assert_eq!(status, 200);

    let output = verify(&app);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("intact"));

    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200, "{evidence}");
    // The people's actions, in order (the scheduler's own work, such as
    // reminders sent, is audited in between).
    let actions: Vec<&str> = evidence["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|action| !action.ends_with("_done"))
        .collect();
    assert_eq!(
        actions,
        ["incident_filed", "event_recorded", "obligation_waived"]
    );
    assert_eq!(evidence["audit_chain"]["verified"], true);
    assert_eq!(evidence["incident"]["id"], id);
    let (status, _) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), VIEWER)
        .await;
    assert_eq!(status, 403, "evidence is for administrators");
    let zip = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence?format=zip")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let document: Value =
        serde_json::from_reader(archive.by_name("evidence.json").unwrap()).unwrap();
    assert_eq!(document["incident"]["id"], id);

    // Someone edits the second entry in the database (dropping the
    // append-only trigger first, which refuses the edit otherwise).
    let pool = raw_pool(&app).await;
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET details = '{\"event\":\"board_notified\"}' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    let output = verify(&app);
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("entry 2"), "{said}");
    let (_, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(evidence["audit_chain"]["verified"], false);
    assert_eq!(evidence["audit_chain"]["broken"]["entry"], 2);
}

#[test]
fn the_systemd_unit_has_an_exposure_of_2_or_less() {
    let unit = concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/breachd.service");
    let Ok(output) = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", unit])
        .output()
    else {
        common::skip::skipped(
            "the systemd unit's exposure",
            "systemd-analyze is not installed",
        );
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let exposure: f64 = text
        .lines()
        .find_map(|line| {
            line.split("Overall exposure level for breachd.service:")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in:\n{text}"));
    assert!(exposure <= 2.0, "exposure {exposure}");
}

#[tokio::test]
async fn sqlite_commits_survive_a_power_cut_unless_the_operator_opts_out() {
    // synchronous = FULL (2) by default; NORMAL (1) only when asked.
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (durable, expected) in [(true, 2), (false, 1)] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{durable}.db")).display()
        );
        let store = breachd::store::sqlite::SqliteStore::connect_with(&url, durable)
            .await
            .expect("the store opens");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(store.pool())
            .await
            .expect("the pragma reads");
        assert_eq!(synchronous, expected, "durable = {durable}");
    }
}

#[tokio::test]
async fn every_metric_says_what_it_counts_and_the_instance_label_is_ours() {
    let app = spawn_app().await;
    app.file(&report()).await;
    let _ = app.get_text("/notices/").await;
    let _ = app.get_text("/notices/feed.atom").await;
    let metrics = app.get_text("/metrics").await;
    for name in [
        "breachd_incidents_filed_total",
        "breachd_http_requests_total",
        "breachd_http_request_duration_seconds",
        "breachd_obligations",
        "breachd_queue_due",
        "breachd_queue_scheduled",
        "breachd_instance_info",
    ] {
        assert!(
            metrics.contains(&format!("# HELP {name} ")),
            "{name}:\n{metrics}"
        );
        assert!(
            metrics.contains(&format!("# TYPE {name} ")),
            "{name}:\n{metrics}"
        );
    }
    assert!(
        metrics.contains("breachd_instance_info{breachd_instance="),
        "{metrics}"
    );
    assert!(
        !metrics.contains("{instance=") && !metrics.contains(",instance="),
        "{metrics}"
    );
    // The public notices are counted under their prefix, not as unmatched.
    assert!(metrics.contains(r#"route="/notices"#), "{metrics}");
    app.stop().await;
}

#[tokio::test]
async fn the_metrics_pass_promtool_check_metrics() {
    let app = spawn_app().await;
    app.file(&report()).await;
    let _ = app.get_text("/notices/").await;
    let metrics = app.get_text("/metrics").await;
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        common::skip::skipped(
            "promtool check metrics on /metrics",
            "promtool (Debian's prometheus package) is not installed",
        );
        return;
    };
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("promtool's stdin is piped");
        stdin
            .write_all(metrics.as_bytes())
            .expect("promtool reads the metrics");
    }
    let output = child.wait_with_output().expect("promtool runs");
    assert!(
        output.status.success(),
        "promtool check metrics:\n{}{}\n--- the metrics:\n{metrics}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
