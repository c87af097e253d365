//! A stalling SMTP server during the family-notice fan-out, against the
//! real binary: a connection whose server does not answer a message's
//! closing dot within `email.stall_after` is parked while its sender and the
//! others keep sending; a message the server accepts late is recorded sent
//! (and not sent again), one it never answers is deferred after
//! `email.data_timeout` and retried, and nobody is lost or sent twice; and
//! SIGTERM with stalls outstanding (parked, or in flight with parking off)
//! stops the daemon within seconds, the stalled messages staying planned and
//! going out after the restart.

mod common;

use common::daemon::Daemon;
use common::fan_out::FanOut;
use common::smtp::SmtpServer;
use common::TestConfig;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 4;
const TOKEN: &str = "stall-test-admin";
const LIVE_WITHIN: Duration = Duration::from_secs(30);

/// `email` holds extra `[email]` lines.
fn config(smtp: &SmtpServer, data_timeout: &str, email: &str) -> TestConfig {
    TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(CONNECTIONS)
        .no_escalation()
        .admin_only(TOKEN)
        .layer(&format!(
            "[email]\ndata_timeout = \"{data_timeout}\"\n{email}\n[scheduler]\nlease = \"2s\"\n"
        ))
}

/// The lines of `path` once there are at least `count`, within `within`.
async fn wait_lines(path: &std::path::Path, count: usize, within: Duration) -> Vec<String> {
    let deadline = Instant::now() + within;
    loop {
        let lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {count} lines in {} within {within:?}",
            lines.len(),
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_parked_connection_records_a_late_acceptance_as_sent_while_the_others_keep_sending() {
    const GUARDIANS: usize = 120;
    const STALL_MS: u64 = 20_000;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stalls = dir.path().join("stalls.txt");
    // Every 12th message is answered (and accepted) only after 20 s.
    let smtp = SmtpServer::start_with(&[
        "--pipelining",
        "--stall-every",
        "12",
        "--stall-ms",
        &STALL_MS.to_string(),
        "--stall-log",
        stalls.to_str().expect("a UTF-8 path"),
    ]);
    let daemon = Daemon::start(dir.path(), "breachd", config(&smtp, "60s", ""));
    daemon.wait_live(LIVE_WITHIN).await;
    let fan_out = FanOut::new(TOKEN, GUARDIANS);
    let started = Instant::now();
    let id = fan_out.start(&daemon, &daemon).await;

    // Everyone not stalled is served while the stalls are outstanding:
    // waiting each one out would take 10 × 20 s / 4 connections = 50 s, and
    // the first stall is answered only 20 s after it began.
    let stalled = wait_lines(&stalls, GUARDIANS / 12, Duration::from_secs(30)).await;
    let unstalled = GUARDIANS - stalled.len();
    smtp.wait_for("every message that was not stalled", |messages| {
        messages.len() >= unstalled
    })
    .await;
    let first_pass = started.elapsed();
    assert!(
        first_pass < Duration::from_millis(STALL_MS),
        "the unstalled messages took {first_pass:?}: the stalls held their senders"
    );
    // The late answers are recorded as sent, and nothing is sent again.
    let sent = fan_out
        .sent_count(&daemon, &id, Duration::from_secs(90))
        .await;
    assert_eq!(sent, GUARDIANS as u64, "every delivery recorded as sent");
    let per_address = common::fan_out::per_address(&smtp);
    assert_eq!(per_address.len(), GUARDIANS, "every guardian got it");
    assert!(
        per_address.values().all(|&n| n == 1),
        "nobody got it twice: {per_address:?}"
    );
}

#[tokio::test]
async fn a_stalled_connection_is_parked_while_the_others_keep_sending_and_nobody_is_lost() {
    const GUARDIANS: usize = 120;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stalls = dir.path().join("stalls.txt");
    // Every 12th message stalls once (about 8%), never answered.
    let smtp = SmtpServer::start_with(&[
        "--pipelining",
        "--stall-every",
        "12",
        "--stall-log",
        stalls.to_str().expect("a UTF-8 path"),
    ]);
    let daemon = Daemon::start(dir.path(), "breachd", config(&smtp, "1s", ""));
    daemon.wait_live(LIVE_WITHIN).await;
    let fan_out = FanOut::new(TOKEN, GUARDIANS);
    let started = Instant::now();
    fan_out.start(&daemon, &daemon).await;

    // Everyone who was not stalled is served without waiting out the
    // stalls one after another: 10 stalls of 1 s over 4 connections would
    // take 2.5 s even in turn; a stall that held its sender up for good
    // (or for the 30 s whole-message timeout) would never get here.
    let stalled = wait_lines(&stalls, GUARDIANS / 12, Duration::from_secs(30)).await;
    let expected = GUARDIANS - stalled.len();
    smtp.wait_for("every message that was not stalled", |messages| {
        messages.len() >= expected
    })
    .await;
    let first_pass = started.elapsed();
    assert!(
        first_pass < Duration::from_secs(20),
        "the unstalled messages took {first_pass:?}"
    );
    // The stalled ones are retried (after the backoff) and nobody is lost
    // or sent twice: a stalled message was never accepted.
    let per_address = fan_out
        .wait_all_delivered(&smtp, Duration::from_secs(120))
        .await;
    assert_eq!(
        per_address.len(),
        GUARDIANS,
        "every guardian got the notice"
    );
    assert!(
        per_address.values().all(|&n| n == 1),
        "nobody got it twice: {per_address:?}"
    );
    for address in &stalled {
        assert_eq!(per_address.get(address), Some(&1), "{address} was retried");
    }
}

#[tokio::test]
async fn sigterm_abandons_parked_connections_at_once_and_their_messages_go_out_after_restart() {
    const GUARDIANS: usize = 40;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stalls = dir.path().join("stalls.txt");
    // The first message on each connection stalls for good; parked after
    // 200 ms, they leave their senders free for the other 36.
    let smtp = SmtpServer::start_with(&[
        "--pipelining",
        "--stall-first",
        &CONNECTIONS.to_string(),
        "--stall-log",
        stalls.to_str().expect("a UTF-8 path"),
    ]);
    let mut daemon = Daemon::start(
        dir.path(),
        "breachd",
        config(&smtp, "60s", "stall_after = \"200ms\""),
    );
    daemon.wait_live(LIVE_WITHIN).await;
    let fan_out = FanOut::new(TOKEN, GUARDIANS);
    let id = fan_out.start(&daemon, &daemon).await;
    let stalled = wait_lines(&stalls, CONNECTIONS, Duration::from_secs(30)).await;
    smtp.wait_for("every message that was not stalled", |messages| {
        messages.len() >= GUARDIANS - CONNECTIONS
    })
    .await;

    // Four connections parked, each waiting out a 60 s limit.
    let stopping = Instant::now();
    let status = daemon.terminate();
    let took = stopping.elapsed();
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM took {took:?} with parked connections; its log:\n{}",
        daemon.logs()
    );

    daemon.restart();
    daemon.wait_live(LIVE_WITHIN).await;
    let per_address = fan_out
        .wait_all_delivered(&smtp, Duration::from_secs(120))
        .await;
    assert_eq!(per_address.len(), GUARDIANS, "every guardian got it");
    assert!(
        per_address.values().all(|&n| n == 1),
        "nobody got it twice: {per_address:?}"
    );
    for address in &stalled {
        assert_eq!(
            per_address.get(address),
            Some(&1),
            "{address} went out after the restart"
        );
    }
    let sent = fan_out
        .sent_count(&daemon, &id, Duration::from_secs(10))
        .await;
    assert_eq!(sent, GUARDIANS as u64, "every delivery recorded as sent");
}

#[tokio::test]
async fn without_parking_sigterm_abandons_stalled_sessions_at_once_and_their_messages_go_out_after_restart(
) {
    const GUARDIANS: usize = 40;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let stalls = dir.path().join("stalls.txt");
    // The first message on each connection stalls; with a 60 s data
    // timeout and parking off, all four senders are stuck when SIGTERM
    // comes.
    let smtp = SmtpServer::start_with(&[
        "--pipelining",
        "--stall-first",
        &CONNECTIONS.to_string(),
        "--stall-log",
        stalls.to_str().expect("a UTF-8 path"),
    ]);
    let mut daemon = Daemon::start(
        dir.path(),
        "breachd",
        config(&smtp, "60s", "max_parked_connections = 0"),
    );
    daemon.wait_live(LIVE_WITHIN).await;
    let fan_out = FanOut::new(TOKEN, GUARDIANS);
    let id = fan_out.start(&daemon, &daemon).await;
    let stalled = wait_lines(&stalls, CONNECTIONS, Duration::from_secs(30)).await;

    let stopping = Instant::now();
    let status = daemon.terminate();
    let took = stopping.elapsed();
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    assert!(
        took < Duration::from_secs(10),
        "SIGTERM took {took:?} with stalled sessions; its log:\n{}",
        daemon.logs()
    );
    assert!(
        smtp.messages().len() < GUARDIANS,
        "the stop came before the end"
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
    assert!(
        per_address.values().all(|&n| n == 1),
        "nobody got it twice: {per_address:?}"
    );
    for address in &stalled {
        assert_eq!(
            per_address.get(address),
            Some(&1),
            "{address} went out after the restart"
        );
    }
    let sent = fan_out
        .sent_count(&daemon, &id, Duration::from_secs(10))
        .await;
    assert_eq!(sent, GUARDIANS as u64, "every delivery recorded as sent");
}
