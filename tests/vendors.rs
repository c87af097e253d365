//! The vendor registry on the real daemon: registering, reading and
//! changing vendors (admin writes, every role reads, bad input refused
//! naming each field with nothing stored), and the agreement's
//! breach-notice clause feeding the contractor's notice of an incident
//! that names the vendor by an alias.

mod common;

use common::{obligation, pages, spawn_app_at, ADMIN, REPORTER, VIEWER};
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
    let (status, _) = app
        .get(&format!("/api/v1/vendors/{}", uuid_zero()), VIEWER)
        .await;
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
        assert!(
            named.iter().any(|f| f == field),
            "{field} not named in {problem}"
        );
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
    assert!(
        rules.contains(&"us-ct/contractor-notifies-board/30d"),
        "{rules:?}"
    );
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
        .all(|s| !s["rule"]
            .as_str()
            .unwrap_or_default()
            .starts_with("vendor/")));
    app.stop().await;
}

#[tokio::test]
async fn the_incident_page_flags_an_unregistered_vendor_and_a_missing_agreement() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let mut requested = acme();
    requested["agreement"] = json!({"kind": "dpa", "status": "requested"});
    let (status, vendor) = app.post("/api/v1/vendors", ADMIN, &requested).await;
    assert_eq!(status, 201, "{vendor}");
    let vendor_id = vendor["id"].as_str().expect("an id");
    let unsigned = app
        .file(&json!({
            "title": "Unsigned vendor",
            "contractor": "acme learning",
            "discovered_at": "2026-04-18T09:00:00-04:00",
            "data_elements": ["student_name"]
        }))
        .await;
    // A clause of an agreement not signed binds no one.
    assert!(
        obligation(&unsigned, "contractor_notifies_board")["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .all(|s| !s["rule"]
                .as_str()
                .unwrap_or_default()
                .starts_with("vendor/"))
    );
    let unknown = app
        .file(&json!({
            "title": "Unknown vendor",
            "contractor": "Globex Corp",
            "discovered_at": "2026-04-18T09:00:00-04:00",
            "data_elements": ["student_name"]
        }))
        .await;

    let signed = pages::sign_in(&app, VIEWER).await;
    let path = |incident: &Value| format!("/incidents/{}", incident["id"].as_str().expect("an id"));
    let (status, html) = pages::get_page(&app, &signed, &path(&unsigned)).await;
    assert_eq!(status, 200);
    assert!(html.contains("no DPA on file"), "{html}");
    assert!(
        html.contains(&format!("/vendors/{vendor_id}")),
        "links to the vendor"
    );
    assert!(!html.contains("register this vendor"));
    let (status, html) = pages::get_page(&app, &signed, &path(&unknown)).await;
    assert_eq!(status, 200);
    assert!(html.contains("register this vendor"), "{html}");

    let (status, html) = pages::get_page(&app, &signed, "/vendors").await;
    assert_eq!(status, 200);
    assert!(html.contains("Acme Learning, Inc."), "{html}");
    let (status, html) = pages::get_page(&app, &signed, &format!("/vendors/{vendor_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("requested, not signed"), "{html}");
    assert!(!html.contains(vendor_id), "no raw ids on the page");
    app.stop().await;
}

#[tokio::test]
async fn breachd_vendors_list_words_the_registry() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let (status, _) = app.post("/api/v1/vendors", ADMIN, &acme()).await;
    assert_eq!(status, 201);
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        common::daemon::breachd()
            .args(["vendors", "list", "--url", &base])
            .env("BREACHD_TOKEN", VIEWER)
            .output()
            .expect("the binary runs")
    })
    .await
    .expect("the blocking task ends");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Acme Learning, Inc.\n  data privacy agreement: signed 2025-08-01, expires 2027-06-30\n  breach notice: within 48 hours (DPA § 7)\n"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_public_list_of_agreements_holds_only_signed_unexpired_ones() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let (status, _) = app.post("/api/v1/vendors", ADMIN, &acme()).await;
    assert_eq!(status, 201);
    let vendor = |name: &str, agreement: Value| {
        json!({"name": name, "services": format!("{name} service"),
               "contacts": ["Jane Roe <jane@example.org>"], "agreement": agreement})
    };
    for body in [
        vendor(
            "Expired Co",
            json!({"kind": "contract", "status": "signed",
            "signed_at": "2020-01-01", "expires_at": "2026-04-19"}),
        ),
        vendor("Refusing Co", json!({"kind": "dpa", "status": "refused"})),
        vendor("Pending Co", json!({"kind": "dpa", "status": "requested"})),
        vendor(
            "Forever Co",
            json!({"kind": "terms_of_service", "status": "signed",
            "signed_at": "2024-09-01"}),
        ),
    ] {
        let (status, answer) = app.post("/api/v1/vendors", ADMIN, &body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let page = app.get_text("/notices/agreements/").await;
    assert!(page.contains("Acme Learning, Inc."), "{page}");
    assert!(page.contains("Data privacy agreement"), "{page}");
    assert!(page.contains("Forever Co"), "{page}");
    assert!(page.contains("no expiry date"), "{page}");
    for absent in [
        "Expired Co",
        "Refusing Co",
        "Pending Co",
        "Jane Roe",
        "jane@example.org",
        "privacy@acme.example",
    ] {
        assert!(
            !page.contains(absent),
            "{absent} on the public page: {page}"
        );
    }
    let feed = app.get_text("/notices/agreements/feed.atom").await;
    let parsed = atom_syndication::Feed::read_from(feed.as_bytes()).expect("a valid Atom feed");
    let titles: Vec<String> = parsed
        .entries()
        .iter()
        .map(|e| e.title().value.clone())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(
        titles.iter().any(|t| t.starts_with("Acme Learning, Inc.")),
        "{titles:?}"
    );
    assert!(!feed.contains("jane@example.org"));
    app.stop().await;
}
