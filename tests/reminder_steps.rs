//! One email per person per step: the duties of an incident whose reminders
//! fall at the same step and instant go to each person in one message that
//! lists them all, and each duty's chain of reminders goes on.

mod common;

use common::smtp::SmtpServer;
use common::*;
use serde_json::json;

const PO: &str = "po@district.example";
const CTO: &str = "cto@district.example";

#[tokio::test]
async fn duties_of_one_step_go_in_one_message_per_person() {
    let smtp = SmtpServer::start();
    let config = TestConfig::new().smtp(&smtp.url()).layer(&format!(
        r#"
[contacts]
privacy_officer = ["{PO}"]
director_of_technology = ["{CTO}"]
superintendent = ["super@district.example"]
board = ["board@district.example"]
"#
    ));
    // Connecticut: the families' notice and the website posting are both
    // due two business days after the board was notified (Conn. Gen. Stat.
    // § 10-234dd; P.A. 17-200 § 2), so their steps fall at the same instants.
    let app = spawn_app_with("2026-04-20T09:00:00-04:00", &config).await;
    let incident = app
        .file(&json!({
            "title": "Gradebook vendor breach",
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-19T09:00:00-04:00",
            "board_notified_at": "2026-04-20T08:00:00-04:00",
            "data_elements": ["grades"]
        }))
        .await;
    let families = obligation(&incident, "board_notifies_families");
    let website = obligation(&incident, "board_posts_website_notice");
    assert_eq!(families["due_at"], website["due_at"], "same deadline");
    let (families_id, website_id) = (
        families["id"].as_str().unwrap().to_owned(),
        website["id"].as_str().unwrap().to_owned(),
    );
    smtp.wait_for("the privacy officer's first reminder", |messages| {
        messages.iter().any(|m| m.to.contains(&PO.to_owned()))
    })
    .await;
    // Wait until neither duty's first step is still planned (both were
    // handled, folded or not), then read every message the server has.
    let incident_id = incident["id"].as_str().unwrap().to_owned();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, now) = app
            .get(&format!("/api/v1/incidents/{incident_id}"), VIEWER)
            .await;
        let handled = ["board_notifies_families", "board_posts_website_notice"]
            .iter()
            .all(|kind| {
                obligation(&now, kind)["reminders"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["state"] == "sent")
            });
        if handled {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first steps were not handled: {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let messages = smtp.messages();
    let to_po: Vec<_> = messages
        .iter()
        .filter(|m| m.to.contains(&PO.to_owned()))
        .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("reminder"))
        .filter(|m| {
            m.header("X-Breachd-Obligation")
                .is_some_and(|ids| ids.contains(&families_id) || ids.contains(&website_id))
        })
        .collect();
    assert_eq!(to_po.len(), 1, "one message for the step: {to_po:#?}");
    let message = to_po[0];
    let ids = message.header("X-Breachd-Obligation").unwrap();
    assert!(
        ids.contains(&families_id) && ids.contains(&website_id),
        "{ids}"
    );
    assert!(
        message
            .subject
            .contains("2 duties for Gradebook vendor breach"),
        "{}",
        message.subject
    );
    for expected in [
        "Duty 1 of 2",
        "Duty 2 of 2",
        "Board notifies affected students and their parents or guardians",
        "Board posts a notice of the breach on its website",
    ] {
        assert!(
            message.body.contains(expected),
            "{expected}: {}",
            message.body
        );
    }
    // Both duties' reminders show as sent on the incident.
    let (_, now) = app
        .get(
            &format!("/api/v1/incidents/{}", incident["id"].as_str().unwrap()),
            VIEWER,
        )
        .await;
    for kind in ["board_notifies_families", "board_posts_website_notice"] {
        let reminders = obligation(&now, kind)["reminders"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            reminders.iter().any(|r| r["state"] == "sent"),
            "{kind}: {reminders:#?}"
        );
    }
}
