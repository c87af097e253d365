//! Bounces read over IMAP from a real Dovecot on loopback: DSNs produced by
//! Postfix and Exim on loopback and an Exchange NDR transcribed from its
//! documented format (tests/data/dsn/README.md) are appended to the bounce
//! mailbox with the VERP address of a message breachd really sent (read
//! from the real SMTP server's MAIL FROM), and the deliveries turn
//! `bounced` with the DSN's status and text. A bounce after the families'
//! duty was complete raises a follow-up instead of reopening it; anything
//! else in the mailbox is marked ignored and never stops the poller. The
//! last test runs the real binary end to end: 550s and later bounces leave
//! the families' duty open on exactly those students until their letters
//! are recorded.

mod common;

use common::daemon::Daemon;
use common::imap::{self, ImapServer};
use common::pages::{get_page, sign_in};
use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const FAMILIES: &str = "board_notifies_families";
const BOUNCE_ADDRESS: &str = "bounces@district.example";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/dsn/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the DSN fixtures are readable")
}

/// The fixture `name` about the message sent to `message`: its VERP token
/// and its recipient put in.
fn dsn_for(name: &str, message: &Received) -> String {
    let token = message
        .mail_from
        .strip_prefix("bounces+")
        .and_then(|rest| rest.strip_suffix("@district.example"))
        .unwrap_or_else(|| panic!("a VERP envelope sender: {}", message.mail_from));
    fixture(name)
        .replace("VERPTOKEN", token)
        .replace("gone@families.example", &message.to[0])
}

fn bounce_layer(imap: &ImapServer) -> String {
    format!(
        "[email]\nbounce_address = \"{BOUNCE_ADDRESS}\"\n\
         [bounces]\nimap_url = \"{}\"\npassword_file = \"{}\"\npoll = \"1s\"\n",
        imap.url(),
        imap.password_file.display()
    )
}

/// Dovecot is needed; without it (outside CI) the test says so and passes.
fn imap_or_skip(test: &str) -> bool {
    if imap::available() {
        return true;
    }
    skip::skipped(
        test,
        "dovecot is not installed (apt-get install dovecot-imapd)",
    );
    false
}

fn family_notices(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("family-notice"))
        .collect()
}

fn roster(rows: &[(&str, &str, &str)]) -> String {
    let mut csv = String::from("student_id,student_name,guardian_name,guardian_email,language\n");
    for (student, guardian, email) in rows {
        csv.push_str(&format!("{student},Kid {student},{guardian},{email},en\n"));
    }
    csv
}

/// Waits until `done` holds of what `read` answers, within 30 s.
async fn eventually<F, Fut>(what: &str, read: F, done: impl Fn(&Value) -> bool) -> Value
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = read().await;
        if done(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "never got {what}: {value}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn bounced_by_address(deliveries: &Value) -> BTreeMap<String, Value> {
    deliveries["deliveries"]
        .as_array()
        .expect("a list of deliveries")
        .iter()
        .filter(|d| d["status"] == "bounced")
        .map(|d| {
            (
                d["address"].as_str().unwrap_or_default().to_owned(),
                d["bounce"].clone(),
            )
        })
        .collect()
}

fn needing_letters(letters: &Value) -> Vec<String> {
    letters["students"]
        .as_array()
        .expect("a list of students")
        .iter()
        .map(|s| s["student_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn dsns_from_postfix_exim_and_exchange_bounce_their_messages_and_raise_follow_ups() {
    if !imap_or_skip("dsns_from_postfix_exim_and_exchange_bounce_their_messages") {
        return;
    }
    let imap = ImapServer::start().await;
    let smtp = SmtpServer::start();
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(4)
        .no_escalation()
        .layer(&bounce_layer(&imap));
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config).await;
    let filed = app
        .file(&json!({
            "title": "Gradebook vendor breach",
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-19T09:00:00-04:00",
            "board_notified_at": "2026-04-20T08:00:00-04:00",
            "data_elements": ["student_name", "grades"]
        }))
        .await;
    let id = filed["id"].as_str().expect("an incident id").to_owned();
    let csv = roster(&[
        ("stu1", "Parent One", "postfix-one@families.example"),
        ("stu2", "Parent Two", "exim-two@families.example"),
        ("stu3", "Parent Three", "exchange-three@families.example"),
        ("stu4", "Parent Four", "kept-four@families.example"),
    ]);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("the roster upload answers");
    assert_eq!(response.status(), 200);
    let (status, approval) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{approval}");
    let messages = smtp
        .wait_for("four family notices", |m| family_notices(m).len() == 4)
        .await;
    let notices = family_notices(&messages);
    let by_address = |address: &str| {
        *notices
            .iter()
            .find(|m| m.to == [address])
            .unwrap_or_else(|| panic!("a notice to {address}"))
    };
    // Every envelope sender is the bounce address with a token of its own;
    // the From people see is the district's.
    let senders: std::collections::BTreeSet<&str> =
        notices.iter().map(|m| m.mail_from.as_str()).collect();
    assert_eq!(senders.len(), 4, "{senders:?}");
    for notice in &notices {
        assert!(
            notice.mail_from.starts_with("bounces+"),
            "{}",
            notice.mail_from
        );
        assert!(notice.mail_from.len() <= "bounces+".len() + 36 + "@district.example".len());
        assert!(notice
            .header("From")
            .unwrap_or_default()
            .contains("dataprivacy@example.org"));
    }
    // Every family reached: the duty is done before any bounce comes back.
    let incident_path = format!("/api/v1/incidents/{id}");
    let done = eventually(
        "the families' duty done",
        || async { app.get(&incident_path, VIEWER).await.1 },
        |incident| obligation(incident, FAMILIES)["status"] == "done",
    )
    .await;
    assert_eq!(
        obligation(&done, FAMILIES)["completed_at"],
        "2026-04-21T12:00:00-04:00"
    );

    imap.append(&dsn_for(
        "postfix.eml",
        by_address("postfix-one@families.example"),
    ))
    .await;
    imap.append(&dsn_for(
        "exim.eml",
        by_address("exim-two@families.example"),
    ))
    .await;
    imap.append(&dsn_for(
        "exchange.eml",
        by_address("exchange-three@families.example"),
    ))
    .await;
    // What is not a bounce of ours is marked ignored, and the loop goes on:
    // a person's mail, a DSN whose token is forged, one that is not a
    // failure, and one over the size cap.
    imap.append("From: parent@families.example\nTo: bounces@district.example\nSubject: Question\n\nWhat happened?\n").await;
    let kept = by_address("kept-four@families.example");
    let forged = dsn_for("postfix.eml", kept);
    let token = kept
        .mail_from
        .strip_prefix("bounces+")
        .and_then(|t| t.strip_suffix("@district.example"))
        .expect("a token");
    let mut flipped = token.to_owned().into_bytes();
    flipped[0] = if flipped[0] == b'a' { b'b' } else { b'a' };
    let forged = forged.replace(token, std::str::from_utf8(&flipped).expect("ASCII"));
    imap.append(&forged).await;
    imap.append(&dsn_for("postfix.eml", kept).replace("Action: failed", "Action: delayed"))
        .await;
    let huge = format!(
        "{}\n{}\n",
        dsn_for("postfix.eml", kept),
        "x".repeat(300 * 1024)
    );
    imap.append(&huge).await;

    let deliveries_path = format!("/api/v1/incidents/{id}/deliveries");
    let deliveries = eventually(
        "three bounced deliveries",
        || async { app.get(&deliveries_path, VIEWER).await.1 },
        |d| d["summary"]["bounced"] == 3,
    )
    .await;
    let bounced = bounced_by_address(&deliveries);
    let status = |address: &str| {
        bounced[address]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(status("postfix-one@families.example"), "5.1.1");
    assert_eq!(status("exim-two@families.example"), "5.0.0");
    assert_eq!(status("exchange-three@families.example"), "5.1.10");
    assert_eq!(
        bounced["postfix-one@families.example"]["diagnostic"],
        "550 5.1.1 <postfix-one@families.example>: Recipient address rejected: User unknown in virtual mailbox table"
    );
    assert_eq!(
        bounced["exchange-three@families.example"]["diagnostic"],
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"
    );
    assert!(
        bounced.values().all(|b| b["after_completion"] == true),
        "{bounced:?}"
    );
    assert_eq!(
        deliveries["summary"]["sent"], 1,
        "the forged and delayed ones changed nothing"
    );

    let flags = imap.wait_all_seen("every message processed").await;
    let marked = |keyword: &str| {
        flags
            .iter()
            .filter(|(_, f)| f.iter().any(|k| k == keyword))
            .count()
    };
    assert_eq!(marked("$BreachdBounce"), 3, "{flags:?}");
    assert_eq!(marked("$BreachdIgnored"), 4, "{flags:?}");

    // The completed duty is not reopened, but the students need letters:
    // on the letters list, the board and in the audit log.
    let (_, incident) = app.get(&incident_path, VIEWER).await;
    assert_eq!(obligation(&incident, FAMILIES)["status"], "done");
    let (_, letters) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    assert_eq!(
        needing_letters(&letters),
        ["stu1", "stu2", "stu3"],
        "{letters}"
    );
    let viewer = sign_in(&app, VIEWER).await;
    let (status, board) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 200);
    assert!(board.contains("Letters owed after a bounce"), "{board}");
    assert!(
        board.contains("Gradebook vendor breach</a>: 3 students need a letter"),
        "{board}"
    );
    assert!(
        !board.contains("families.example"),
        "no address on the board"
    );
    let (_, audit) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    let follow_ups = audit["timeline"]
        .as_array()
        .expect("the timeline")
        .iter()
        .filter(|e| e["action"] == "bounce_follow_up")
        .count();
    assert_eq!(follow_ups, 3, "{}", audit["timeline"]);
    assert_eq!(
        audit["bounces"].as_array().map(Vec::len),
        Some(3),
        "{}",
        audit["bounces"]
    );
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics.contains("breachd_bounces_total{outcome=\"recorded\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("breachd_bounces_total{outcome=\"oversized\"} 1"),
        "{metrics}"
    );

    // The letters recorded, the follow-up is gone.
    let (status, recorded) = app
        .post(
            &format!("/api/v1/incidents/{id}/letters/mailed"),
            ADMIN,
            &json!({"all": true, "at": "2026-04-21T11:30:00-04:00"}),
        )
        .await;
    assert_eq!(status, 200, "{recorded}");
    let (_, board) = get_page(&app, &viewer, "/").await;
    assert!(!board.contains("Letters owed after a bounce"), "{board}");
    app.stop().await;
}

/// The "done when", on the real binary: a fan-out where some
/// guardians are refused with 550 and some later bounce leaves the
/// families' duty open, lists exactly those students as needing a letter,
/// and completes at the letters' date once they are recorded as mailed.
#[tokio::test]
async fn refusals_and_later_bounces_keep_the_families_duty_open_until_their_letters() {
    if !imap_or_skip("refusals_and_later_bounces_keep_the_families_duty_open") {
        return;
    }
    let imap = ImapServer::start().await;
    let smtp = SmtpServer::start();
    let home = tempfile::tempdir().expect("a temporary folder");
    let daemon = Daemon::start(
        home.path(),
        "bounces",
        TestConfig::new()
            .smtp(&smtp.url())
            .no_escalation()
            .layer(&bounce_layer(&imap)),
    );
    daemon.wait_ready(Duration::from_secs(30)).await;
    let client = reqwest::Client::new();
    let now = chrono::Utc::now();
    let post = |path: String, body: Value| {
        let client = client.clone();
        let url = daemon.url(&path);
        async move {
            let response = client
                .post(url)
                .bearer_auth(ADMIN)
                .json(&body)
                .send()
                .await
                .expect("answers");
            split(response).await
        }
    };
    let get = |path: String| {
        let client = client.clone();
        let url = daemon.url(&path);
        async move {
            let response = client
                .get(url)
                .bearer_auth(VIEWER)
                .send()
                .await
                .expect("answers");
            split(response).await.1
        }
    };
    let (status, filed) = post(
        "/api/v1/incidents".into(),
        json!({
            "title": "Transport vendor breach",
            "contractor": "Vendor Inc.",
            "discovered_at": (now - chrono::Duration::days(1)).to_rfc3339(),
            "board_notified_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "data_elements": ["student_name"]
        }),
    )
    .await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().expect("an id").to_owned();
    // s1: refused at once (550). s2, s3: accepted, then bounced (Postfix,
    // Exim). s4: reached. s5: one guardian bounces (Exchange), the other
    // is reached, so s5 is reached.
    let mut csv = roster(&[
        ("s1", "Guardian One", "reject-one@families.example"),
        ("s2", "Guardian Two", "two@families.example"),
        ("s3", "Guardian Three", "three@families.example"),
        ("s4", "Guardian Four", "four@families.example"),
        ("s5", "Guardian Five", "five@families.example"),
    ]);
    csv.push_str("s5,Kid s5,Guardian Six,six@families.example,en\n");
    let response = client
        .post(daemon.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("the roster upload answers");
    assert_eq!(response.status(), 200);
    let (status, approval) =
        post(format!("/api/v1/incidents/{id}/notice/approve"), json!({})).await;
    assert_eq!(status, 202, "{approval}");

    let messages = smtp
        .wait_for("five accepted family notices", |m| {
            family_notices(m).len() == 5
        })
        .await;
    let notices = family_notices(&messages);
    let to = |address: &str| {
        *notices
            .iter()
            .find(|m| m.to == [address])
            .unwrap_or_else(|| panic!("a notice to {address}"))
    };
    imap.append(&dsn_for("postfix.eml", to("two@families.example")))
        .await;
    imap.append(&dsn_for("exim.eml", to("three@families.example")))
        .await;
    imap.append(&dsn_for("exchange.eml", to("five@families.example")))
        .await;

    let deliveries = eventually(
        "three bounces and one refusal",
        || get(format!("/api/v1/incidents/{id}/deliveries")),
        |d| d["summary"]["bounced"] == 3 && d["summary"]["failed"] == 1,
    )
    .await;
    assert_eq!(deliveries["summary"]["sent"], 2, "{deliveries}");
    imap.wait_all_seen("the bounces processed").await;

    let incident = get(format!("/api/v1/incidents/{id}")).await;
    assert_eq!(
        obligation(&incident, FAMILIES)["status"],
        "open",
        "{incident}"
    );
    let letters = get(format!("/api/v1/incidents/{id}/letters")).await;
    assert_eq!(needing_letters(&letters), ["s1", "s2", "s3"], "{letters}");
    assert!(
        letters["students"]
            .as_array()
            .expect("students")
            .iter()
            .all(|s| s["reason"] == "every_message_failed"),
        "{letters}"
    );
    assert_eq!(letters["summary"]["reached"], 2, "{letters}");

    // The letters are dated just after the last message was sent (within
    // the few minutes ahead a clock may be): the duty is done at that time.
    let mailed_at = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .with_timezone(&chrono_tz::America::New_York)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let (status, recorded) = post(
        format!("/api/v1/incidents/{id}/letters/mailed"),
        json!({"all": true, "at": mailed_at}),
    )
    .await;
    assert_eq!(status, 200, "{recorded}");
    let incident = eventually(
        "the families' duty complete",
        || get(format!("/api/v1/incidents/{id}")),
        |i| obligation(i, FAMILIES)["status"] == "done",
    )
    .await;
    assert_eq!(
        obligation(&incident, FAMILIES)["completed_at"],
        mailed_at.as_str(),
        "{incident}"
    );

    let evidence = client
        .get(daemon.url(&format!("/api/v1/incidents/{id}/evidence?format=zip")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("the evidence answers")
        .bytes()
        .await
        .expect("the zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(evidence.to_vec())).expect("a zip");
    let mut csv = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("bounces.csv").expect("bounces.csv"),
        &mut csv,
    )
    .expect("UTF-8");
    assert_eq!(csv.lines().count(), 4, "a header and three bounces: {csv}");
    assert!(csv.contains("two@families.example,5.1.1,"), "{csv}");
    assert!(csv.contains("five@families.example,5.1.10,"), "{csv}");
    assert!(
        !daemon.logs().contains("families.example"),
        "no address in the logs"
    );
}
