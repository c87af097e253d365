//! The vendor registry on the real daemon: registering, reading and
//! changing vendors (admin writes, every role reads, bad input refused
//! naming each field with nothing stored), and the agreement's
//! breach-notice clause feeding the contractor's notice of an incident
//! that names the vendor by an alias.

mod common;

use common::{obligation, spawn_app_at, ADMIN, REPORTER, VIEWER};
use serde_json::{json, Value};

fn acme() -> Value {
    json!({
        "name": "Acme Learning, Inc.",
        "aliases": ["ACME SIS"],
        "contacts": ["privacy@acme.example"],
        "services": "Student information system",
        "data_elements": ["student_name", "grades"],
        "agreement": {
            "kind": "dpa",
            "status": "signed",
            "signed_at": "2025-08-01",
            "expires_at": "2027-06-30",
            "breach_notice": {"within": "48h", "clock": "discovered", "citation": "DPA § 7"}
        }
    })
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn vendors_are_registered_read_and_changed() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;

    let (status, created) = app.post("/api/v1/vendors", ADMIN, &acme()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(created["agreement"]["signed_at"], "2025-08-01");
    assert_eq!(created["agreement"]["in_force"], true);
    assert_eq!(created["agreement"]["breach_notice"]["within"], "48h");

    let (status, one) = app.get(&format!("/api/v1/vendors/{id}"), VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "Acme Learning, Inc.");
    let (status, list) = app.get("/api/v1/vendors", VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(list["vendors"].as_array().map(Vec::len), Some(1));

    // Only an admin writes.
    for token in [VIEWER, REPORTER] {
        let (status, _) = app.post("/api/v1/vendors", token, &acme()).await;
        assert_eq!(status, 403);
    }
    // The same company under another spelling is one vendor.
    let mut again = acme();
    again["name"] = json!("acme learning LLC");
    again["aliases"] = json!([]);
    let (status, problem) = app.post("/api/v1/vendors", ADMIN, &again).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(fields(&problem), ["name"]);

    // A replacement: the agreement expired.
    let mut changed = acme();
    changed["agreement"]["status"] = json!("expired");
    let response = app
        .client
        .put(app.url(&format!("/api/v1/vendors/{id}")))
        .bearer_auth(ADMIN)
        .json(&changed)
        .send()
        .await
        .expect("request sent");
    let (status, updated) = common::split(response).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["agreement"]["status"], "expired");
    assert_eq!(updated["agreement"]["in_force"], false);
    let (status, _) = app.get(&format!("/api/v1/vendors/{}", uuid_zero()), VIEWER).await;
    assert_eq!(status, 404);
    app.stop().await;
}

fn uuid_zero() -> &'static str {
    "00000000-0000-0000-0000-000000000000"
}

#[tokio::test]
async fn bad_input_is_refused_naming_each_field_and_nothing_is_stored() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let bad = json!({
        "aliases": ["ok", ""],
        "data_elements": ["student_name", "favourite_colour"],
        "colour": "blue",
        "agreement": {
            "kind": "handshake",
            "status": "signed",
            "signed_at": "2025-13-01",
            "expires_at": "2025-06-01T00:00:00Z",
            "breach_notice": {"within": "two days", "clock": "lunch"}
        }
    });
    let (status, problem) = app.post("/api/v1/vendors", ADMIN, &bad).await;
    assert_eq!(status, 422, "{problem}");
    let named = fields(&problem);
    for field in [
        "name",
        "aliases[1]",
        "data_elements[1]",
        "colour",
        "agreement.kind",
        "agreement.signed_at",
        "agreement.expires_at",
        "agreement.breach_notice.within",
        "agreement.breach_notice.clock",
        "agreement.breach_notice.citation",
    ] {
        assert!(named.iter().any(|f| f == field), "{field} not named in {problem}");
    }
    let (_, list) = app.get("/api/v1/vendors", VIEWER).await;
    assert_eq!(list["vendors"], json!([]), "nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn a_vendor_s_48_hour_clause_stands_beside_the_statute_s_30_and_60_days() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let (status, vendor) = app.post("/api/v1/vendors", ADMIN, &acme()).await;
    assert_eq!(status, 201, "{vendor}");
    let vendor_id = vendor["id"].as_str().expect("an id");

    // Named by its alias, spelt another way.
    let incident = app
        .file(&json!({
            "title": "SIS vendor unauthorized access",
            "contractor": "Acme-SIS, LLC",
            "discovered_at": "2026-04-18T09:00:00-04:00",
            "data_elements": ["student_name", "grades"]
        }))
        .await;
    let notice = obligation(&incident, "contractor_notifies_board");
    let sources = notice["sources"].as_array().expect("sources");
    let rules: Vec<&str> = sources.iter().filter_map(|s| s["rule"].as_str()).collect();
    assert!(
        rules.contains(&format!("vendor/{vendor_id}/contractor_notifies_board/48h").as_str()),
        "{rules:?}"
    );
    assert!(rules.contains(&"us-ct/contractor-notifies-board/30d"), "{rules:?}");
    let clause = sources
        .iter()
        .find(|s| s["rule"].as_str().is_some_and(|r| r.starts_with("vendor/")))
        .expect("the clause's source");
    assert_eq!(clause["due_at"], "2026-04-20T09:00:00-04:00");
    assert_eq!(clause["citation"], "Acme Learning, Inc.: DPA § 7");
    // The earliest wins.
    assert_eq!(notice["due_at"], "2026-04-20T09:00:00-04:00");

    // An unregistered contractor gets the statute alone.
    let other = app
        .file(&json!({
            "title": "Another vendor",
            "contractor": "Globex Corp",
            "discovered_at": "2026-04-18T09:00:00-04:00",
            "data_elements": ["student_name"]
        }))
        .await;
    let notice = obligation(&other, "contractor_notifies_board");
    assert!(notice["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .all(|s| !s["rule"].as_str().unwrap_or_default().starts_with("vendor/")));
    app.stop().await;
}
