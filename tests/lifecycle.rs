//! Closing a report early: withdrawn with a reason, or merged into the
//! first report of the same breach. Every open duty is waived with a reason
//! that says so, its reminders stop, and the incident reads as closed.

mod common;

use common::*;
use serde_json::{json, Value};

fn report(title: &str) -> Value {
    json!({
        "title": title,
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

fn open_duties(incident: &Value) -> Vec<&Value> {
    incident["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| !["done", "late", "waived"].contains(&o["status"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_duplicate_is_merged_and_a_mistake_withdrawn() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let first = app.file(&report("Gradebook vendor breach")).await;
    let duplicate = app.file(&report("Gradebook breach (second report)")).await;
    let mistake = app.file(&report("Test report")).await;
    let (first, duplicate, mistake) = (
        first["id"].as_str().unwrap().to_owned(),
        duplicate["id"].as_str().unwrap().to_owned(),
        mistake["id"].as_str().unwrap().to_owned(),
    );

    // Refusals name the field and change nothing.
    let merge = format!("/api/v1/incidents/{duplicate}/merge");
    let (status, problem) = app.post(&merge, ADMIN, &json!({"into": duplicate})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("into"))
    );
    let (status, _) = app.post(&merge, REPORTER, &json!({"into": first})).await;
    assert_eq!(status, 403);
    let withdraw = format!("/api/v1/incidents/{mistake}/withdraw");
    let (status, problem) = app.post(&withdraw, ADMIN, &json!({"reason": "  "})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (_, still) = app
        .get(&format!("/api/v1/incidents/{mistake}"), VIEWER)
        .await;
    assert!(
        !open_duties(&still).is_empty(),
        "a refused close waives nothing"
    );

    // The duplicate: every open duty waived, naming the first report.
    let (status, merged) = app
        .post(
            &merge,
            ADMIN,
            &json!({"into": first, "reason": "Same vendor export"}),
        )
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["status"], "closed", "{merged}");
    assert!(open_duties(&merged).is_empty());
    for obligation in merged["obligations"].as_array().unwrap() {
        if obligation["status"] == "waived" {
            assert_eq!(
                obligation["waive_reason"],
                "Merged into the incident \"Gradebook vendor breach\", which tracks the same breach: Same vendor export"
            );
            for reminder in obligation["reminders"].as_array().unwrap() {
                assert_ne!(reminder["state"], "planned", "reminders stop: {reminder}");
            }
        }
    }
    // The first report is untouched.
    let (_, kept) = app.get(&format!("/api/v1/incidents/{first}"), VIEWER).await;
    assert_eq!(kept["status"], "open");

    // The mistake: withdrawn with its reason.
    let (status, withdrawn) = app
        .post(
            &withdraw,
            ADMIN,
            &json!({"reason": "Filed in error: a test of the form"}),
        )
        .await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["status"], "closed");
    assert!(withdrawn["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["waive_reason"] == "Withdrawn: Filed in error: a test of the form"));
    // Closing again finds nothing left to waive, and says nothing new.
    let (status, again) = app
        .post(&withdraw, ADMIN, &json!({"reason": "again"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["obligations"], withdrawn["obligations"]);
}

#[tokio::test]
async fn closed_incidents_are_found_on_the_incidents_page() {
    use common::pages::{get_page, sign_in};
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let kept = app.file(&report("Gradebook vendor breach")).await;
    let closed = app.file(&report("Bus routing test report")).await;
    let closed_id = closed["id"].as_str().unwrap();
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{closed_id}/withdraw"),
            ADMIN,
            &json!({"reason": "a test"}),
        )
        .await;
    assert_eq!(status, 200);
    let viewer = sign_in(&app, VIEWER).await;

    let (status, all) = get_page(&app, &viewer, "/incidents").await;
    assert_eq!(status, 200);
    assert!(all.contains("Gradebook vendor breach") && all.contains("Bus routing test report"));
    let (_, only_closed) = get_page(&app, &viewer, "/incidents?status=closed").await;
    assert!(
        only_closed.contains("Bus routing test report"),
        "{only_closed}"
    );
    assert!(
        !only_closed.contains("Gradebook vendor breach"),
        "{only_closed}"
    );
    assert!(only_closed.contains(">Closed<"), "{only_closed}");
    // Words of the title or the vendor, any case; and the filing date.
    let (_, found) = get_page(&app, &viewer, "/incidents?q=GRADEBOOK+vendor").await;
    assert!(found.contains(kept["id"].as_str().unwrap()) && !found.contains(closed_id));
    let (_, none) = get_page(&app, &viewer, "/incidents?from=2026-04-22").await;
    assert!(none.contains("No incident matches."), "{none}");
    let (_, bad) = get_page(&app, &viewer, "/incidents?from=yesterday").await;
    assert!(bad.contains("The from date is not a date"), "{bad}");
}
