//! Parental consent for a vendor that will not sign, end to end on the
//! in-process daemon with a real SMTP server on loopback: a campaign for a
//! refused vendor emails each guardian once with a working link; answering
//! through the link records the answer per student and the link cannot be
//! used again; a forged link is 404 and stores nothing; staff record an
//! answer received on paper; a decline by any guardian wins; the vendor
//! page counts the answers and lists only the consented students; a
//! campaign for a vendor that signed is refused and stores nothing.

mod common;

use common::pages::{client, get_page, sign_in};
use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};

/// Monday 2 March 2026, 09:00 in New York.
const MONDAY: &str = "2026-03-02T09:00:00-05:00";
const PUBLIC: &str = "https://breachd.district.example";
const POLICY: &str = "https://quizzly.example/privacy";
const RECEIVES: &str = "Your child's first name, grade and quiz scores.";

const ANA: &str = "ana.lopez@family.example";
const LUIS: &str = "luis.lopez@family.example";
const PAT: &str = "pat.green@family.example";

/// Maya (S1) has two guardians, Ana also has Leo (S2), Pat has Sam (S3);
/// Kim (S4) has no address to email; line 6 has no student id.
const ROSTER: &str = "student_id,student_name,guardian_name,guardian_email,language\n\
S1,Maya Lopez,Ana Lopez,ana.lopez@family.example,es\n\
S2,Leo Lopez,Ana Lopez,ana.lopez@family.example,es\n\
S1,Maya Lopez,Luis Lopez,luis.lopez@family.example,\n\
S3,Sam Green,Pat Green,pat.green@family.example,\n\
S4,Kim Field,Jo Field,,\n\
,Nobody,X Y,x.y@family.example,\n";

fn config(smtp: &SmtpServer, database: Option<&str>) -> TestConfig {
    let config = match database {
        Some(url) => TestConfig::new().database_url(url),
        None => TestConfig::new(),
    };
    config.smtp(&smtp.url()).layer(&format!(
        r#"
[server]
public_url = "{PUBLIC}"
[contacts]
privacy_officer = ["po@district.example"]
"#
    ))
}

async fn register(app: &TestApp, name: &str, agreement: Value) -> String {
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({"name": name, "agreement": agreement}),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    vendor["id"].as_str().expect("an id").to_owned()
}

/// A multipart body with the given text parts and, optionally, the roster.
fn multipart(parts: &[(&str, &str)], roster: Option<&str>) -> (String, Vec<u8>) {
    let boundary = "----breachdconsentboundary";
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some(roster) = roster {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"consent.csv\"\r\nContent-Type: text/csv\r\n\r\n{roster}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn start_campaign(
    app: &TestApp,
    token: &str,
    vendor: &str,
    parts: &[(&str, &str)],
    roster: Option<&str>,
) -> (u16, Value) {
    let (content_type, body) = multipart(parts, roster);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/vendors/{vendor}/consent-campaigns")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    split(response).await
}

const FIELDS: [(&str, &str); 2] = [("privacy_policy_url", POLICY), ("description", RECEIVES)];

fn consent_requests(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("consent-request"))
        .collect()
}

fn to<'a>(messages: &[&'a Received], address: &str) -> &'a Received {
    let found: Vec<&&Received> = messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect();
    assert_eq!(found.len(), 1, "one consent request to {address}");
    found[0]
}

/// The page's path from the link in a consent request.
fn link_of(message: &Received) -> String {
    let prefix = format!("{PUBLIC}/consent/");
    let start = message
        .body
        .find(&prefix)
        .unwrap_or_else(|| panic!("a consent link: {}", message.body))
        + PUBLIC.len();
    let path: String = message.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    path
}

async fn answer(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form fields encode"))
        .send()
        .await
        .expect("the answer is sent")
}

async fn campaign(app: &TestApp, id: &str) -> Value {
    let (status, campaign) = app
        .get(&format!("/api/v1/consent-campaigns/{id}"), VIEWER)
        .await;
    assert_eq!(status, 200, "{campaign}");
    campaign
}

fn student<'a>(campaign: &'a Value, id: &str) -> &'a Value {
    campaign["students"]
        .as_array()
        .expect("students")
        .iter()
        .find(|s| s["student_id"] == id)
        .unwrap_or_else(|| panic!("student {id} in {campaign}"))
}

async fn staff_answer(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/api/v1/consent-campaigns/{id}/answers"),
        token,
        &body,
    )
    .await
}

#[tokio::test]
async fn a_consent_campaign_records_answers_per_student() {
    consent_campaign(None).await;
}

/// The same on PostgreSQL, whose schema and statements are its own.
#[tokio::test]
async fn a_consent_campaign_records_answers_per_student_on_postgres() {
    common::postgres::PgTestDb::run("consent", |url| async move {
        consent_campaign(Some(url)).await;
    })
    .await;
}

async fn consent_campaign(database: Option<String>) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(MONDAY, &config(&smtp, database.as_deref())).await;
    let refused = register(&app, "Quizzly", json!({"status": "refused"})).await;
    let signed = register(
        &app,
        "Acme Learning",
        json!({"kind": "dpa", "status": "signed", "signed_at": "2025-08-01"}),
    )
    .await;

    // A vendor that signed gets no campaign, and nothing is stored or sent.
    let (status, problem) = start_campaign(&app, ADMIN, &signed, &FIELDS, Some(ROSTER)).await;
    assert_eq!(status, 409, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("refused to sign"),
        "{problem}"
    );
    let (status, list) = app
        .get(
            &format!("/api/v1/vendors/{signed}/consent-campaigns"),
            VIEWER,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["campaigns"], json!([]));
    // Bad input names each field; only an admin starts one.
    let (status, problem) = start_campaign(
        &app,
        ADMIN,
        &refused,
        &[("privacy_policy_url", "quizzly.example")],
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["roster", "privacy_policy_url", "description"]);
    let (status, _) = start_campaign(&app, REPORTER, &refused, &FIELDS, Some(ROSTER)).await;
    assert_eq!(status, 403);
    let (status, list) = app
        .get(
            &format!("/api/v1/vendors/{refused}/consent-campaigns"),
            VIEWER,
        )
        .await;
    assert_eq!(
        (status, &list["campaigns"]),
        (200, &json!([])),
        "nothing stored"
    );

    // The campaign: four students (Kim with nobody to email), three
    // guardians, the bad row listed with its line.
    let (status, started) = start_campaign(&app, ADMIN, &refused, &FIELDS, Some(ROSTER)).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().expect("an id").to_owned();
    assert_eq!(started["counts"]["students"], 4, "{started}");
    assert_eq!(started["counts"]["guardians"], 3, "{started}");
    assert_eq!(started["counts"]["no_answer"], 4, "{started}");
    assert_eq!(started["onboardable"], json!([]));
    let rejected = started["import"]["rejected"].as_array().unwrap();
    assert!(
        rejected
            .iter()
            .any(|r| r["line"] == 7 && r["reason"] == "student_id is empty"),
        "{started}"
    );
    assert!(
        rejected
            .iter()
            .any(|r| r["line"] == 6 && r["reason"] == "guardian_email is empty"),
        "{started}"
    );
    assert_eq!(student(&started, "S4")["guardians"], 0);

    // One consent request per guardian, each with its own link; Ana's
    // names both her children by first name, Luis's only Maya.
    let messages = smtp
        .wait_for("three consent requests", |m| consent_requests(m).len() >= 3)
        .await;
    let requests = consent_requests(&messages);
    assert_eq!(requests.len(), 3);
    let ana = to(&requests, ANA);
    assert!(ana.subject.contains("Quizzly"), "{}", ana.subject);
    assert!(ana.body.contains("Maya, Leo"), "{}", ana.body);
    assert!(
        ana.body.contains(RECEIVES) && ana.body.contains(POLICY),
        "{}",
        ana.body
    );
    assert!(
        !ana.body.contains("S1") && !ana.body.contains("/api/") && !ana.body.contains(&id),
        "no raw ids or routes: {}",
        ana.body
    );
    let luis = to(&requests, LUIS);
    assert!(luis.body.contains("your child Maya"), "{}", luis.body);
    assert!(!luis.body.contains("Leo"), "{}", luis.body);
    let (ana_link, luis_link, pat_link) =
        (link_of(ana), link_of(luis), link_of(to(&requests, PAT)));
    assert!(
        ana_link != luis_link && luis_link != pat_link,
        "links are per guardian"
    );

    // The page: the vendor, what it receives, its policy, one choice per
    // child by first name, nobody else's child.
    let page = app.get_text(&ana_link).await;
    // The page escapes the address's slashes, which a browser reads back.
    let escaped = POLICY.replace('/', "&#x2f;");
    assert!(
        page.contains("Quizzly") && page.contains(&escaped),
        "{page}"
    );
    assert!(
        page.contains("Your child Maya") && page.contains("Your child Leo"),
        "{page}"
    );
    assert!(!page.contains("Sam") && !page.contains("Lopez"), "{page}");

    // Every child must be answered; a partial answer stores nothing.
    let partial = answer(
        &app,
        &ana_link,
        &[("child_0", "consented"), ("website", "")],
    )
    .await;
    assert_eq!(partial.status(), 422);
    assert!(partial
        .text()
        .await
        .unwrap()
        .contains("choose consent or decline"));
    assert_eq!(campaign(&app, &id).await["counts"]["no_answer"], 4);

    // Ana consents for Maya and declines for Leo.
    let recorded = answer(
        &app,
        &ana_link,
        &[
            ("child_0", "consented"),
            ("child_1", "declined"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(recorded.status(), 303);
    assert_eq!(recorded.headers()["location"], ana_link.as_str());
    let page = app.get_text(&ana_link).await;
    assert!(
        page.contains("your answer was recorded on Mon 2 Mar 2026"),
        "{page}"
    );
    assert!(
        page.contains("cannot be used again") && !page.contains("<form"),
        "{page}"
    );
    let now = campaign(&app, &id).await;
    assert_eq!(student(&now, "S1")["status"], "consented", "{now}");
    assert_eq!(student(&now, "S2")["status"], "declined", "{now}");
    assert_eq!(student(&now, "S1")["answers"][0]["received"], "link");

    // The link answers once: a second answer is not stored.
    let again = answer(
        &app,
        &ana_link,
        &[
            ("child_0", "declined"),
            ("child_1", "consented"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(again.status(), 303);
    let now = campaign(&app, &id).await;
    assert_eq!(student(&now, "S1")["status"], "consented", "{now}");
    assert_eq!(student(&now, "S1")["answers"].as_array().unwrap().len(), 1);
    assert_eq!(student(&now, "S2")["status"], "declined", "{now}");

    // A forged or altered link: 404 in words, nothing looked up or stored.
    let mut altered = luis_link.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'a' { b'b' } else { b'a' };
    let altered = String::from_utf8(altered).unwrap();
    for forged in [
        format!("/consent/{}", "a".repeat(52)),
        altered.clone(),
        "/consent/x".into(),
    ] {
        let response = client().get(app.url(&forged)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{forged}");
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("This link is not valid"));
    }
    let forged = answer(&app, &altered, &[("child_0", "declined"), ("website", "")]).await;
    assert_eq!(forged.status(), 404);
    // A robot that fills the honeypot is answered as a person, and nothing
    // is stored.
    let robot = answer(
        &app,
        &luis_link,
        &[("child_0", "declined"), ("website", "x")],
    )
    .await;
    assert_eq!(robot.status(), 303);
    let now = campaign(&app, &id).await;
    assert_eq!(student(&now, "S1")["status"], "consented", "{now}");
    assert!(
        app.get_text(&luis_link).await.contains("<form"),
        "Luis may still answer"
    );

    // Staff record Sam's consent received on paper; an answer for Leo does
    // not undo Ana's decline.
    let (status, problem) = staff_answer(
        &app,
        ADMIN,
        &id,
        json!({"student_id": "S9", "answer": "consented", "received": "paper"}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "student_id");
    let (status, problem) = staff_answer(
        &app,
        ADMIN,
        &id,
        json!({"student_id": "S3", "answer": "yes", "received": "link"}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, _) = staff_answer(
        &app,
        REPORTER,
        &id,
        json!({"student_id": "S3", "answer": "consented", "received": "paper"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, now) = staff_answer(
        &app,
        ADMIN,
        &id,
        json!({"student_id": "S3", "answer": "consented", "received": "paper"}),
    )
    .await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(student(&now, "S3")["status"], "consented");
    assert_eq!(student(&now, "S3")["answers"][0]["received"], "paper");
    let (status, now) = staff_answer(
        &app,
        ADMIN,
        &id,
        json!({"student_id": "S2", "answer": "consented", "received": "phone"}),
    )
    .await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(
        student(&now, "S2")["status"],
        "declined",
        "a decline wins: {now}"
    );
    assert_eq!(
        now["counts"],
        json!({"students": 4, "guardians": 3, "consented": 2, "declined": 1, "no_answer": 1})
    );
    let onboardable: Vec<&str> = now["onboardable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["student_id"].as_str().unwrap())
        .collect();
    assert_eq!(onboardable, ["S1", "S3"]);

    // The vendor page (staff only): the counts and the onboardable students.
    let anonymous = client()
        .get(app.url(&format!("/vendors/{refused}")))
        .send()
        .await
        .expect("request sent");
    assert_eq!(anonymous.status(), 303, "the vendor page needs a sign-in");
    let viewer = sign_in(&app, VIEWER).await;
    let (status, page) = get_page(&app, &viewer, &format!("/vendors/{refused}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<dt>Consented</dt><dd>2</dd>"), "{page}");
    assert!(page.contains("<dt>Declined</dt><dd>1</dd>"), "{page}");
    assert!(page.contains("<dt>No answer</dt><dd>1</dd>"), "{page}");
    assert!(
        page.contains("Maya Lopez") && page.contains("Sam Green"),
        "{page}"
    );
    assert!(
        !page.contains("Leo Lopez") && !page.contains("Kim Field"),
        "{page}"
    );
    // The API lists it with the vendor's campaigns.
    let (_, list) = app
        .get(
            &format!("/api/v1/vendors/{refused}/consent-campaigns"),
            VIEWER,
        )
        .await;
    assert_eq!(list["campaigns"][0]["id"], id.as_str());

    app.stop().await;
}

/// Answers are limited per client address like the privacy-request form's,
/// counted apart from it: past the burst the page answers 429 and looks
/// nothing up, and the privacy form still takes a request.
#[tokio::test]
async fn the_consent_page_is_limited_per_address_apart_from_the_request_form() {
    let app = spawn_app_with(
        MONDAY,
        &TestConfig::new().layer("[requests]\nform_burst = 1\nform_refill = \"1h\"\n"),
    )
    .await;
    let forged = format!("/consent/{}", "a".repeat(52));
    let first = answer(&app, &forged, &[("child_0", "consented"), ("website", "")]).await;
    assert_eq!(first.status(), 404);
    let second = answer(&app, &forged, &[("child_0", "consented"), ("website", "")]).await;
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    assert!(second.text().await.unwrap().contains("was not recorded"));
    // The request form's allowance is its own (a honeypot submission is
    // answered as a real one and stores nothing).
    let form = answer(
        &app,
        "/privacy/request",
        &[("kind", "inquiry"), ("website", "robot")],
    )
    .await;
    assert_eq!(form.status(), 303);
    app.stop().await;
}
