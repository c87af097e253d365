//! A crash in the middle of a family-notice fan-out: the real binary is
//! killed with SIGKILL while sending to a real SMTP server, restarted, and
//! finishes. Nobody is lost; duplicates stay within the connections that
//! were in flight; no guardian's address or name reaches the logs.

mod common;

use common::daemon::Daemon;
use common::smtp::SmtpServer;
use common::TestConfig;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const GUARDIANS: usize = 1500;
const CONNECTIONS: usize = 4;
const TOKEN: &str = "crash-test-admin";

/// How long the daemon may take to migrate and listen.
const LIVE_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test]
async fn kill_9_mid_fan_out_loses_nobody_and_repeats_at_most_the_messages_in_flight() {
    // Each DATA takes 10 ms, so the fan-out lasts a few seconds. The server
    // pipelines: the kill lands while senders stream, each holding the dot
    // of a message whose content is already sent.
    let smtp = SmtpServer::start_with(&["--delay-ms", "10", "--pipelining"]);
    let dir = tempfile::tempdir().unwrap();
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(CONNECTIONS)
        .no_escalation()
        .admin_only(TOKEN)
        .layer("[scheduler]\nlease = \"2s\"\n");
    let mut daemon = Daemon::start(dir.path(), "breachd", config);
    daemon.wait_live(LIVE_WITHIN).await;
    let base = daemon.base.clone();
    let client = reqwest::Client::new();

    let now = chrono::Utc::now();
    let incident = json!({
        "title": "Vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": (now - chrono::Duration::days(2)).to_rfc3339(),
        "board_notified_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
        "data_elements": ["grades"]
    });
    let filed: Value = client
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(TOKEN)
        .json(&incident)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = filed["id"].as_str().unwrap().to_owned();
    let mut roster =
        String::from("student_id,student_name,guardian_name,guardian_email,language\n");
    for n in 0..GUARDIANS {
        roster.push_str(&format!(
            "s{n:05},Student{n} Family{n},Guardian{n} Family{n},guardian{n}@families.example,en\n"
        ));
    }
    let response = client
        .post(format!("{base}/api/v1/incidents/{id}/roster"))
        .bearer_auth(TOKEN)
        .body(roster)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client
        .post(format!("{base}/api/v1/incidents/{id}/notice/approve"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);

    // Kill it once a good part of the fan-out has gone out.
    let family =
        |m: &common::smtp::Received| m.header("X-Breachd-Kind").as_deref() == Some("family-notice");
    smtp.wait_for("part of the fan-out", |m| {
        m.iter().filter(|m| family(m)).count() >= GUARDIANS / 4
    })
    .await;
    daemon.kill_9();
    let at_crash = smtp.messages().iter().filter(|m| family(m)).count();
    assert!(
        at_crash < GUARDIANS,
        "the crash came before the end ({at_crash})"
    );

    daemon.restart();
    daemon.wait_live(LIVE_WITHIN).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut per_address: BTreeMap<String, usize> = BTreeMap::new();
    while Instant::now() < deadline {
        per_address.clear();
        for message in smtp.messages().iter().filter(|m| family(m)) {
            *per_address.entry(message.to[0].clone()).or_default() += 1;
        }
        if per_address.len() == GUARDIANS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        per_address.len(),
        GUARDIANS,
        "every guardian got the notice"
    );
    let duplicates: usize = per_address.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= CONNECTIONS,
        "{duplicates} duplicates, more than the {CONNECTIONS} connections in flight"
    );

    let deliveries: Value = client
        .get(format!(
            "{base}/api/v1/incidents/{id}/deliveries?status=sent&limit=1"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut sent = deliveries["summary"]["sent"].as_u64().unwrap_or(0);
    for _ in 0..100 {
        if sent == GUARDIANS as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let again: Value = client
            .get(format!("{base}/api/v1/incidents/{id}/deliveries?limit=1"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        sent = again["summary"]["sent"].as_u64().unwrap_or(0);
    }
    assert_eq!(sent, GUARDIANS as u64, "every delivery recorded as sent");

    daemon.kill_9();
    let logs = daemon.logs();
    assert!(
        logs.contains("fan-out chunk done"),
        "the logs record the work"
    );
    for personal in ["families.example", "Guardian1 ", "Student1 "] {
        assert!(
            !logs.contains(personal),
            "personal data ({personal}) in the logs"
        );
    }
    assert!(!logs.contains(TOKEN), "the API token in the logs");
    assert!(
        logs.lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "every log line is JSON under log.format = json"
    );
}
