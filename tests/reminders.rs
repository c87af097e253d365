//! Reminders and digests end to end: the real daemon, its scheduler and a
//! real SMTP server on loopback; the daemon's clock is injected so that each
//! test stands at a chosen instant.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const PO: &str = "po@district.example";
const CTO: &str = "cto@district.example";
const SUPER: &str = "super@district.example";
const BOARD: &str = "board@district.example";

fn smtp_config(smtp: &SmtpServer, privacy_officer: &[&str]) -> TestConfig {
    TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(4)
        .layer(&format!(
            r#"
[contacts]
privacy_officer = {po:?}
director_of_technology = ["{CTO}"]
superintendent = ["{SUPER}"]
board = ["{BOARD}"]
[[district.policy]]
kind = "board_notifies_families"
within = "48h"
clock = "board_notified"
citation = "Board policy 3520.13"
"#,
            po = privacy_officer,
        ))
}

/// Board notified Monday 08:00; the 48-hour policy makes the families'
/// notice due Wednesday 08:00.
fn incident() -> Value {
    json!({
        "title": "Gradebook vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["grades"]
    })
}

fn about<'a>(messages: &'a [Received], obligation_id: &str) -> Vec<&'a Received> {
    messages
        .iter()
        // A step's message may list other duties of the same step too.
        .filter(|m| {
            m.header("X-Breachd-Obligation")
                .is_some_and(|ids| ids.split(", ").any(|id| id == obligation_id))
        })
        .collect()
}

fn recipients(messages: &[&Received]) -> BTreeSet<String> {
    messages.iter().flat_map(|m| m.to.clone()).collect()
}

/// Waits until the scheduler has done everything it will do at the app's
/// instant: it went idle after this call (so a restarted one has planned
/// its schedule) and every job due now has a recorded outcome. What was
/// sent by then is all that will be sent, so "nothing more was sent" checks
/// rest on a signal, not on a pause.
async fn settle(app: &TestApp) {
    let seen = app.wake.idle_passes();
    app.wake.wake();
    let store = breachd::store::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .expect("the daemon's database opens");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (due, _) = store
            .queue_depth(breachd::clock::Clock::now(&app.clock))
            .await
            .expect("the queue reads");
        if app.wake.idle_passes() > seen && due == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the scheduler did not settle within 20 s ({due} jobs due)"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn filed_40h_into_a_48h_window_one_reminder_to_the_75_percent_recipients_and_none_after_restart(
) {
    let smtp = SmtpServer::start();
    let config = smtp_config(&smtp, &[PO]);
    let app = spawn_app_with("2026-04-22T00:00:00-04:00", &config).await;
    let filed = app.file(&incident()).await;
    let incident_id = filed["id"].as_str().unwrap().to_owned();
    let families = obligation(&filed, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    smtp.wait_for("the 75% reminder", |m| about(m, &families).len() >= 3)
        .await;
    settle(&app).await;
    let messages = smtp.messages();
    let reminders = about(&messages, &families);
    assert_eq!(
        reminders.len(),
        3,
        "one message per recipient of the 75% step"
    );
    assert_eq!(
        recipients(&reminders),
        [CTO, PO, SUPER].map(String::from).into()
    );
    for message in &reminders {
        assert!(message.subject.starts_with("[late]"), "{}", message.subject);
        assert_eq!(
            message.header("Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
        assert_eq!(
            message.header("X-Breachd-Kind").as_deref(),
            Some("reminder")
        );
        assert_eq!(
            message.header("X-Breachd-Incident").as_deref(),
            Some(incident_id.as_str())
        );
        assert!(message.header("Message-ID").is_some());
        assert!(
            message.body.contains("Board policy 3520.13"),
            "the citation is named"
        );
        // Late, it says so and why; ids are in headers, not in the text.
        assert!(
            message
                .body
                .contains("is sent late, because breachd was not running"),
            "{}",
            message.body
        );
        assert!(
            !message.body.contains(incident_id.as_str()),
            "{}",
            message.body
        );
        assert!(!message.body.contains("Obligation id"), "{}", message.body);
        assert!(
            message.body.contains("\n\nWhat to do:")
                || message.body.contains("\r\n\r\nWhat to do:"),
            "the template's blank line is kept: {}",
            message.body
        );
        assert!(
            message
                .body
                .replace("\r\n", "\n")
                .contains("Due:         Wed 22 Apr 2026, 8:00 AM EDT\n"),
            "the due time in the district's zone, readable: {}",
            message.body
        );
        assert!(
            message.body.replace("\r\n", "\n").contains("within 2 business days, due Wed 22 Apr 2026, 11:59:59 PM EDT\n  - Board policy 3520.13"),
            "one source per line: {}",
            message.body
        );
    }

    let (_, read) = app
        .get(&format!("/api/v1/incidents/{incident_id}"), VIEWER)
        .await;
    let steps: Vec<(String, String)> = obligation(&read, "board_notifies_families")["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["step"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("opened", "skipped"),
        ("50%", "skipped"),
        ("75%", "sent"),
        ("due", "planned"),
        ("overdue-1", "planned"),
    ];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));

    // A restart plans nothing new and sends nothing again.
    let before = smtp.messages().len();
    let dir = app.stop().await;
    let app = spawn_app_in(&dir, at("2026-04-22T00:00:00-04:00"), &config).await;
    settle(&app).await;
    assert_eq!(
        smtp.messages().len(),
        before,
        "nothing is sent twice after a restart"
    );
    drop(app);
}

#[tokio::test]
async fn an_overdue_obligation_gets_one_reminder_reaching_the_board() {
    let smtp = SmtpServer::start();
    // Due Wednesday 08:00; now is Saturday 11:00, three days and three hours late.
    let app = spawn_app_with("2026-04-25T11:00:00-04:00", &smtp_config(&smtp, &[PO])).await;
    let filed = app.file(&incident()).await;
    let families = obligation(&filed, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    smtp.wait_for("the overdue reminder", |m| about(m, &families).len() >= 4)
        .await;
    settle(&app).await;
    let messages = smtp.messages();
    let reminders = about(&messages, &families);
    assert_eq!(reminders.len(), 4, "one round, not one per missed repeat");
    assert_eq!(
        recipients(&reminders),
        [BOARD, CTO, PO, SUPER].map(String::from).into()
    );
    assert!(reminders.iter().all(|m| m.subject.contains("OVERDUE")));

    let (_, read) = app
        .get(
            &format!("/api/v1/incidents/{}", filed["id"].as_str().unwrap()),
            VIEWER,
        )
        .await;
    let reminders = obligation(&read, "board_notifies_families")["reminders"]
        .as_array()
        .unwrap()
        .clone();
    let sent: Vec<&Value> = reminders.iter().filter(|r| r["state"] == "sent").collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["step"], "overdue-3");
    assert_eq!(sent[0]["late"], true);
    let next: Vec<&Value> = reminders
        .iter()
        .filter(|r| r["state"] == "planned")
        .collect();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["planned_at"], "2026-04-26T08:00:00-04:00");
}

#[tokio::test]
async fn the_clock_walks_an_obligation_through_every_step_and_completing_stops_it() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with("2026-04-20T08:00:00-04:00", &smtp_config(&smtp, &[PO])).await;
    let filed = app.file(&incident()).await;
    let families = obligation(&filed, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // (the instant, the step's recipients)
    let steps: [(&str, &[&str]); 5] = [
        ("2026-04-20T08:00:00-04:00", &[PO]),
        ("2026-04-21T08:00:00-04:00", &[PO, CTO]),
        ("2026-04-21T20:00:00-04:00", &[PO, CTO, SUPER]),
        ("2026-04-22T08:00:00-04:00", &[PO, CTO, SUPER, BOARD]),
        ("2026-04-23T08:00:00-04:00", &[PO, CTO, SUPER, BOARD]),
    ];
    let mut expected_total = 0;
    for (instant, reach) in steps {
        app.advance_to(instant);
        expected_total += reach.len();
        let messages = smtp
            .wait_for(instant, |m| about(m, &families).len() >= expected_total)
            .await;
        let newest: Vec<&Received> = about(&messages, &families)
            .into_iter()
            .skip(expected_total - reach.len())
            .collect();
        assert_eq!(
            recipients(&newest),
            reach.iter().map(|s| s.to_string()).collect(),
            "at {instant}"
        );
        assert!(
            newest.iter().all(|m| !m.subject.starts_with("[late]")),
            "on time at {instant}"
        );
    }
    settle(&app).await;
    assert_eq!(
        about(&smtp.messages(), &families).len(),
        expected_total,
        "nothing extra"
    );

    let (status, completed) = app
        .post(
            &format!("/api/v1/obligations/{families}/complete"),
            ADMIN,
            &json!({"at": "2026-04-23T08:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 200, "{completed}");
    app.advance_to("2026-04-30T08:00:00-04:00");
    settle(&app).await;
    assert_eq!(
        about(&smtp.messages(), &families).len(),
        expected_total,
        "completing stops reminders"
    );
    let (_, read) = app
        .get(
            &format!("/api/v1/incidents/{}", filed["id"].as_str().unwrap()),
            VIEWER,
        )
        .await;
    let states: Vec<&str> = obligation(&read, "board_notifies_families")["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["sent", "sent", "sent", "sent", "sent", "cancelled"]
    );
}

#[tokio::test]
async fn a_rejected_recipient_does_not_hold_up_the_others_and_is_reported() {
    let smtp = SmtpServer::start();
    let rejected = "reject-me@district.example";
    let app = spawn_app_with(
        "2026-04-20T08:00:00-04:00",
        &smtp_config(&smtp, &[rejected, PO]),
    )
    .await;
    let filed = app.file(&incident()).await;
    let families = obligation(&filed, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages = smtp
        .wait_for("the reminder and the failure report", |m| {
            !about(m, &families).is_empty()
                && m.iter()
                    .any(|m| m.header("X-Breachd-Kind").as_deref() == Some("delivery-failure"))
        })
        .await;
    let reminders = about(&messages, &families);
    assert_eq!(
        recipients(&reminders),
        [PO.to_owned()].into(),
        "the good address got its reminder"
    );
    let report = messages
        .iter()
        .find(|m| m.header("X-Breachd-Kind").as_deref() == Some("delivery-failure"))
        .unwrap();
    assert_eq!(
        report.to,
        [PO],
        "reported to the privacy officer, never to the failing address"
    );
    assert!(
        report.body.contains(rejected) && report.body.contains("550"),
        "{}",
        report.body
    );
    settle(&app).await;
    let count = smtp.messages().len();
    app.wake.wake();
    settle(&app).await;
    assert_eq!(
        smtp.messages().len(),
        count,
        "the 5xx address is not retried"
    );
}

#[tokio::test]
async fn a_temporary_failure_is_retried() {
    // One reminder reaches the address at 08:00 (the families' and the
    // website notice's "opened" steps, in one message): its first attempt
    // gets 451.
    let smtp = SmtpServer::start_with(&["--defer-times", "1"]);
    let deferred = "defer-me@district.example";
    let app = spawn_app_with(
        "2026-04-20T08:00:00-04:00",
        &smtp_config(&smtp, &[deferred]),
    )
    .await;
    let filed = app.file(&incident()).await;
    let families = obligation(&filed, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    settle(&app).await;
    assert!(
        about(&smtp.messages(), &families).is_empty(),
        "451 at first"
    );
    // The retry comes after a jittered backoff of 15-45 s.
    app.advance_to("2026-04-20T08:01:00-04:00");
    let messages = smtp
        .wait_for("the retried reminder", |m| !about(m, &families).is_empty())
        .await;
    assert_eq!(about(&messages, &families)[0].to, [deferred]);
}

#[tokio::test]
async fn the_digest_lists_open_obligations_once_per_fire_time() {
    let smtp = SmtpServer::start();
    let config = smtp_config(&smtp, &[PO])
        .layer("[digest]\ncron = \"0 0 7 * * *\"\nrecipients = [\"privacy_officer\"]\n");
    let app = spawn_app_with("2026-04-21T06:00:00-04:00", &config).await;
    app.file(&incident()).await;
    settle(&app).await;
    // A restart between planning and firing: the restarted scheduler plans
    // the 07:00 digest again, and its key must make it the same job.
    let dir = app.stop().await;
    let app = spawn_app_in(&dir, at("2026-04-21T06:30:00-04:00"), &config).await;
    settle(&app).await;
    app.advance_to("2026-04-21T07:00:00-04:00");
    let messages = smtp
        .wait_for("the digest", |m| {
            m.iter()
                .any(|m| m.header("X-Breachd-Kind").as_deref() == Some("digest"))
        })
        .await;
    let digests: Vec<&Received> = messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("digest"))
        .collect();
    assert_eq!(digests.len(), 1);
    let digest = digests[0];
    assert_eq!(digest.to, [PO]);
    assert!(
        digest.header("X-Breachd-Incident").is_none(),
        "no incident header on digests"
    );
    let families = digest
        .body
        .find("Board notifies affected students")
        .unwrap();
    let website = digest.body.find("Board posts a notice").unwrap();
    assert!(families < website, "soonest first:\n{}", digest.body);

    // Nothing more at 07:00, and a restart right after it sends no second
    // digest for 07:00 either.
    settle(&app).await;
    let dir = app.stop().await;
    let app = spawn_app_in(&dir, at("2026-04-21T07:00:30-04:00"), &config).await;
    settle(&app).await;
    let digests = smtp
        .messages()
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("digest"))
        .count();
    assert_eq!(digests, 1);
    drop(app);
}

#[tokio::test]
async fn the_file_transport_writes_eml_files() {
    let app = spawn_app_at("2026-04-22T00:00:00-04:00").await;
    app.file(&incident()).await;
    let outbox = app.dir.join("outbox");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let files = loop {
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        if !files.is_empty() || std::time::Instant::now() > deadline {
            break files;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!files.is_empty(), "reminders land in the outbox");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("X-Breachd-Kind: reminder"));
    assert!(text.contains("Auto-Submitted: auto-generated"));
}

#[tokio::test]
async fn a_burst_of_reminders_to_many_recipients_shares_connections_and_records_each_once() {
    // Eight incidents filed at once, their "opened" steps each reaching a
    // dozen privacy officers: a burst of staff email over 4 connections.
    let smtp = SmtpServer::start_with(&["--pipelining"]);
    let officers: Vec<String> = (0..12).map(|i| format!("po{i}@district.example")).collect();
    let officers: Vec<&str> = officers.iter().map(String::as_str).collect();
    let app = spawn_app_with("2026-04-20T08:00:00-04:00", &smtp_config(&smtp, &officers)).await;
    for _ in 0..8 {
        app.file(&incident()).await;
    }
    settle(&app).await;
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .expect("the test database opens");
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT e.message_id, e.status, e.attempts,
                (SELECT COUNT(*) FROM email_attempts a WHERE a.email_id = e.id)
           FROM emails e WHERE e.kind = 'reminder'",
    )
    .fetch_all(&pool)
    .await
    .expect("the planned reminders read");
    pool.close().await;
    assert!(rows.len() >= 8 * 12, "{} reminders planned", rows.len());
    for (message_id, status, attempts, recorded) in &rows {
        assert_eq!(
            (status.as_str(), *attempts, *recorded),
            ("sent", 1, 1),
            "{message_id}: sent once, its one attempt recorded"
        );
    }
    let messages = smtp.messages();
    let received: Vec<String> = messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("reminder"))
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    let unique: BTreeSet<&String> = received.iter().collect();
    assert_eq!(received.len(), unique.len(), "no reminder arrived twice");
    let planned: BTreeSet<&String> = rows.iter().map(|row| &row.0).collect();
    assert_eq!(unique, planned, "every planned reminder arrived");
    let sessions: BTreeSet<&str> = messages.iter().map(|m| m.session.as_str()).collect();
    // Four senders keep their connections (a parked one is replaced).
    assert!(
        sessions.len() * 4 <= messages.len(),
        "{} messages over {} connections: the burst shares its connections",
        messages.len(),
        sessions.len()
    );
    app.stop().await;
}
