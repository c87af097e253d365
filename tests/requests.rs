//! Families' privacy requests end to end on the in-process daemon with a
//! real SMTP server on loopback: the public form (receipt, duty, reminders,
//! answer), its limit per address and its honeypot, the federal FERPA duty
//! every district gets, and who may do what through the API.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};

const PO: &str = "po@district.example";
const CTO: &str = "cto@district.example";
const FAMILY: &str = "jane.parent@family.example";
const NAME: &str = "Jane Parent";

/// Monday 2 March 2026, 09:00 in New York.
const MONDAY: &str = "2026-03-02T09:00:00-05:00";

fn config(smtp: &SmtpServer, extra: &str) -> TestConfig {
    TestConfig::new().smtp(&smtp.url()).layer(&format!(
        r#"
{extra}
[server]
public_url = "https://breachd.district.example"
[contacts]
privacy_officer = ["{PO}"]
director_of_technology = ["{CTO}"]
superintendent = ["super@district.example"]
board = ["board@district.example"]
[[district.policy]]
kind = "district_responds_to_dispute"
within = "21d"
clock = "received"
citation = "Natick Public Schools Student Data Privacy Policy § VII"
"#
    ))
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn submit_form(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    no_redirects()
        .post(app.url("/privacy/request"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form fields encode"))
        .send()
        .await
        .expect("the form is sent")
}

fn dispute_form() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "dispute"),
        ("name", NAME),
        ("email", FAMILY),
        (
            "summary",
            "My son's attendance record for February is wrong; please correct it.",
        ),
        ("website", ""),
    ]
}

fn to<'a>(messages: &'a [Received], address: &str) -> Vec<&'a Received> {
    messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

async fn requests(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/api/v1/requests", VIEWER).await;
    assert_eq!(status, 200, "{list}");
    list["requests"].as_array().expect("a list").clone()
}

#[tokio::test]
async fn a_public_request_gets_a_receipt_a_21_day_duty_with_reminders_and_an_answer() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(MONDAY, &config(&smtp, "")).await;

    let form = app.get_text("/privacy/request").await;
    assert!(
        form.contains("Ask Example Public Schools about student data privacy")
            || form.contains("about student data privacy"),
        "{form}"
    );
    assert!(
        form.contains(r#"class="hp""#),
        "the honeypot is hidden by the stylesheet"
    );

    let response = submit_form(&app, &dispute_form()).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/privacy/request/sent");
    let sent = app.get_text("/privacy/request/sent").await;
    assert!(!sent.contains("PR-"), "the page shows no reference: {sent}");

    let listed = requests(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let id = listed[0]["id"].as_str().expect("an id").to_owned();
    let reference = listed[0]["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    assert!(
        reference.starts_with("PR-") && reference.len() == 12,
        "{reference}"
    );
    assert_eq!(listed[0]["via"], "public_form");

    // The receipt: the reference, the deadline in words, no id, no route.
    let messages = smtp
        .wait_for("the receipt", |m| !to(m, FAMILY).is_empty())
        .await;
    let receipt = to(&messages, FAMILY)[0];
    assert_eq!(
        receipt.header("X-Breachd-Kind").as_deref(),
        Some("request-receipt")
    );
    assert!(receipt.subject.contains(&reference), "{}", receipt.subject);
    assert!(
        receipt.body.contains(&format!("Dear {NAME}")),
        "{}",
        receipt.body
    );
    assert!(
        receipt.body.contains("Mon 23 Mar 2026"),
        "the 21-day deadline in words: {}",
        receipt.body
    );
    assert!(
        !receipt.body.contains(&id) && !receipt.body.contains("/api/"),
        "{}",
        receipt.body
    );

    // The duty: 21 days from the policy, counted from `received`.
    let (status, request) = app.get(&format!("/api/v1/requests/{id}"), VIEWER).await;
    assert_eq!(status, 200, "{request}");
    let duty = obligation(&request, "district_responds_to_dispute");
    assert_eq!(duty["request_id"], id.as_str());
    assert!(duty.get("incident_id").is_none(), "{duty}");
    assert_eq!(duty["status"], "open");
    assert!(
        duty["due_at"].as_str().unwrap().starts_with("2026-03-23"),
        "{duty}"
    );
    assert_eq!(
        duty["sources"][0]["citation"],
        "Natick Public Schools Student Data Privacy Policy § VII"
    );
    let duty_id = duty["id"].as_str().unwrap().to_owned();

    // It is on the board with the other duties, named by kind and reference.
    let (_, board) = app.get("/api/v1/obligations?status=open", VIEWER).await;
    let row = board["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == duty_id.as_str())
        .unwrap_or_else(|| panic!("the duty is listed: {board}"));
    assert!(
        row["incident_title"].as_str().unwrap().contains(&reference),
        "{row}"
    );
    assert!(
        !row["incident_title"].as_str().unwrap().contains(NAME),
        "{row}"
    );

    // Reminders: the opening one at once, the 50% one past mid-window; each
    // links to the request's staff page and never names the requester.
    let reminders = |m: &[Received], address: &str| {
        to(m, address)
            .into_iter()
            .filter(|r| {
                r.header("X-Breachd-Obligation")
                    .is_some_and(|ids| ids.contains(&duty_id))
            })
            .count()
    };
    let messages = smtp
        .wait_for("the opening reminder", |m| reminders(m, PO) >= 1)
        .await;
    let opening = to(&messages, PO)
        .into_iter()
        .find(|r| r.header("X-Breachd-Kind").as_deref() == Some("reminder"))
        .expect("a reminder to the privacy officer");
    assert!(
        opening
            .body
            .contains(&format!("https://breachd.district.example/requests/{id}")),
        "{}",
        opening.body
    );
    assert!(opening.body.contains("Request:"), "{}", opening.body);
    assert!(
        !opening.body.contains(NAME) && !opening.body.contains(FAMILY),
        "{}",
        opening.body
    );
    app.advance_to("2026-03-14T12:00:00-04:00");
    smtp.wait_for("the 50% reminder", |m| reminders(m, CTO) >= 1)
        .await;

    // A viewer may not answer; a reporter does, and the family gets it.
    let answer = json!({"answer": "We checked the register and corrected two days."});
    let (status, _) = app
        .post(&format!("/api/v1/requests/{id}/answer"), VIEWER, &answer)
        .await;
    assert_eq!(status, 403);
    let (status, answered) = app
        .post(&format!("/api/v1/requests/{id}/answer"), REPORTER, &answer)
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "answered");
    assert_eq!(
        obligation(&answered, "district_responds_to_dispute")["status"],
        "done"
    );
    let messages = smtp
        .wait_for("the answer", |m| to(m, FAMILY).len() >= 2)
        .await;
    let sent_answer = to(&messages, FAMILY)
        .into_iter()
        .find(|m| m.header("X-Breachd-Kind").as_deref() == Some("request-answer"))
        .expect("the answer email");
    assert!(
        sent_answer.body.contains("corrected two days"),
        "{}",
        sent_answer.body
    );
    assert!(sent_answer.subject.contains(&reference));

    // A second answer is refused; closing ends it.
    let (status, _) = app
        .post(&format!("/api/v1/requests/{id}/answer"), REPORTER, &answer)
        .await;
    assert_eq!(status, 409);
    let (status, closed) = app
        .post(
            &format!("/api/v1/requests/{id}/close"),
            REPORTER,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["status"], "closed");

    // The staff page shows it; the public notices never do.
    let notices = app.get_text("/notices/").await;
    assert!(!notices.contains(NAME) && !notices.contains(&reference));
    app.stop().await;
}

#[tokio::test]
async fn records_access_gets_the_ferpa_45_days_in_any_state() {
    let smtp = SmtpServer::start();
    for jurisdiction in ["US-CT", "US-WY", "US-CA"] {
        let extra = format!("[district]\njurisdiction = \"{jurisdiction}\"\n");
        // A policy for disputes only: the pack of every state knows the kind.
        let app = spawn_app_with(MONDAY, &config(&smtp, &extra)).await;
        let (status, filed) = app
            .post(
                "/api/v1/requests",
                REPORTER,
                &json!({
                    "kind": "records_access",
                    "received_at": MONDAY,
                    "requester": {"name": NAME, "email": FAMILY},
                    "summary": "I would like to see my daughter's records.",
                }),
            )
            .await;
        assert_eq!(status, 201, "{jurisdiction}: {filed}");
        let duty = obligation(&filed, "district_responds_to_records_access");
        assert!(
            duty["due_at"].as_str().unwrap().starts_with("2026-04-16"),
            "{jurisdiction}: 45 days from 2 March: {duty}"
        );
        assert_eq!(duty["sources"][0]["citation"], "34 CFR 99.10(b)");
        assert_eq!(duty["sources"][0]["verified"], true);

        // An inquiry: neither the law nor this board sets a deadline.
        let (status, inquiry) = app
            .post(
                "/api/v1/requests",
                REPORTER,
                &json!({
                    "kind": "inquiry",
                    "received_at": MONDAY,
                    "requester": {"name": NAME, "email": FAMILY},
                    "summary": "Which apps does the school use?",
                }),
            )
            .await;
        assert_eq!(status, 201, "{inquiry}");
        assert_eq!(inquiry["obligations"], json!([]), "{jurisdiction}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_public_form_survives_a_flood_and_a_honeypot_stores_nothing() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(
        MONDAY,
        &config(&smtp, "[requests]\nform_burst = 3\nform_refill = \"1h\"\n"),
    )
    .await;

    // A robot fills in the honeypot: answered like success, nothing kept.
    let mut robot = dispute_form();
    robot.retain(|(name, _)| *name != "website");
    robot.push(("website", "https://spam.example"));
    let response = submit_form(&app, &robot).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/privacy/request/sent");
    assert!(
        requests(&app).await.is_empty(),
        "a honeypot hit stores nothing"
    );

    // Two more are accepted (the burst is three, the robot's counted)...
    for _ in 0..2 {
        let response = submit_form(&app, &dispute_form()).await;
        assert_eq!(response.status().as_u16(), 303);
    }
    // ...then the flood is refused, with a plain page and Retry-After.
    for _ in 0..30 {
        let response = submit_form(&app, &dispute_form()).await;
        assert_eq!(response.status().as_u16(), 429);
        assert!(response.headers().contains_key("retry-after"));
        let page = response.text().await.unwrap();
        assert!(page.contains("Too many requests"), "{page}");
    }
    assert_eq!(requests(&app).await.len(), 2);

    // The form still works for someone else: an invalid one is refused
    // naming the fields, without repeating the address in the message.
    smtp.wait_for("two receipts", |m| to(m, FAMILY).len() >= 2)
        .await;
    assert_eq!(
        to(&smtp.messages(), FAMILY).len(),
        2,
        "no receipt for the honeypot hit or the refused ones"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_bad_form_names_its_fields_and_stores_nothing() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(MONDAY, &config(&smtp, "")).await;
    let response = submit_form(
        &app,
        &[
            ("kind", "gossip"),
            ("name", ""),
            ("email", "not-an-address"),
            ("summary", ""),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 422);
    let page = response.text().await.unwrap();
    for label in [
        "What you are asking for",
        "Your name",
        "Your email address",
        "Your request",
    ] {
        assert!(page.contains(label), "{label}: {page}");
    }
    assert!(requests(&app).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn roles_and_bad_bodies_through_the_api() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(MONDAY, &config(&smtp, "")).await;
    let good = json!({
        "kind": "complaint",
        "received_at": MONDAY,
        "requester": {"name": NAME, "email": FAMILY},
        "summary": "A teacher shared my child's grades in class.",
    });
    let (status, problem) = app.post("/api/v1/requests", VIEWER, &good).await;
    assert_eq!(status, 403, "{problem}");
    let (status, problem) = app
        .post(
            "/api/v1/requests",
            REPORTER,
            &json!({
                "kind": "gossip",
                "received_at": "2026-03-02 09:00",
                "requester": {"name": NAME, "email": "jane-at-example"},
                "summary": "",
                "priority": "high",
            }),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "kind",
        "received_at",
        "requester.email",
        "summary",
        "priority",
    ] {
        assert!(fields.contains(&field), "{field}: {problem}");
    }
    assert!(
        !problem.to_string().contains("jane-at-example"),
        "{problem}"
    );
    assert!(
        requests(&app).await.is_empty(),
        "a rejected request stores nothing"
    );

    let (status, filed) = app.post("/api/v1/requests", ADMIN, &good).await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/requests/{id}/assign"),
            REPORTER,
            &json!({"to": "nobody"}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, assigned) = app
        .post(
            &format!("/api/v1/requests/{id}/assign"),
            REPORTER,
            &json!({"to": "privacy_officer"}),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["status"], "assigned");
    let (status, _) = app.get("/api/v1/requests/not-an-id", VIEWER).await;
    assert!(status == 404 || status == 422, "{status}");
    app.stop().await;
}
