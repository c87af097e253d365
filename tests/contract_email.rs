//! The emailed notice of a contract, where the rule in force required it
//! (Connecticut, P.A. 16-189: contracts executed 2016-10-01 to 2018-06-30),
//! on the daemon with a real SMTP server on loopback: a 2017 contract gets
//! the posting duty and, a duty of its own, the email; its roster (the
//! consent campaign's parser, bad rows listed with their line) sends one
//! notice per guardian and completes the email duty at the last send; a
//! permanent failure keeps it open; a
//! 2019 contract has no email duty and its roster is refused, storing
//! nothing.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NOW: &str = "2026-09-08T10:00:00-04:00";
const EMAIL_KIND: &str = "board_emails_contract_notice";

/// Three guardians of two students; line 5 has no address.
const ROSTER: &str = "student_id,student_name,guardian_name,guardian_email,language\n\
S1,Maya Lopez,Ana Lopez,ana.lopez@family.example,es\n\
S1,Maya Lopez,Luis Lopez,luis.lopez@family.example,\n\
S2,Sam Green,Pat Green,pat.green@family.example,\n\
S3,Kim Field,Jo Field,,\n";

async fn register_vendor(app: &TestApp) -> String {
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({"name": "Acme Learning, Inc.", "agreement": {"status": "refused"}}),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    vendor["id"].as_str().expect("an id").to_owned()
}

async fn file(app: &TestApp, vendor_id: &str, executed_at: &str) -> Value {
    let provisions: serde_json::Map<String, Value> =
        (1..=11).map(|n| (n.to_string(), json!(true))).collect();
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &json!({
                "vendor_id": vendor_id,
                "title": "Reading assessment platform",
                "purpose": "Acme Learning hosts the district's reading assessments.",
                "executed_at": executed_at,
                "data_elements": ["student_name", "grades"],
                "provisions": provisions,
            }),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    filed
}

fn duty<'a>(contract: &'a Value, kind: &str) -> Option<&'a Value> {
    contract["obligations"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["kind"] == kind))
}

async fn upload(app: &TestApp, id: &str, roster: &str) -> (u16, Value) {
    let boundary = "----breachdcontractboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"families.csv\"\r\nContent-Type: text/csv\r\n\r\n{roster}\r\n--{boundary}--\r\n"
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/contracts/{id}/roster")))
        .bearer_auth(ADMIN)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("request sent");
    split(response).await
}

fn notices(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("contract-notice"))
        .collect()
}

/// Waits (with a deadline) until the contract's email duty is completed.
async fn emailed(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, contract) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
        assert_eq!(status, 200, "{contract}");
        if duty(&contract, EMAIL_KIND).is_some_and(|d| d["completed_at"].is_string()) {
            return contract;
        }
        assert!(
            Instant::now() < deadline,
            "the email duty was not completed: {contract}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_2017_contract_emails_its_roster_and_a_2019_one_takes_none() {
    contract_email(None).await;
}

/// The same on PostgreSQL, whose schema is its own.
#[tokio::test]
async fn a_2017_contract_emails_its_roster_and_a_2019_one_takes_none_on_postgres() {
    common::postgres::PgTestDb::run("contract_email", |url| async move {
        contract_email(Some(url)).await;
    })
    .await;
}

async fn contract_email(database: Option<String>) {
    let smtp = SmtpServer::start();
    let config = match database.as_deref() {
        Some(url) => TestConfig::new().database_url(url),
        None => TestConfig::new(),
    };
    let app = spawn_app_with(NOW, &config.smtp(&smtp.url())).await;
    let vendor_id = register_vendor(&app).await;

    // 2017: both halves of P.A. 16-189's duty, each its own.
    let old = file(&app, &vendor_id, "2017-03-03").await;
    let id = old["id"].as_str().expect("an id").to_owned();
    assert!(duty(&old, "board_posts_contract_notice").is_some(), "{old}");
    let email = duty(&old, EMAIL_KIND).expect("the email duty");
    assert_eq!(email["due_at"], "2017-03-10T23:59:59-05:00", "{email}");
    assert_eq!(
        email["sources"][0]["rule"],
        "us-ct/board-emails-contract-notice/5bd/2016"
    );
    assert_eq!(email["completed_at"], Value::Null);
    assert_eq!(old["family_emails"], Value::Null);

    let (status, taken) = upload(&app, &id, ROSTER).await;
    assert_eq!(status, 201, "{taken}");
    assert_eq!(taken["import"]["recipients"], 3, "{taken}");
    assert!(
        taken["import"]["rejected"]
            .as_array()
            .expect("rejected rows")
            .iter()
            .any(|r| r["line"] == 5),
        "{taken}"
    );
    let messages = smtp
        .wait_for("three contract notices", |m| notices(m).len() >= 3)
        .await;
    let sent = notices(&messages);
    assert_eq!(sent.len(), 3);
    for address in [
        "ana.lopez@family.example",
        "luis.lopez@family.example",
        "pat.green@family.example",
    ] {
        let message = sent
            .iter()
            .find(|m| m.to.iter().any(|t| t == address))
            .unwrap_or_else(|| panic!("a notice to {address}"));
        assert!(
            message.subject.contains("Acme Learning"),
            "{}",
            message.subject
        );
        assert!(
            message.body.contains("Reading assessment platform"),
            "{}",
            message.body
        );
        assert!(message.body.contains("March 3, 2017"), "{}", message.body);
    }
    let contract = emailed(&app, &id).await;
    assert_eq!(
        contract["family_emails"],
        json!({"guardians": 3, "sent": 3, "failed": 0})
    );
    // A second roster is refused: the notice went out once.
    let (status, problem) = upload(&app, &id, ROSTER).await;
    assert_eq!(status, 409, "{problem}");

    // A guardian whose address is refused for good keeps the duty open.
    let other = file(&app, &vendor_id, "2017-04-03").await;
    let other_id = other["id"].as_str().expect("an id");
    let failing = "student_id,student_name,guardian_name,guardian_email\n\
S1,Maya Lopez,Ana Lopez,ana.lopez@family.example\n\
S2,Sam Green,Pat Green,reject.green@family.example\n";
    let (status, taken) = upload(&app, other_id, failing).await;
    assert_eq!(status, 201, "{taken}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let other = loop {
        let (_, contract) = app
            .get(&format!("/api/v1/contracts/{other_id}"), VIEWER)
            .await;
        if contract["family_emails"]["failed"] == 1 && contract["family_emails"]["sent"] == 1 {
            break contract;
        }
        assert!(Instant::now() < deadline, "no failure counted: {contract}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let email = duty(&other, EMAIL_KIND).expect("the email duty");
    assert_eq!(email["completed_at"], Value::Null, "{email}");

    // 2019: P.A. 18-125 ended the email; no duty, no roster, nothing sent.
    let new = file(&app, &vendor_id, "2019-03-01").await;
    assert!(duty(&new, "board_posts_contract_notice").is_some(), "{new}");
    assert!(duty(&new, EMAIL_KIND).is_none(), "{new}");
    let new_id = new["id"].as_str().expect("an id");
    let (status, problem) = upload(&app, new_id, ROSTER).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("did not require emailing families")),
        "{problem}"
    );
    let (_, after) = app
        .get(&format!("/api/v1/contracts/{new_id}"), VIEWER)
        .await;
    assert_eq!(after["family_emails"], Value::Null, "nothing stored");
    assert_eq!(notices(&smtp.messages()).len(), 4, "nothing more sent");
    app.stop().await;
}
