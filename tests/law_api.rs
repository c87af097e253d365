//! The law's shapes through the API: clock events beyond discovery, a
//! law-enforcement delay, counts for thresholds, deadlines with no fixed
//! time, sources that say how sure they are, and a mistyped year refused.
//! Each case cites the rule it rests on (config/rules/us-il.toml,
//! config/rules/us-ct.toml).

mod common;

use common::config::TestConfig;
use common::{obligation, spawn_app, spawn_app_with, ADMIN, REPORTER};
use serde_json::{json, Value};

fn illinois() -> TestConfig {
    TestConfig::new().layer(
        r#"
[district]
jurisdiction = "US-IL"
timezone = "America/Chicago"
"#,
    )
}

fn own_breach() -> Value {
    json!({
        "title": "Student records server breach",
        "own_systems": true,
        "discovered_at": "2026-03-02T09:00:00-06:00",
        "data_elements": ["student_name", "ssn"],
        "affected_students": 900,
    })
}

#[tokio::test]
async fn a_duty_with_no_fixed_time_is_open_with_no_due_time_and_its_sources_say_how_sure_they_are()
{
    // 815 ILCS 530/12(a): notice to residents "in the most expedient time
    // possible and without unreasonable delay" (us-il/entity-notifies-residents/asap).
    let app = spawn_app_with("2026-03-03T12:00:00-06:00", &illinois()).await;
    let incident = app.file(&own_breach()).await;
    let residents = obligation(&incident, "entity_notifies_residents");
    assert_eq!(residents["status"], "open", "{residents}");
    assert_eq!(residents["due_kind"], "as_soon_as_practicable");
    assert!(residents["due_at"].is_null(), "{residents}");
    let source = &residents["sources"][0];
    assert_eq!(source["due_kind"], "as_soon_as_practicable");
    assert!(source["verified"].is_boolean(), "{source}");
    // The listing by status finds it as open, as the record says.
    let (status, open) = app.get("/api/v1/obligations?status=open", ADMIN).await;
    assert_eq!(status, 200, "{open}");
    let kinds: Vec<&str> = open["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"entity_notifies_residents"), "{kinds:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_written_law_enforcement_delay_holds_the_families_notice() {
    // 105 ILCS 85/27(d): notice may be delayed at the written request of law
    // enforcement (us-il/school-notifies-families/30d, pause_then_promptly,
    // written_required). Verbal: recorded, but the clock runs.
    let app = spawn_app_with("2026-03-05T12:00:00-06:00", &illinois()).await;
    let mut body = json!({
        "title": "Vendor breach under investigation",
        "contractor": "Gradebook Co",
        "discovered_at": "2026-03-02T09:00:00-06:00",
        "board_notified_at": "2026-03-03T09:00:00-06:00",
        "data_elements": ["student_name", "grades"],
        "events": {"delay_requested": "2026-03-04T10:00:00-06:00"},
        "delay": {"agency": "the state police", "written": true},
    });
    let held = app.file(&body).await;
    let families = obligation(&held, "school_notifies_families");
    assert_eq!(families["status"], "on_hold", "{families}");
    assert!(families["due_at"].is_null(), "{families}");

    body["delay"]["written"] = json!(false);
    body["title"] = json!("Same, asked by telephone");
    let verbal = app.file(&body).await;
    let families = obligation(&verbal, "school_notifies_families");
    assert_eq!(families["status"], "open", "{families}");
    assert!(families["due_at"].is_string(), "{families}");
    app.stop().await;
}

#[tokio::test]
async fn the_report_is_checked_against_the_pack_and_names_each_field() {
    let app = spawn_app_with("2026-03-05T12:00:00-06:00", &illinois()).await;
    let fields = |problem: &Value| -> Vec<String> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str().map(str::to_owned))
            .collect()
    };
    // The body's shape: a delay with no time of the request, a count past
    // what the database holds.
    let mut body = own_breach();
    body["delay"] = json!({"agency": "the FBI", "written": true});
    body["affected_residents"] = json!(u64::MAX);
    let (status, problem) = app.post("/api/v1/incidents", REPORTER, &body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        ["affected_residents", "delay"],
        "{problem}"
    );
    // Against the pack: an event the Illinois rules do not know, and one
    // before the discovery it follows from.
    let mut body = own_breach();
    body["events"] = json!({
        "reported_on_tv": "2026-03-02T10:00:00-06:00",
        "residents_notified": "2026-03-01T10:00:00-06:00",
    });
    let (status, problem) = app.post("/api/v1/incidents", REPORTER, &body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        fields(&problem),
        ["events.reported_on_tv", "events.residents_notified"],
        "{problem}"
    );
    let (_, listed) = app.get("/api/v1/incidents", ADMIN).await;
    assert_eq!(
        listed["incidents"],
        json!([]),
        "a refused report stores nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_mistyped_year_is_refused_unless_the_report_is_historical() {
    // Every rule of the Connecticut pack takes effect in this millennium; a
    // breach "discovered" in 1026 is a typo (config/rules/us-ct.toml).
    let app = spawn_app_with("2026-03-05T12:00:00-05:00", &TestConfig::new()).await;
    let mut body = json!({
        "title": "Old breach",
        "contractor": "Vendor Inc",
        "discovered_at": "1026-03-02T09:00:00-05:00",
        "data_elements": ["student_name"],
    });
    let (status, problem) = app.post("/api/v1/incidents", REPORTER, &body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "discovered_at", "{problem}");
    assert!(
        problem["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("historical"),
        "{problem}"
    );
    body["historical"] = json!(true);
    body["discovered_at"] = json!("2004-03-02T09:00:00-05:00");
    let (status, filed) = app.post("/api/v1/incidents", REPORTER, &body).await;
    assert_eq!(status, 201, "{filed}");
    app.stop().await;
}

#[tokio::test]
async fn the_incident_page_says_when_there_is_no_fixed_time_and_which_sources_to_confirm() {
    // 815 ILCS 530/12(a) (no fixed time) and the research's unverified rows
    // (config/rules/us-il.toml: `verified = false` with a note).
    let app = spawn_app_with("2026-03-03T12:00:00-06:00", &illinois()).await;
    let incident = app.file(&own_breach()).await;
    let id = incident["id"].as_str().unwrap();
    let signed = common::pages::sign_in(&app, ADMIN).await;
    let (status, html) = common::pages::get_page(&app, &signed, &format!("/incidents/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("as soon as practicable: the law sets no fixed time"),
        "the residents' notice has no due time and says why"
    );
    assert!(html.contains("unverified: confirm with counsel"));
    app.stop().await;
}

/// Polls the incident until one of the families' reminders is sent, for at
/// most 20 s; answers its planned time.
async fn wait_for_sent_reminder(app: &common::TestApp, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, incident) = app.get(&format!("/api/v1/incidents/{id}"), ADMIN).await;
        let families = obligation(&incident, "board_notifies_families");
        if let Some(sent) = families["reminders"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["state"] == "sent"))
        {
            return sent["planned_at"].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no reminder was sent: {families}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn connecticut_vendor_breach() -> Value {
    json!({
        "title": "Vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-13T09:00:00-04:00",
        "board_notified_at": "2026-04-14T10:00:00-04:00",
        "data_elements": ["student_name", "grades"],
    })
}

#[tokio::test]
async fn correcting_a_mistyped_event_recomputes_the_duties_and_is_audited() {
    // Conn. Gen. Stat. § 10-234dd(b): the board notifies families within two
    // business days of the contractor's notice (us-ct/board-notifies-families/2bd):
    // from Tue 2026-04-14 that is Thu 04-16; from Mon 04-20, Wed 04-22.
    let app = spawn_app_with("2026-04-21T09:00:00-04:00", &TestConfig::new()).await;
    let incident = app.file(&connecticut_vendor_breach()).await;
    let id = incident["id"].as_str().unwrap().to_owned();
    let families = obligation(&incident, "board_notifies_families");
    assert_eq!(
        families["due_at"], "2026-04-16T23:59:59-04:00",
        "{families}"
    );
    let planned_before: Vec<String> = families["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["planned_at"].as_str().unwrap().to_owned())
        .collect();
    // The overdue step is sent at once (the email goes to files here).
    let sent_before = wait_for_sent_reminder(&app, &id).await;

    let path = format!("/api/v1/incidents/{id}/events/board_notified/correct");
    let body = json!({"at": "2026-04-20T10:00:00-04:00", "reason": "the vendor's letter was dated the 20th"});
    // A reporter may file and record, but only an administrator corrects.
    let (status, _) = app.post(&path, REPORTER, &body).await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .post(&path, ADMIN, &json!({"at": "2026-04-20T10:00:00-04:00"}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "reason");

    let (status, corrected) = app.post(&path, ADMIN, &body).await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!(
        corrected["events"]["board_notified"],
        "2026-04-20T10:00:00-04:00"
    );
    let families = obligation(&corrected, "board_notifies_families");
    assert_eq!(
        families["due_at"], "2026-04-22T23:59:59-04:00",
        "{families}"
    );
    // The contractor's notice is completed by the event, so at its new time.
    let contractor = obligation(&corrected, "contractor_notifies_board");
    assert_eq!(
        contractor["completed_at"], "2026-04-20T10:00:00-04:00",
        "{contractor}"
    );
    // The reminders planned for the old due time are cancelled; new ones
    // are planned for the new one.
    let reminders = families["reminders"].as_array().unwrap();
    for reminder in reminders {
        if planned_before.contains(&reminder["planned_at"].as_str().unwrap().to_owned()) {
            assert_ne!(reminder["state"], "planned", "{reminder}");
        }
    }
    assert!(
        reminders.iter().any(|r| r["state"] == "planned"),
        "{reminders:?}"
    );
    // A reminder already sent stays in the record as sent.
    let still = reminders
        .iter()
        .find(|r| r["planned_at"] == sent_before)
        .expect("the sent reminder is still listed");
    assert_eq!(still["state"], "sent", "{still}");

    // The evidence's timeline shows the correction with both times and why.
    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200);
    let correction = evidence["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["action"] == "event_corrected")
        .expect("the correction is in the audit log");
    assert_eq!(
        correction["details"]["reason"],
        "the vendor's letter was dated the 20th"
    );
    assert!(correction["details"]["from"].is_string());

    // An event never recorded is recorded, not corrected.
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/events/families_notified/correct"),
            ADMIN,
            &body,
        )
        .await;
    assert_eq!(status, 409);
    app.stop().await;
}

#[tokio::test]
async fn a_duty_with_no_fixed_time_is_reminded_at_once_and_then_on_its_cadence() {
    // 815 ILCS 530/12(a) sets no number of days: the duty is due now, so the
    // reminders say so at once and every `escalation.asap_every` (24 h by
    // default) until it is completed.
    let smtp = common::smtp::SmtpServer::start();
    let config = illinois().smtp(&smtp.url()).layer(
        r#"
[server]
public_url = "https://breachd.example.org/"
[contacts]
privacy_officer = ["po@district.example"]
"#,
    );
    let app = spawn_app_with("2026-03-02T10:00:00-06:00", &config).await;
    let incident = app.file(&own_breach()).await;
    let residents = obligation(&incident, "entity_notifies_residents");
    let id = residents["id"].as_str().unwrap().to_owned();
    let about = |messages: &[common::smtp::Received]| {
        messages
            .iter()
            .filter(|m| {
                m.header("X-Breachd-Obligation")
                    .is_some_and(|ids| ids.split(", ").any(|one| one == id))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    let first = smtp
        .wait_for("the first reminder", |m| !about(m).is_empty())
        .await;
    let first = &about(&first)[0];
    assert!(first.subject.starts_with("DUE NOW:"), "{}", first.subject);
    assert!(first.subject.contains("as soon as practicable"));
    assert!(first.body.contains("it is due now"), "{}", first.body);
    assert!(!first.subject.contains("[late]"));
    // A link to the page where the person acts, and no API route.
    let incident_id = incident["id"].as_str().unwrap();
    assert!(
        first.body.contains(&format!(
            "Incident page: https://breachd.example.org/incidents/{incident_id}"
        )),
        "{}",
        first.body
    );
    assert!(!first.body.contains("/api/v1"), "{}", first.body);
    // A day on, the next point of the cadence.
    app.advance_to("2026-03-03T09:05:00-06:00");
    smtp.wait_for("the second reminder", |m| about(m).len() >= 2)
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_delay_recorded_later_holds_the_clock_until_it_ends() {
    // 105 ILCS 85/27(d) (us-il/school-notifies-families/30d: pause, then
    // promptly; a written request): recorded after filing through the events
    // route, with its details beside the event.
    let app = spawn_app_with("2026-03-05T12:00:00-06:00", &illinois()).await;
    let incident = app
        .file(&json!({
            "title": "Vendor breach",
            "contractor": "Gradebook Co",
            "discovered_at": "2026-03-02T09:00:00-06:00",
            "board_notified_at": "2026-03-03T09:00:00-06:00",
            "data_elements": ["student_name", "grades"],
        }))
        .await;
    let id = incident["id"].as_str().unwrap();
    assert_eq!(
        obligation(&incident, "school_notifies_families")["status"],
        "open"
    );
    let events = format!("/api/v1/incidents/{id}/events");
    let (status, problem) = app
        .post(
            &events,
            REPORTER,
            &json!({"kind": "board_notified", "at": "2026-03-03T09:00:00-06:00", "delay": {"agency": "x", "written": true}}),
        )
        .await;
    assert_eq!(
        status, 422,
        "a delay's details go only with delay_requested: {problem}"
    );
    let (status, held) = app
        .post(
            &events,
            REPORTER,
            &json!({"kind": "delay_requested", "at": "2026-03-04T10:00:00-06:00",
                    "delay": {"agency": "the state police", "written": true}}),
        )
        .await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(
        obligation(&held, "school_notifies_families")["status"],
        "on_hold",
        "{held}"
    );
    let (status, ended) = app
        .post(
            &events,
            REPORTER,
            &json!({"kind": "delay_ended", "at": "2026-03-05T10:00:00-06:00"}),
        )
        .await;
    assert_eq!(status, 201, "{ended}");
    let families = obligation(&ended, "school_notifies_families");
    // Pause, then promptly: due now, with no fixed time, once it ends.
    assert_eq!(families["status"], "open", "{families}");
    assert!(families["due_at"].is_null(), "{families}");
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_as_it_was_sent_not_as_it_would_be_after_cleaning() {
    let app = spawn_app_with("2026-04-21T09:00:00-04:00", &TestConfig::new()).await;
    let incident = app.file(&connecticut_vendor_breach()).await;
    let families = obligation(&incident, "board_notifies_families")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A reason of 5,000 characters plus spaces is over the limit as sent.
    let padded = format!("{}   ", "x".repeat(5000));
    let (status, problem) = app
        .post(
            &format!("/api/v1/obligations/{families}/waive"),
            ADMIN,
            &json!({"reason": padded}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    // A JSON null is not an object (no body at all would complete it now).
    let (status, _) = app
        .post(
            &format!("/api/v1/obligations/{families}/complete"),
            ADMIN,
            &Value::Null,
        )
        .await;
    assert_eq!(status, 422);
    // A completion dated before the clock started would make a late notice
    // look on time.
    let (status, problem) = app
        .post(
            &format!("/api/v1/obligations/{families}/complete"),
            ADMIN,
            &json!({"at": "2026-04-13T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "at");
    // A control character (it would break the Atom feed) and a key named twice.
    let mut body = connecticut_vendor_breach();
    body["title"] = json!("Breach\u{0}");
    let (status, problem) = app.post("/api/v1/incidents", REPORTER, &body).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "title");
    let response = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(REPORTER)
        .header("content-type", "application/json")
        .body(r#"{"title": "a", "title": "b", "discovered_at": "2026-04-13T09:00:00-04:00", "data_elements": ["grades"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("twice"),
        "{problem}"
    );
    // Nothing above stored a second incident or settled the obligation.
    let (_, listed) = app.get("/api/v1/incidents", ADMIN).await;
    assert_eq!(listed["incidents"].as_array().unwrap().len(), 1);
    let (_, read) = app
        .get(&format!("/api/v1/obligations/{families}"), ADMIN)
        .await;
    assert!(
        read["completed_at"].is_null() && read["waived_at"].is_null(),
        "{read}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_forbidden_call_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/incidents",
        "/api/v1/obligations/00000000-0000-0000-0000-000000000000/waive",
    ] {
        let response = app
            .client
            .post(app.url(path))
            .bearer_auth(common::VIEWER)
            .header("content-type", "application/json")
            .body("{ not json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}: the role, not the body");
    }
    app.stop().await;
}

#[tokio::test]
async fn query_and_method_errors_are_problems_naming_what_is_wrong() {
    let app = spawn_app().await;
    let (status, problem) = app.get("/api/v1/obligations?limit=1&limit=2", ADMIN).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "limit", "{problem}");
    let response = app
        .client
        .delete(app.url("/api/v1/incidents"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().contains_key("allow"));
    app.stop().await;
}

#[tokio::test]
async fn api_notices_and_errors_carry_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/api/v1/incidents", "/notices/", "/no-such-route", "/livez"] {
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(ADMIN)
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("strict-transport-security"), "{path}");
    }
    let plain = app.client.get(app.url("/livez")).send().await.unwrap();
    assert!(!plain.headers().contains_key("strict-transport-security"));
    app.stop().await;
}

/// A pack with an order between duties and a deadline a filing extends, as
/// the New Jersey and Florida laws have (their packs are still to come; this
/// one exercises the shapes only).
const ORDERED_PACK: &str = r#"
jurisdiction = "US-ZZ"
name = "Testland"

[[kind]]
id = "district_reports_to_state_police"
title = "District reports the breach to the State Police"
party = "district"
recipient = "the State Police"
completed_by = "state_police_notified"

[[kind]]
id = "entity_notifies_residents"
title = "District notifies affected residents"
party = "district"
recipient = "the affected residents"
completed_by = "residents_notified"

[[rule]]
id = "zz/police/asap"
kind = "district_reports_to_state_police"
clock = "discovered"
due_kind = "as_soon_as_practicable"
effective_from = "2020-01-01"
citation = "Testland Code § 1"
source_url = "https://example.org/1"
description = "Before the residents."
verified = false
note = "A test rule."

[[rule]]
id = "zz/residents/30d"
kind = "entity_notifies_residents"
clock = "discovered"
within = "30d"
after = "district_reports_to_state_police"
effective_from = "2020-01-01"
citation = "Testland Code § 2"
source_url = "https://example.org/2"
description = "After the State Police."
verified = false
note = "A test rule."
[rule.extension]
event = "extension_filed"
within = "15d"
citation = "Testland Code § 2(b)"
verified = false
note = "A test clause."
"#;

#[tokio::test]
async fn the_page_warns_when_a_duty_was_done_before_the_one_the_law_orders_first() {
    let rules = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(rules.path().join("us-zz.toml"), ORDERED_PACK).expect("the pack is written");
    let config = TestConfig::new().layer(&format!(
        "[district]\njurisdiction = \"US-ZZ\"\n[rules]\ndir = {:?}\n",
        rules.path().display().to_string()
    ));
    let app = spawn_app_with("2026-03-10T12:00:00-05:00", &config).await;
    let incident = app
        .file(&json!({
            "title": "Own systems breach",
            "own_systems": true,
            "discovered_at": "2026-03-02T09:00:00-05:00",
            "data_elements": ["student_name"],
            "events": {
                "residents_notified": "2026-03-05T09:00:00-05:00",
                "extension_filed": "2026-03-04T09:00:00-05:00",
            },
        }))
        .await;
    let residents = obligation(&incident, "entity_notifies_residents");
    let source = &residents["sources"][0];
    assert_eq!(
        source["after"], "district_reports_to_state_police",
        "{source}"
    );
    assert!(
        source["extension"]["extended_due_at"].is_string(),
        "{source}"
    );
    assert_eq!(
        source["due_at"], residents["due_at"],
        "the statutory time stays the deadline"
    );
    let id = incident["id"].as_str().unwrap();
    let signed = common::pages::sign_in(&app, ADMIN).await;
    let (_, html) = common::pages::get_page(&app, &signed, &format!("/incidents/{id}")).await;
    assert!(
        html.contains("which the law orders first"),
        "the page warns"
    );
    assert!(html.contains("Extended by a filing to"));
    app.stop().await;
}

#[tokio::test]
async fn guessing_tokens_is_slowed_down_per_address() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for _ in 0..15 {
        let (status, _) = app.get("/api/v1/incidents", "a-guess").await;
        statuses.push(status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[14], 429, "{statuses:?}");
    let response = app
        .client
        .get(app.url("/api/v1/incidents"))
        .bearer_auth("another-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    // The right token is never slowed: only failures count.
    let (status, _) = app.get("/api/v1/incidents", ADMIN).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn the_notices_folder_answers_before_the_first_notice() {
    let app = spawn_app().await;
    let index = app.client.get(app.url("/notices/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index
        .text()
        .await
        .unwrap()
        .contains("No notice has been published"));
    let missing = app
        .client
        .get(app.url("/notices/notice-nope.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    app.stop().await;
}
