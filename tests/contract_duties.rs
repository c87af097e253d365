//! A contract's duties as obligations like the others, on the daemon with a
//! real SMTP server on loopback: a contract's duty is on the deadline board,
//! in the obligations API and in the digest, and its reminder names the
//! contract and links its page, on the in-process daemon and on the real
//! binary with the real clock. Recording the notice to amend and the
//! amendment is in `contract_amendments.rs`.

mod common;

use common::contracts::{
    about, assert_reminder_names_the_contract, config, contract, duty, file, vendor, PO, PUBLIC,
    TITLE, TUESDAY,
};
use common::daemon::Daemon;
use common::smtp::SmtpServer;
use common::{pages, spawn_app_with, ADMIN, VIEWER};
use serde_json::{json, Value};

#[tokio::test]
async fn a_contract_duty_is_on_the_board_in_the_api_and_its_reminder_links_the_contract_page() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(TUESDAY, &config(Some(&smtp))).await;
    let filed = file(&app, &[7]).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    let amend = duty(&filed, "board_requests_contract_amendment");
    let amend_id = amend["id"].as_str().expect("an id").to_owned();
    assert_eq!(amend["contract_id"], id.as_str(), "{amend}");
    assert!(amend.get("incident_id").is_none(), "{amend}");

    // The obligations API lists it with its contract.
    let (status, list) = app.get("/api/v1/obligations?status=open", VIEWER).await;
    assert_eq!(status, 200, "{list}");
    let row = list["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["id"] == amend_id.as_str())
        .unwrap_or_else(|| panic!("the contract's duty is listed: {list}"));
    assert_eq!(row["contract_id"], id.as_str());
    assert_eq!(row["incident_title"], format!("Contract: {TITLE}"));
    let (status, one) = app
        .get(&format!("/api/v1/obligations/{amend_id}"), VIEWER)
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["due_at"], "2026-09-21T23:59:59-04:00");

    // The deadline board, linking the contract's page.
    let signed = pages::sign_in(&app, VIEWER).await;
    let (status, board) = pages::get_page(&app, &signed, "/").await;
    assert_eq!(status, 200);
    // The link is escaped as every value on the pages is ("/" as "&#x2f;").
    assert!(
        board.contains(&format!("href=\"&#x2f;contracts&#x2f;{id}#obligation-")),
        "{board}"
    );
    assert!(board.contains(&format!("Contract: {TITLE}")), "{board}");
    assert!(
        board.contains("Board gives the contractor notice to amend"),
        "{board}"
    );
    assert!(!board.contains("board_requests_contract_amendment"));

    // Its reminder: the latest step already due (the opening one) goes out.
    let messages = smtp
        .wait_for("the amendment duty's reminder", |m| {
            about(m, &amend_id)
                .iter()
                .any(|r| r.to.contains(&PO.to_owned()))
        })
        .await;
    let reminder = about(&messages, &amend_id)
        .into_iter()
        .find(|r| r.to.contains(&PO.to_owned()))
        .expect("a reminder to the privacy officer");
    assert_reminder_names_the_contract(reminder, &id);
    for pii in ["Jane Roe", "jane.roe@acme.example"] {
        assert!(!reminder.body.contains(pii), "{pii}: {}", reminder.body);
    }

    // Recording the notice stops the reminders: the duty is done.
    let (status, recorded) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 200, "{recorded}");
    let (_, one) = app
        .get(&format!("/api/v1/obligations/{amend_id}"), VIEWER)
        .await;
    assert_eq!(one["status"], "done", "{one}");
    app.stop().await;
}

#[tokio::test]
async fn the_digest_lists_a_contract_duty_with_its_page() {
    let smtp = SmtpServer::start();
    let config = config(Some(&smtp))
        .layer("[digest]\ncron = \"0 0 7 * * *\"\nrecipients = [\"privacy_officer\"]\n");
    let app = spawn_app_with(TUESDAY, &config).await;
    let filed = file(&app, &[7]).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    app.advance_to("2026-09-09T07:00:00-04:00");
    let messages = smtp
        .wait_for("the digest", |m| {
            m.iter()
                .any(|m| m.header("X-Breachd-Kind").as_deref() == Some("digest"))
        })
        .await;
    let digest = messages
        .iter()
        .find(|m| m.header("X-Breachd-Kind").as_deref() == Some("digest"))
        .expect("a digest");
    let body = digest.body.replace("\r\n", "\n");
    assert!(
        body.contains("Board gives the contractor notice to amend"),
        "{body}"
    );
    assert!(
        body.contains(&format!("  For: Contract: {TITLE}\n")),
        "{body}"
    );
    assert!(body.contains(&format!("{PUBLIC}/contracts/{id}")), "{body}");
    assert!(
        !body.contains("board_requests_contract_amendment"),
        "{body}"
    );
    app.stop().await;
}

/// The real binary on the real clock: a contract executed today with a
/// provision missing gets the amendment duty, and its opening reminder goes
/// out at once, naming the contract and linking its page.
#[tokio::test]
async fn the_binary_reminds_of_a_contract_duty_with_a_link_to_the_contract_page() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let daemon = Daemon::start(dir.path(), "breachd", config(Some(&smtp)));
    daemon.wait_ready(std::time::Duration::from_secs(30)).await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client
            .post(daemon.url(path))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
    };
    let response = post("/api/v1/vendors", vendor()).await.expect("sent");
    let (status, vendor) = common::split(response).await;
    assert_eq!(status, 201, "{vendor}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .format("%Y-%m-%d")
        .to_string();
    let vendor_id = vendor["id"].as_str().expect("an id");
    let response = post("/api/v1/contracts", contract(vendor_id, &today, &[7]))
        .await
        .expect("sent");
    let (status, filed) = common::split(response).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().expect("an id").to_owned();
    let amend_id = duty(&filed, "board_requests_contract_amendment")["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let messages = smtp
        .wait_for("the amendment duty's reminder", |m| {
            about(m, &amend_id)
                .iter()
                .any(|r| r.to.contains(&PO.to_owned()))
        })
        .await;
    let reminder = about(&messages, &amend_id)
        .into_iter()
        .find(|r| r.to.contains(&PO.to_owned()))
        .expect("a reminder to the privacy officer");
    assert_reminder_names_the_contract(reminder, &id);
}
