//! Approval's preflight and the fan-out's faults and pace, on the real
//! daemon against a real SMTP server on loopback: a template that fails
//! refuses the approval with nothing planned; a message that fails to build
//! mid-fan-out marks nobody failed, alerts the privacy officer and ends
//! dead after the attempt limit; `email.max_per_minute` stretches the
//! fan-out; a relay's "too fast" reply slows it down without spending
//! retries; the forecast says when the deadline cannot be met.

mod common;

use common::pages::{cookie_pair, set_cookie, sign_in, Signed};
use common::smtp::{Received, SmtpServer};
use common::*;
use reqwest::header::{COOKIE, LOCATION};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

const NOW: &str = "2026-04-21T12:00:00-04:00";

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

/// A roster of `guardians` guardians, `guardian{i}@families.example`, one
/// child each except the first, who has two; every third speaks Spanish.
fn roster(guardians: usize) -> String {
    let mut csv = String::from("student_id,student_name,guardian_name,guardian_email,language\n");
    for i in 0..guardians {
        let language = if i % 3 == 2 { "es" } else { "en" };
        csv.push_str(&format!(
            "stu{i:05},Kid{i} Fam{i},Parent{i} Fam{i},guardian{i:03}@families.example,{language}\n"
        ));
    }
    csv.push_str("stu99999,Kid99 Fam0,Parent0 Fam0,guardian000@families.example,en\n");
    csv
}

async fn file_and_import(app: &TestApp, csv: String) -> String {
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().expect("an incident id").to_owned();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("the roster upload is answered");
    let (status, body) = split(response).await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn approve(app: &TestApp, id: &str) -> (u16, Value) {
    app.post(
        &format!("/api/v1/incidents/{id}/notice/approve"),
        ADMIN,
        &json!({}),
    )
    .await
}

async fn deliveries(app: &TestApp, id: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/incidents/{id}/deliveries?limit=1000"),
            VIEWER,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Polls the deliveries until `done` holds, for at most 30 s.
async fn wait_deliveries(
    app: &TestApp,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = deliveries(app, id).await;
        if done(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn count(body: &Value, status: &str) -> u64 {
    body["summary"][status].as_u64().unwrap_or(0)
}

/// The incident's jobs of `kind` (admin listing; dead ones with `?state=dead`).
async fn jobs_of(app: &TestApp, id: &str, kind: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/api/v1/jobs{query}"), ADMIN).await;
    assert_eq!(status, 200, "{body}");
    body["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|job| job["incident_id"] == id && job["kind"] == kind)
        .collect()
}

fn templates_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("the template is written");
    }
    dir
}

fn email_templates(dir: &Path) -> String {
    format!(
        "[email]\ntemplates = {:?}\n[contacts]\nprivacy_officer = [\"po@district.example\"]\n",
        dir.display().to_string()
    )
}

fn family_notices(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("family-notice"))
        .collect()
}

/// The Spanish notice breaks only for a guardian of several children.
const BROKEN_SPANISH: &str = "Subject: Aviso\n\nEstimado/a {{ guardian }}:\n\
    {% if children | length > 1 %}{{ children | no_such_filter }}{% endif %}\n";

#[tokio::test]
async fn a_template_that_fails_refuses_approval_naming_it_and_plans_nothing() {
    let templates = templates_with(&[("family-notice.es.txt", BROKEN_SPANISH)]);
    let config = TestConfig::new()
        .no_escalation()
        .layer(&email_templates(templates.path()));
    let app = spawn_app_with(NOW, &config).await;
    let id = file_and_import(&app, roster(4)).await;

    let (status, problem) = approve(&app, &id).await;
    assert_eq!(status, 422, "{problem}");
    let errors = problem["errors"].as_array().expect("the failures");
    // The Spanish notice to a guardian of one child renders; only the
    // several-children variant fails, and it alone is named.
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["field"], "template", "{problem}");
    let reason = errors[0]["reason"].as_str().unwrap();
    for expected in [
        "family-notice.es.txt",
        "a guardian of several children",
        "no_such_filter",
    ] {
        assert!(reason.contains(expected), "{expected} in {reason}");
    }

    // Nothing was planned, sent or recorded as approved.
    let body = deliveries(&app, &id).await;
    assert_eq!(body["deliveries"], json!([]), "{body}");
    assert!(jobs_of(&app, &id, "family_notice", "").await.is_empty());
    assert!(jobs_of(&app, &id, "publish", "").await.is_empty());
    let (_, notice) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(notice["state"], "draft", "{notice}");
    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200, "{evidence}");
    let timeline = evidence["timeline"].as_array().expect("the audit entries");
    assert!(
        !timeline.iter().any(|e| e["action"] == "notice_approved"),
        "{evidence}"
    );

    // The incident page's approve button says it in plain words.
    let admin = sign_in(&app, ADMIN).await;
    let page = approve_from_the_page(&app, &admin, &id).await;
    assert!(
        page.contains("The notice was not approved: The message template family-notice.es.txt cannot be written for a guardian of several children"),
        "{page}"
    );
    assert!(!page.contains("/api/v1/"), "no API routes: {page}");
    assert!(deliveries(&app, &id).await["deliveries"] == json!([]));
}

#[tokio::test]
async fn a_website_template_that_fails_refuses_approval_too() {
    let site = templates_with(&[(
        "notice.html",
        "<h1>{{ notice.title | no_such_filter }}</h1>",
    )]);
    let config = TestConfig::new().no_escalation().layer(&format!(
        "[publish]\ntemplates = {:?}\n",
        site.path().display().to_string()
    ));
    let app = spawn_app_with(NOW, &config).await;
    let id = file_and_import(&app, roster(2)).await;
    let (status, problem) = approve(&app, &id).await;
    assert_eq!(status, 422, "{problem}");
    let reason = problem["errors"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("notice.html (the website page) cannot be written")
            && reason.contains("no_such_filter"),
        "{problem}"
    );
    assert!(jobs_of(&app, &id, "publish", "").await.is_empty());
    assert_eq!(deliveries(&app, &id).await["deliveries"], json!([]));
}

/// Ticks the approve box on the notice page and returns the page the
/// redirect lands on, with its one-shot message.
async fn approve_from_the_page(app: &TestApp, signed: &Signed, id: &str) -> String {
    let response = pages::client()
        .post(app.url(&format!("/incidents/{id}/notice/approve")))
        .header(COOKIE, &signed.cookie)
        .form(&[("csrf", signed.csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .expect("the approval is answered");
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let flash = cookie_pair(&set_cookie(&response, "breachd_flash").expect("a message"));
    pages::client()
        .get(app.url(&location))
        .header(COOKIE, format!("{}; {flash}", signed.cookie))
        .send()
        .await
        .expect("the page is served")
        .text()
        .await
        .expect("the page is text")
}

/// The English notice, broken for one family's name only: the preflight's
/// stand-in names pass, the fan-out meets it.
const BROKEN_FOR_ONE: &str = "Subject: Notice of a data incident\n\nDear {{ guardian }},\n\
    {% if guardian == \"Parent1 Fam1\" %}{{ guardian | no_such_filter }}{% endif %}\n\
    Your children: {{ children | join(\", \") }}\n";

#[tokio::test]
async fn a_message_that_fails_to_build_mid_fan_out_marks_nobody_failed_and_dies_after_the_limit() {
    let smtp = SmtpServer::start();
    let templates = templates_with(&[("family-notice.txt", BROKEN_FOR_ONE)]);
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(1)
        .no_escalation()
        .layer(&format!(
            "{}[scheduler]\nmax_attempts = 2\n",
            email_templates(templates.path())
        ));
    let app = spawn_app_with(NOW, &config).await;
    // Guardians 0 and 1 in English (1 is broken), 2 in Spanish (the Spanish
    // template is the shipped one: it renders), 3 in English.
    let id = file_and_import(&app, roster(4)).await;
    let (status, approval) = approve(&app, &id).await;
    assert_eq!(status, 202, "{approval}");

    // The privacy officer is told, in plain words, without a family's name.
    let alerts = smtp
        .wait_for("the fault alert", |m| {
            m.iter()
                .any(|m| m.header("X-Breachd-Kind").as_deref() == Some("notice-fault"))
        })
        .await;
    let alert = alerts
        .iter()
        .find(|m| m.header("X-Breachd-Kind").as_deref() == Some("notice-fault"))
        .unwrap();
    assert_eq!(alert.to, ["po@district.example"]);
    assert!(
        alert
            .subject
            .contains("stopped sending the notice to families"),
        "{}",
        alert.subject
    );
    assert!(
        alert.body.contains("no family is counted as failed"),
        "{}",
        alert.body
    );
    assert!(
        alert.body.contains("template family-notice.txt"),
        "{}",
        alert.body
    );
    assert!(
        !alert.body.contains("Parent1"),
        "no family's name: {}",
        alert.body
    );

    // The chunk stopped on guardian001 (by address): guardian000 was sent
    // before it, nothing after it; nobody failed, the rest stays planned.
    let body = wait_deliveries(&app, &id, "the stopped chunk", |b| count(b, "sent") >= 1).await;
    assert_eq!(count(&body, "failed"), 0, "{body}");
    assert_eq!(count(&body, "sent"), 1, "{body}");
    assert_eq!(count(&body, "queued"), 3, "{body}");
    let chunk = jobs_of(&app, &id, "family_notice", "").await;
    assert_eq!(chunk.len(), 1, "{chunk:?}");
    assert_eq!(chunk[0]["state"], "scheduled", "{chunk:?}");
    assert!(
        chunk[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("could not be built") && !e.contains("Parent")),
        "{chunk:?}"
    );
    assert_eq!(family_notices(&smtp.messages()).len(), 1);

    // Its retry (backoff at most 45 s) meets the fault again, and the
    // chunk dies at the limit of two runs, reported once.
    app.advance_to("2026-04-21T12:05:00-04:00");
    app.wake.wake();
    let deadline = Instant::now() + Duration::from_secs(30);
    let dead = loop {
        let dead = jobs_of(&app, &id, "family_notice", "?state=dead").await;
        if !dead.is_empty() {
            break dead;
        }
        assert!(Instant::now() < deadline, "the chunk never died");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead[0]["attempts"], 2, "{dead:?}");
    smtp.wait_for("the dead-job report", |m| {
        m.iter()
            .any(|m| m.subject.starts_with("breachd stopped trying"))
    })
    .await;
    let body = deliveries(&app, &id).await;
    assert_eq!(count(&body, "failed"), 0, "{body}");
    let alerts = smtp
        .messages()
        .iter()
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("notice-fault"))
        .count();
    assert_eq!(alerts, 1, "one alert per incident");
}

#[tokio::test]
async fn a_relay_limit_per_minute_stretches_the_fan_out() {
    // 60 a minute: a minute's worth at once, then one a second. 65
    // messages take at least 4 s more than the first 60 (the 61st goes
    // after a second, the 65th after five).
    const PER_MINUTE: u64 = 60;
    const GUARDIANS: u64 = 65;
    let smtp = SmtpServer::start_with(&["--pipelining"]);
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(4)
        .no_escalation()
        .layer(&format!("[email]\nmax_per_minute = {PER_MINUTE}\n"));
    let app = spawn_app_with(NOW, &config).await;
    let id = file_and_import(&app, roster(GUARDIANS as usize)).await;
    let started = Instant::now();
    let (status, approval) = approve(&app, &id).await;
    assert_eq!(status, 202, "{approval}");
    assert_eq!(approval["recipients"], GUARDIANS);
    let deadline = Instant::now() + Duration::from_secs(40);
    while family_notices(&smtp.messages()).len() < GUARDIANS as usize {
        assert!(Instant::now() < deadline, "the fan-out did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let lower = Duration::from_secs((GUARDIANS - PER_MINUTE - 1) * 60 / PER_MINUTE);
    assert!(
        elapsed >= lower,
        "{elapsed:?} < {lower:?}: the quota was not kept"
    );
    assert!(
        elapsed < Duration::from_secs(30),
        "{elapsed:?}: far slower than the quota"
    );
    let body = wait_deliveries(&app, &id, "every delivery recorded", |b| {
        count(b, "sent") == GUARDIANS
    })
    .await;
    assert_eq!(count(&body, "failed"), 0, "{body}");
}

#[tokio::test]
async fn a_rate_limited_reply_slows_the_senders_instead_of_spending_retries() {
    const GUARDIANS: usize = 30;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let log = dir.path().join("rate-limited.txt");
    let log_arg = log.display().to_string();
    // A burst of 20 goes through, then the relay says "too fast" 3 times.
    let smtp = SmtpServer::start_with(&[
        "--rate-limit-after",
        "20",
        "--rate-limit",
        "3",
        "--rate-log",
        &log_arg,
    ]);
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(2)
        .no_escalation();
    let app = spawn_app_with(NOW, &config).await;
    let id = file_and_import(&app, roster(GUARDIANS)).await;
    let started = Instant::now();
    let (status, _) = approve(&app, &id).await;
    assert_eq!(status, 202);
    smtp.wait_for("every family notice", |m| {
        family_notices(m).len() >= GUARDIANS
    })
    .await;
    // At least the first pause (half a second) was kept.
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let limited: Vec<String> = std::fs::read_to_string(&log)
        .expect("the server logged the rate-limited recipients")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(limited.len(), 3, "{limited:?}");
    // Each was sent after the pause, recorded once: no retry was spent,
    // nothing deferred with backoff.
    let body = wait_deliveries(&app, &id, "every delivery sent", |b| {
        count(b, "sent") == GUARDIANS as u64
    })
    .await;
    for delivery in body["deliveries"].as_array().unwrap() {
        assert_eq!(delivery["attempts"], 1, "{delivery}");
        assert_eq!(delivery["status"], "sent", "{delivery}");
    }
    let metrics = app.get_text("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("breachd_email_rate_limited_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_forecast_says_when_the_deadline_cannot_be_met() {
    // One message a day: 30 guardians take 29 days, far past the families'
    // deadline.
    let config = TestConfig::new()
        .no_escalation()
        .layer("[email]\nmax_per_day = 1\n");
    let app = spawn_app_with(NOW, &config).await;
    let id = file_and_import(&app, roster(30)).await;
    let (status, approval) = approve(&app, &id).await;
    assert_eq!(status, 202, "{approval}");
    assert_eq!(approval["meets_deadline"], false, "{approval}");
    let due = approval["families_due_at"].as_str().expect("a due time");
    let finish = approval["projected_finish_at"]
        .as_str()
        .expect("a projected finish");
    // RFC 3339 with the district's offset.
    assert!(finish.ends_with("-04:00"), "{finish}");
    let (due, finish) = (at(due), at(finish));
    assert!(finish > due, "{approval}");
    assert!(finish >= at(NOW) + chrono::Duration::days(29), "{approval}");
    // Asked again, the answer repeats it for what is still to send.
    let (status, again) = approve(&app, &id).await;
    assert_eq!(status, 200);
    assert_eq!(again["already_approved"], true);
    assert_eq!(again["meets_deadline"], false, "{again}");

    // The incident page says it in plain words, in the district's zone.
    let admin = sign_in(&app, ADMIN).await;
    let (status, page) = pages::get_page(&app, &admin, &format!("/incidents/{id}")).await;
    assert_eq!(status, 200);
    let forecast = page
        .split("id=\"fanout-forecast\"")
        .nth(1)
        .unwrap_or_else(|| panic!("the page shows the forecast: {page}"));
    let forecast = &forecast[..forecast.find("</p>").unwrap()];
    assert!(
        forecast.contains("after the families' deadline"),
        "{forecast}"
    );
    assert!(
        forecast.contains("Add a relay or start paper letters now"),
        "{forecast}"
    );
    assert!(forecast.contains(" EDT</time>"), "{forecast}");
}

#[tokio::test]
async fn without_quotas_the_forecast_meets_the_deadline() {
    let app = spawn_app_with(NOW, &TestConfig::new().no_escalation()).await;
    let id = file_and_import(&app, roster(6)).await;
    let (status, approval) = approve(&app, &id).await;
    assert_eq!(status, 202, "{approval}");
    assert_eq!(approval["meets_deadline"], true, "{approval}");
    assert!(approval["families_due_at"].is_string(), "{approval}");
    let finish = at(approval["projected_finish_at"].as_str().unwrap());
    assert!(
        finish - at(NOW) < chrono::Duration::minutes(1),
        "{approval}"
    );
}

#[tokio::test]
async fn quotas_are_validated() {
    for (layer, key) in [
        ("[email]\nmax_per_minute = 0\n", "email.max_per_minute"),
        ("[email]\nmax_per_day = -5\n", "email.max_per_day"),
    ] {
        let config = TestConfig::new().layer(layer);
        let dir = tempfile::tempdir().expect("a temporary folder");
        let layers = config.layers(dir.path());
        let layers: Vec<&str> = layers.iter().map(String::as_str).collect();
        let error = breachd::settings::Settings::from_toml_layers(&layers)
            .err()
            .unwrap_or_else(|| panic!("{layer} is refused"));
        let text = format!("{error:#}");
        assert!(text.contains(key) && text.contains("1 or more"), "{text}");
    }
}
