//! A crash in the middle of a family-notice fan-out: the real binary is
//! killed with SIGKILL while sending to a real SMTP server, restarted, and
//! finishes. Nobody is lost; duplicates stay within the connections that
//! were in flight; no guardian's address or name reaches the logs.

mod common;

use common::daemon::Daemon;
use common::fan_out::{is_family, FanOut};
use common::smtp::SmtpServer;
use common::TestConfig;
use serde_json::Value;
use std::time::Duration;

const GUARDIANS: usize = 1500;
const CONNECTIONS: usize = 4;
const TOKEN: &str = "crash-test-admin";

/// How long the daemon may take to migrate and listen.
const LIVE_WITHIN: Duration = Duration::from_secs(30);
/// How long the deliveries listing may lag behind the SMTP server.
const SENT_WITHIN: Duration = Duration::from_secs(10);

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
    let fan_out = FanOut::new(TOKEN, GUARDIANS);
    let id = fan_out.start(&daemon, &daemon).await;

    // Kill it once a good part of the fan-out has gone out.
    smtp.wait_for("part of the fan-out", |m| {
        m.iter().filter(|m| is_family(m)).count() >= GUARDIANS / 4
    })
    .await;
    daemon.kill_9();
    let at_crash = smtp.messages().iter().filter(|m| is_family(m)).count();
    assert!(
        at_crash < GUARDIANS,
        "the crash came before the end ({at_crash})"
    );

    daemon.restart();
    daemon.wait_live(LIVE_WITHIN).await;
    let per_address = fan_out
        .wait_all_delivered(&smtp, Duration::from_secs(120))
        .await;
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

    let sent = fan_out.sent_count(&daemon, &id, SENT_WITHIN).await;
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
