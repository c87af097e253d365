//! The board's notice to families end to end: roster import over HTTP, the
//! approval, one message per guardian to a real SMTP server, the delivery
//! records, the website notice, and a crash in the middle of a fan-out.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

fn roster_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/roster/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn expected(name: &str) -> Value {
    serde_json::from_slice(&roster_file(name)).unwrap()
}

async fn upload(app: &TestApp, incident: &str, body: Vec<u8>, content_type: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{incident}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    split(response).await
}

fn incident() -> Value {
    json!({
        "title": "Gradebook vendor breach",
        "description": "An unauthorized party accessed the vendor's gradebook export.",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

/// Email to `smtp` and no reminders: only the notices reach it.
fn smtp_config(smtp: &SmtpServer) -> TestConfig {
    TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(4)
        .no_escalation()
}

fn family_notices(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("family-notice"))
        .collect()
}

#[tokio::test]
async fn the_shared_rosters_import_with_their_expected_counts() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    for (file, answer, content_type) in [
        ("plain-small.csv", "plain-small.expected.json", "text/csv"),
        (
            "oneroster11-small.zip",
            "oneroster11-small.expected.json",
            "application/zip",
        ),
    ] {
        let filed = app.file(&incident()).await;
        let id = filed["id"].as_str().unwrap();
        let (status, counts) = upload(&app, id, roster_file(file), content_type).await;
        assert_eq!(status, 200, "{file}: {counts}");
        let expected = expected(answer);
        for key in [
            "students",
            "recipients",
            "students_without_reachable_guardian",
        ] {
            assert_eq!(counts[key], expected[key], "{file}: {key}");
        }
        let (_, stored) = app
            .get(&format!("/api/v1/incidents/{id}/roster"), VIEWER)
            .await;
        assert_eq!(stored["import"]["recipients"], expected["recipients"]);
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_roster_is_refused_whole() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap();
    let mut garbage = b"PK\x03\x04".to_vec();
    garbage.extend_from_slice(&[0x5a; 300]);
    for (body, content_type) in [
        (garbage, "application/zip"),
        (b"name,email\nA,a@b.example\n".to_vec(), "text/csv"),
    ] {
        let (status, problem) = upload(&app, id, body, content_type).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "body");
    }
    let (_, stored) = app
        .get(&format!("/api/v1/incidents/{id}/roster"), VIEWER)
        .await;
    assert_eq!(stored["import"], Value::Null, "nothing stored");
    let (status, _) = upload(&app, id, roster_file("plain-small.csv"), "text/csv").await;
    assert_eq!(status, 200);
    let (status, _) = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(VIEWER)
        .body("x")
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 403);
}

#[tokio::test]
async fn approval_sends_one_message_per_guardian_and_publishes_the_website_notice() {
    fan_out_end_to_end(SmtpServer::start()).await;
}

/// The same against a server that pipelines: each message's content, dot
/// and the next message's MAIL/RCPT/DATA go in one write, and a refused
/// recipient in the middle of such a group is reset and reported.
#[tokio::test]
async fn a_pipelining_server_gets_the_same_fan_out() {
    fan_out_end_to_end(SmtpServer::start_with(&["--pipelining"])).await;
}

async fn fan_out_end_to_end(smtp: SmtpServer) {
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &smtp_config(&smtp)).await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let mut roster = String::from_utf8(roster_file("plain-small.csv")).unwrap();
    roster.push_str("stu0000099,Kid99 Fam99,Parent99 Fam99,reject-parent99@families.example,en\n");
    let (status, counts) = upload(&app, &id, roster.into_bytes(), "text/csv").await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(counts["recipients"], 52);

    let (status, draft) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!((status, draft["state"].as_str()), (200, Some("draft")));
    let (status, approval) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{approval}");
    assert_eq!(approval["recipients"], 52);

    let messages = smtp
        .wait_for("51 family notices", |m| family_notices(m).len() >= 51)
        .await;
    let notices = family_notices(&messages);
    assert_eq!(notices.len(), 51);
    for message in &notices {
        assert_eq!(message.to.len(), 1, "one recipient per message");
        assert_eq!(
            message.header("X-Breachd-Incident").as_deref(),
            Some(id.as_str())
        );
        assert_eq!(
            message.header("Auto-Submitted").as_deref(),
            Some("auto-generated")
        );
    }
    let mut per_address: BTreeMap<&str, usize> = BTreeMap::new();
    for message in &notices {
        *per_address.entry(message.to[0].as_str()).or_default() += 1;
    }
    assert!(per_address.values().all(|&n| n == 1), "no duplicates");
    // Siblings: one message naming both children.
    let parent1 = notices
        .iter()
        .find(|m| m.to[0] == "parent1@families.example")
        .unwrap();
    assert!(
        parent1.body.contains("Kid0 Fam0") && parent1.body.contains("Kid1 Fam0"),
        "{}",
        parent1.body
    );
    assert!(
        !parent1.body.contains("Kid2"),
        "only this family's children"
    );
    // A Spanish-speaking guardian gets the Spanish notice.
    let parent3 = notices
        .iter()
        .find(|m| m.to[0] == "parent3@families.example")
        .unwrap();
    assert!(parent3.subject.starts_with("Aviso"), "{}", parent3.subject);
    // What leaked, in words, grouped by class, in each guardian's language.
    for expected in [
        "- Directory information: student name",
        "- Student information (not directory information): grades",
    ] {
        assert!(
            parent1.body.contains(expected),
            "{expected}: {}",
            parent1.body
        );
    }
    for expected in [
        "- Información de directorio: nombre del estudiante",
        "- Información del estudiante (que no es de directorio): calificaciones",
    ] {
        assert!(
            parent3.body.contains(expected),
            "{expected}: {}",
            parent3.body
        );
    }
    assert!(!parent3.body.contains("grades"), "{}", parent3.body);
    assert_eq!(parent3.header("MIME-Version").as_deref(), Some("1.0"));

    // Deliveries: every recipient with its outcome; the bad address failed
    // permanently without holding up the rest.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let deliveries = loop {
        let (_, deliveries) = app
            .get(
                &format!("/api/v1/incidents/{id}/deliveries?limit=1000"),
                VIEWER,
            )
            .await;
        if deliveries["summary"]["sent"] == 51 && deliveries["summary"]["failed"] == 1 {
            break deliveries;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the deliveries did not all settle: {}",
            deliveries["summary"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let rows = deliveries["deliveries"].as_array().unwrap();
    let sent = rows
        .iter()
        .find(|r| r["address"] == "parent1@families.example")
        .unwrap();
    assert_eq!(sent["status"], "sent");
    assert_eq!(
        sent["message_id"].as_str(),
        parent1.header("Message-ID").as_deref()
    );
    assert!(sent["last_reply"].as_str().unwrap().starts_with("250"));
    let failed = rows
        .iter()
        .find(|r| r["address"] == "reject-parent99@families.example")
        .unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["last_reply"].as_str().unwrap().contains("550"));
    let (_, failed_only) = app
        .get(
            &format!("/api/v1/incidents/{id}/deliveries?status=failed"),
            VIEWER,
        )
        .await;
    assert_eq!(failed_only["deliveries"].as_array().unwrap().len(), 1);
    // The metrics count recorded outcomes (process-wide: the other fan-out
    // test of this binary may have added its own).
    let metrics = app.get_text("/metrics").await;
    let counted = |outcome: &str| -> f64 {
        metrics
            .lines()
            .filter(|line| {
                line.starts_with("breachd_emails_total{")
                    && line.contains(r#"kind="family-notice""#)
                    && line.contains(&format!(r#"outcome="{outcome}""#))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert!(counted("sent") >= 51.0, "{metrics}");
    assert!(counted("failed") >= 1.0, "{metrics}");

    // The website notice: page, index and a valid Atom feed, no personal data.
    let site = app.dir.join("site");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !site.join("feed.atom").exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let feed = atom_syndication::Feed::read_from(std::io::BufReader::new(
        std::fs::File::open(site.join("feed.atom")).unwrap(),
    ))
    .unwrap();
    assert_eq!(feed.entries().len(), 1);
    assert_eq!(feed.entries()[0].id(), format!("urn:uuid:{id}"));
    // Every file of the site, in its folders too (the agreements list has
    // one of its own).
    let mut folders = vec![site.clone()];
    while let Some(folder) = folders.pop() {
        for file in std::fs::read_dir(&folder).unwrap().flatten() {
            if file.path().is_dir() {
                folders.push(file.path());
                continue;
            }
            let text = std::fs::read_to_string(file.path()).unwrap();
            for personal in ["Kid0", "Parent1", "families.example"] {
                assert!(
                    !text.contains(personal),
                    "{personal} in {}",
                    file.path().display()
                );
            }
        }
    }
    let response = app
        .client
        .get(app.url("/notices/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "served publicly at /notices/");
    let page = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .filter(|file| file.path().is_file())
        .map(|file| std::fs::read_to_string(file.path()).unwrap())
        .find(|text| text.contains("What information was involved"))
        .unwrap_or_default();
    assert!(
        page.contains("Student information (not directory information): grades"),
        "what leaked, in words, on the website: {page}"
    );

    // The website obligation is settled by the publication; the families'
    // stays open while the refused family's student is not reached, and
    // completes once that student's paper letter is recorded.
    let mut read = Value::Null;
    for _ in 0..200 {
        let (_, now) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
        read = now;
        if obligation(&read, "board_posts_website_notice")["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        obligation(&read, "board_posts_website_notice")["status"],
        "done",
        "{read}"
    );
    assert_eq!(
        obligation(&read, "board_notifies_families")["status"],
        "open",
        "{read}"
    );
    let (_, letters) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    assert_eq!(
        letters["students"][0]["student_id"], "stu0000099",
        "{letters}"
    );
    assert_eq!(letters["students"].as_array().map(Vec::len), Some(1));
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/letters/mailed"),
            ADMIN,
            &json!({"students": ["stu0000099"]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, now) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    assert_eq!(
        obligation(&now, "board_notifies_families")["status"],
        "done",
        "{now}"
    );

    // Approving again plans nothing new.
    let (status, again) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, again["already_approved"].as_bool()),
        (200, Some(true))
    );
    let (status, _) = upload(&app, &id, roster_file("plain-small.csv"), "text/csv").await;
    assert_eq!(status, 409, "the roster cannot change after approval");
}

#[tokio::test]
async fn approval_needs_a_roster_and_an_admin() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            REPORTER,
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    let response = app
        .client
        .put(app.url(&format!("/api/v1/incidents/{id}/notice")))
        .bearer_auth(ADMIN)
        .json(&json!({"what_we_are_doing": "We ended the contract."}))
        .send()
        .await
        .unwrap();
    let (status, edited) = split(response).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["what_we_are_doing"], "We ended the contract.");
}

#[tokio::test]
async fn an_empty_roster_cannot_replace_a_good_one_and_nobody_to_email_is_not_approved() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap();
    let header = "student_id,student_name,guardian_name,guardian_email,language\n";
    // Guardians with no address: the students are in, but no one can be emailed.
    let unreachable = format!("{header}s1,Ann Example,Pat Example,,en\n");
    let (status, answer) = upload(&app, id, unreachable.into_bytes(), "text/csv").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["recipients"], 0);
    let approve = format!("/api/v1/incidents/{id}/notice/approve");
    let (status, problem) = app.post(&approve, ADMIN, &json!({})).await;
    assert_eq!(
        status, 422,
        "nobody to email is not a notice sent: {problem}"
    );
    assert!(problem["errors"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("paper letters"));
    // A good roster, then a header-only one: refused, the good one kept.
    let good = format!("{header}s1,Ann Example,Pat Example,pat@example.org,en\n");
    let (status, _) = upload(&app, id, good.into_bytes(), "text/csv").await;
    assert_eq!(status, 200);
    let (status, problem) = upload(&app, id, header.as_bytes().to_vec(), "text/csv").await;
    assert_eq!(status, 422, "{problem}");
    let (_, roster) = app
        .get(&format!("/api/v1/incidents/{id}/roster"), VIEWER)
        .await;
    assert_eq!(roster["import"]["recipients"], 1, "{roster}");
    app.stop().await;
}
