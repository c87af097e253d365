//! Black-box tests of the HTTP API: the real daemon on port 0 against a
//! fresh SQLite file, exercised route by route.

mod common;

use common::*;
use serde_json::{json, Value};

fn report() -> Value {
    json!({
        "title": "SIS vendor unauthorized access",
        "description": "Vendor reported access to an export bucket",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-10T15:00:00-04:00",
        "data_elements": ["student_name", "home_address", "ssn", "grades"],
        "affected_students": 1200
    })
}

/// An incident body without the reminders, whose states move on their own
/// as the scheduler sends them.
fn without_reminders(mut incident: Value) -> Value {
    for obligation in incident["obligations"].as_array_mut().into_iter().flatten() {
        obligation.as_object_mut().unwrap().remove("reminders");
    }
    incident
}

async fn incident_count(app: &TestApp) -> usize {
    let (status, body) = app.get("/api/v1/incidents", VIEWER).await;
    assert_eq!(status, 200);
    body["incidents"].as_array().expect("a list").len()
}

#[tokio::test]
async fn filing_answers_the_deadlines_and_reading_gives_them_back() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(REPORTER)
        .json(&report())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let filed: Value = response.json().await.unwrap();
    let id = filed["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/incidents/{id}"));
    assert_eq!(
        filed["classification"]["classes"],
        json!(["directory_information", "student_information"])
    );

    let contractor = obligation(&filed, "contractor_notifies_board");
    assert_eq!(contractor["status"], "open");
    assert_eq!(contractor["due_at"], "2026-05-10T23:59:59-04:00");
    assert_eq!(contractor["sources"].as_array().unwrap().len(), 2);
    let families = obligation(&filed, "board_notifies_families");
    assert_eq!(families["status"], "pending");
    assert_eq!(families["due_at"], Value::Null);

    let (status, read) = app.get(&location, VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(without_reminders(read), without_reminders(filed));
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_files_once() {
    let app = spawn_app().await;
    let send = |key: &'static str, body: Value| {
        app.client
            .post(app.url("/api/v1/incidents"))
            .bearer_auth(REPORTER)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send("retry-1", report()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let second = send("retry-1", report()).await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(incident_count(&app).await, 1);

    let mut changed = report();
    changed["title"] = json!("another incident");
    let reused = send("retry-1", changed).await.unwrap();
    assert_eq!(reused.status(), 422);
    let problem: Value = reused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(incident_count(&app).await, 1);

    // Concurrent retries of one key still file once.
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let request = app
                .client
                .post(app.url("/api/v1/incidents"))
                .bearer_auth(REPORTER)
                .header("Idempotency-Key", "race")
                .json(&report());
            tokio::spawn(
                async move { request.send().await.unwrap().json::<Value>().await.unwrap() },
            )
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for racer in racers {
        ids.insert(racer.await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(incident_count(&app).await, 2);
}

#[tokio::test]
async fn every_api_route_wants_a_token_and_the_right_role() {
    let app = spawn_app().await;
    let filed = app.file(&report()).await;
    let id = filed["id"].as_str().unwrap();
    let obligation_id = obligation(&filed, "contractor_notifies_board")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let routes: Vec<(&str, String)> = vec![
        ("GET", "/api/v1/incidents".into()),
        ("POST", "/api/v1/incidents".into()),
        ("GET", format!("/api/v1/incidents/{id}")),
        ("POST", format!("/api/v1/incidents/{id}/events")),
        ("GET", "/api/v1/obligations".into()),
        ("GET", format!("/api/v1/obligations/{obligation_id}")),
        (
            "POST",
            format!("/api/v1/obligations/{obligation_id}/complete"),
        ),
        ("POST", format!("/api/v1/obligations/{obligation_id}/waive")),
        ("GET", "/api/v1/data-elements".into()),
    ];
    for (method, path) in &routes {
        for token in [None, Some("not-a-token")] {
            let mut request = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .json(&json!({}));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {token:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json"
            );
        }
    }
    // Role checks: a viewer may not file or record; a reporter may not settle.
    let forbidden = [
        (VIEWER, "/api/v1/incidents".to_owned(), report()),
        (
            VIEWER,
            format!("/api/v1/incidents/{id}/events"),
            json!({"kind": "board_notified", "at": "2026-04-15T10:00:00-04:00"}),
        ),
        (
            REPORTER,
            format!("/api/v1/obligations/{obligation_id}/complete"),
            json!({}),
        ),
        (
            REPORTER,
            format!("/api/v1/obligations/{obligation_id}/waive"),
            json!({"reason": "r"}),
        ),
        (
            VIEWER,
            format!("/api/v1/obligations/{obligation_id}/waive"),
            json!({"reason": "r"}),
        ),
    ];
    for (token, path, body) in forbidden {
        let (status, problem) = app.post(&path, token, &body).await;
        assert_eq!(status, 403, "{path}: {problem}");
    }
    // Nothing changed.
    let (_, read) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    assert_eq!(
        read["events"],
        json!({"discovered": "2026-04-10T15:00:00-04:00"})
    );
    assert_eq!(
        obligation(&read, "contractor_notifies_board")["status"],
        "open"
    );
    assert_eq!(incident_count(&app).await, 1);
}

#[tokio::test]
async fn bad_bodies_are_refused_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"title": "t", "discovered_at": "2026-04-10T15:00:00", "data_elements": ["ssn"]}),
            "discovered_at",
        ),
        (
            json!({"title": "", "discovered_at": "2026-04-10T15:00:00Z", "data_elements": ["ssn"]}),
            "title",
        ),
        (
            json!({"discovered_at": "2026-04-10T15:00:00Z", "data_elements": ["ssn"]}),
            "title",
        ),
        (
            json!({"title": "t", "discovered_at": "2026-04-10T15:00:00Z", "board_notified_at": "2026-04-09T15:00:00Z", "data_elements": ["ssn"]}),
            "board_notified_at",
        ),
        (
            json!({"title": "t", "discovered_at": "2026-04-10T15:00:00Z", "data_elements": []}),
            "data_elements",
        ),
        (
            json!({"title": "t", "discovered_at": "2026-04-10T15:00:00Z", "data_elements": ["ssn"], "affected_students": "many"}),
            "affected_students",
        ),
        (
            json!({"title": "t", "discovered_at": "2026-04-10T15:00:00Z", "data_elements": ["ssn"], "board_notifed_at": "2026-04-11T15:00:00Z"}),
            "board_notifed_at",
        ),
        (
            json!({"title": "t", "discovered_at": "2027-04-10T15:00:00Z", "data_elements": ["ssn"]}),
            "discovered_at",
        ),
        (json!(["not", "an", "object"]), "body"),
    ];
    for (body, field) in cases {
        let (status, problem) = app.post("/api/v1/incidents", REPORTER, &body).await;
        assert_eq!(status, 422, "{body}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} not named in {problem}");
    }
    let response = app
        .client
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(REPORTER)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    let huge = json!({"title": "t", "description": "x".repeat(1024 * 1024 + 10), "discovered_at": "2026-04-10T15:00:00Z", "data_elements": ["ssn"]});
    let (status, problem) = app.post("/api/v1/incidents", REPORTER, &huge).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(incident_count(&app).await, 0);
}

#[tokio::test]
async fn recording_the_board_notice_starts_the_board_clocks() {
    let app = spawn_app().await;
    let filed = app.file(&report()).await;
    let id = filed["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{id}/events");

    // Thursday 2026-04-16 14:00 → two business days: Monday 2026-04-20.
    let event = json!({"kind": "board_notified", "at": "2026-04-16T14:00:00-04:00"});
    let (status, updated) = app.post(&path, REPORTER, &event).await;
    assert_eq!(status, 201, "{updated}");
    assert_eq!(
        updated["events"]["board_notified"],
        "2026-04-16T14:00:00-04:00"
    );
    let contractor = obligation(&updated, "contractor_notifies_board");
    assert_eq!(contractor["status"], "done");
    assert_eq!(
        contractor["id"],
        obligation(&filed, "contractor_notifies_board")["id"],
        "ids are stable"
    );
    for kind in ["board_notifies_families", "board_posts_website_notice"] {
        let o = obligation(&updated, kind);
        assert_eq!(o["due_at"], "2026-04-20T23:59:59-04:00", "{kind}");
        assert_eq!(o["status"], "open", "{kind}");
        assert_eq!(o["clock_started_at"], "2026-04-16T14:00:00-04:00");
    }

    // The same event again is a harmless retry; another time is a conflict.
    let (status, _) = app.post(&path, REPORTER, &event).await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .post(
            &path,
            REPORTER,
            &json!({"kind": "board_notified", "at": "2026-04-17T14:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");

    for (body, field) in [
        (
            json!({"kind": "moon_landing", "at": "2026-04-17T14:00:00-04:00"}),
            "kind",
        ),
        (
            json!({"kind": "families_notified", "at": "2026-04-17T14:00:00"}),
            "at",
        ),
        (json!({"kind": "families_notified"}), "at"),
        (
            json!({"kind": "families_notified", "at": "2026-04-01T14:00:00-04:00"}),
            "at",
        ),
        (
            json!({"kind": "discovered", "at": "2026-04-11T14:00:00-04:00"}),
            "kind",
        ),
    ] {
        let (status, problem) = app.post(&path, REPORTER, &body).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let (status, _) = app
        .post(
            "/api/v1/incidents/00000000-0000-0000-0000-000000000000/events",
            REPORTER,
            &event,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/v1/incidents/not-a-uuid", VIEWER).await;
    assert_eq!(status, 404);

    // A completing event settles its obligation.
    let (_, updated) = app
        .post(
            &path,
            REPORTER,
            &json!({"kind": "families_notified", "at": "2026-04-17T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(
        obligation(&updated, "board_notifies_families")["status"],
        "done"
    );
}

#[tokio::test]
async fn obligations_across_incidents_soonest_first_then_completed_and_waived() {
    let app = spawn_app().await;
    let late = app
        .file(&json!({"title": "old", "contractor": "Old Vendor", "discovered_at": "2026-03-01T09:00:00-05:00", "data_elements": ["grades"]}))
        .await;
    let soon = app
        .file(&json!({"title": "new", "contractor": "New Vendor", "discovered_at": "2026-04-15T09:00:00-04:00", "data_elements": ["student_name"]}))
        .await;
    let (status, listing) = app
        .get("/api/v1/obligations?status=open,overdue", VIEWER)
        .await;
    assert_eq!(status, 200);
    let rows = listing["obligations"].as_array().unwrap();
    let dues: Vec<&str> = rows.iter().map(|o| o["due_at"].as_str().unwrap()).collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted);
    assert_eq!(rows[0]["status"], "overdue");
    assert_eq!(rows[0]["incident_title"], "old");

    let (_, overdue_only) = app.get("/api/v1/obligations?status=overdue", VIEWER).await;
    assert!(overdue_only["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["status"] == "overdue"));
    let (_, before) = app
        .get(
            "/api/v1/obligations?status=open&due_before=2026-05-01T00:00:00Z",
            VIEWER,
        )
        .await;
    assert!(before["obligations"].as_array().unwrap().is_empty());
    let (status, problem) = app.get("/api/v1/obligations?status=opne", VIEWER).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("status"))
    );
    let (status, _) = app
        .get("/api/v1/obligations?due_before=2026-05-01", VIEWER)
        .await;
    assert_eq!(status, 422);

    let overdue_id = obligation(&late, "contractor_notifies_board")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, completed) = app
        .post(
            &format!("/api/v1/obligations/{overdue_id}/complete"),
            ADMIN,
            &json!({"at": "2026-04-20T09:00:00-04:00", "note": "vendor letter received"}),
        )
        .await;
    assert_eq!(status, 200, "{completed}");
    assert_eq!(completed["status"], "late");
    assert_eq!(completed["completion_note"], "vendor letter received");
    let (status, _) = app
        .post(
            &format!("/api/v1/obligations/{overdue_id}/complete"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(status, 409);

    let open_id = obligation(&soon, "contractor_notifies_board")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, problem) = app
        .post(
            &format!("/api/v1/obligations/{open_id}/waive"),
            ADMIN,
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].clone()),
        (422, json!("reason"))
    );
    let (status, waived) = app
        .post(
            &format!("/api/v1/obligations/{open_id}/waive"),
            ADMIN,
            &json!({"reason": "counsel: no PII"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(waived["status"], "waived");
    let (status, _) = app
        .post(
            "/api/v1/obligations/00000000-0000-0000-0000-000000000000/waive",
            ADMIN,
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 404);

    let (_, listing) = app
        .get("/api/v1/obligations?status=open,overdue", VIEWER)
        .await;
    assert!(
        listing["obligations"].as_array().unwrap().is_empty(),
        "{listing}"
    );
    let (_, done) = app
        .get("/api/v1/obligations?status=late,waived", VIEWER)
        .await;
    assert_eq!(done["obligations"].as_array().unwrap().len(), 2);

    let (_, open_incidents) = app.get("/api/v1/incidents?status=open", VIEWER).await;
    // Both still have pending board obligations.
    assert_eq!(open_incidents["incidents"].as_array().unwrap().len(), 2);
    let (status, _) = app.get("/api/v1/incidents?status=sideways", VIEWER).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn the_taxonomy_is_served() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/data-elements", VIEWER).await;
    assert_eq!(status, 200);
    let photo = body["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "photograph")
        .unwrap();
    assert_eq!(photo["class"], "directory_information");
    assert!(photo["aliases"]
        .as_array()
        .unwrap()
        .contains(&json!("student photo")));
}

#[tokio::test]
async fn unknown_elements_are_flagged_not_refused() {
    let app = spawn_app().await;
    let filed = app
        .file(&json!({"title": "t", "discovered_at": "2026-04-10T15:00:00-04:00", "data_elements": ["cafeteria_badge_hash"]}))
        .await;
    assert_eq!(
        filed["classification"]["needs_review"],
        json!(["cafeteria_badge_hash"])
    );
    assert_eq!(
        obligation(&filed, "contractor_notifies_board")["due_at"],
        "2026-05-10T23:59:59-04:00"
    );
}

#[tokio::test]
async fn health_endpoints_are_public() {
    let app = spawn_app().await;
    for path in ["/livez", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let response = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let app = spawn_app().await;
    let filed = app.file(&report()).await;
    let now = breachd::clock::Clock::now(&app.clock);
    let dir = app.stop().await;
    // A graceful stop checkpoints SQLite's WAL into the database file
    // (checkpoints otherwise run in the background, once a second).
    let wal = std::fs::metadata(dir.join("breachd.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL is emptied at shutdown");
    let app = spawn_app_in(&dir, now, &TestConfig::new()).await;
    let (status, read) = app
        .get(
            &format!("/api/v1/incidents/{}", filed["id"].as_str().unwrap()),
            VIEWER,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(without_reminders(read), without_reminders(filed));
}
