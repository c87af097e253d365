//! The rest of the vendor registry on the real daemon: the signed agreement
//! document (uploaded as multipart, stored with its SHA-256, downloaded by
//! every role, linked from the public list of agreements only when
//! publishable), the public list rewritten when an agreement expires by the
//! clock moving (no vendor edited), and the reminder to the privacy officer
//! of an agreement nearing expiry.

mod common;

use common::{spawn_app_at, TestApp, ADMIN, REPORTER, VIEWER};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

async fn register(app: &TestApp, name: &str, expires_at: &str) -> String {
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({
                "name": name,
                "services": format!("{name} service"),
                "contacts": ["Jane Roe <jane.roe@vendor.example>"],
                "agreement": {"kind": "dpa", "status": "signed",
                              "signed_at": "2025-08-01", "expires_at": expires_at}
            }),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    vendor["id"].as_str().expect("an id").to_owned()
}

async fn upload(
    app: &TestApp,
    token: &str,
    id: &str,
    file: &[u8],
    publishable: bool,
) -> (u16, Value) {
    let (content_type, body) = common::multipart::document(file, publishable, None);
    let response = app
        .client
        .post(app.url(&format!("/api/v1/vendors/{id}/document")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    common::split(response).await
}

#[tokio::test]
async fn the_signed_agreement_is_stored_with_its_sha256_and_published_only_when_allowed() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let public = register(&app, "Acme Learning", "2027-06-30").await;
    let private = register(&app, "Globex Tutoring", "2027-06-30").await;
    let file = b"%PDF-1.4\n% the signed data privacy agreement\n%%EOF\n";
    let sha256 = hex::encode(Sha256::digest(file));

    let (status, stored) = upload(&app, ADMIN, &public, file, true).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["sha256"], sha256.as_str());
    assert_eq!(stored["size"], file.len());
    assert_eq!(stored["file_name"], "signed DPA.pdf");
    let (status, _) = upload(&app, ADMIN, &private, b"not for the public", false).await;
    assert_eq!(status, 201);
    // Only an admin uploads; nothing there is an error naming the part.
    let (status, _) = upload(&app, REPORTER, &public, file, true).await;
    assert_eq!(status, 403);
    let (status, problem) = upload(&app, ADMIN, &public, b"", true).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");

    // Every role downloads it, byte for byte.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/vendors/{public}/document")))
        .bearer_auth(VIEWER)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-content-sha256"].to_str().unwrap(),
        sha256
    );
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), file);

    // The public list links the publishable one, and only that one.
    let page = app.get_text("/notices/agreements/").await;
    assert!(page.contains(&sha256), "{page}");
    let href = format!("documents/{public}-{}.pdf", &sha256[..16]);
    assert!(page.contains(&href), "{page}");
    assert_eq!(page.matches("The signed agreement").count(), 1, "{page}");
    let published = app
        .client
        .get(app.url(&format!("/notices/agreements/{href}")))
        .send()
        .await
        .expect("request sent");
    assert_eq!(published.status(), 200);
    assert_eq!(published.bytes().await.unwrap().as_ref(), file);
    assert!(!page.contains("jane.roe@vendor.example"));
    app.stop().await;
}

#[tokio::test]
async fn an_agreement_that_expires_by_the_clock_leaves_the_public_list_and_was_reminded_of() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    register(&app, "Acme Learning", "2027-06-30").await;
    register(&app, "Soon Expired Co", "2026-05-10").await;
    let page = app.get_text("/notices/agreements/").await;
    assert!(page.contains("Soon Expired Co"), "{page}");

    // 2026-05-10 is within the default thirty days: the day's run (at
    // start-up, then after each midnight) reminds the privacy officer, once.
    app.advance_to("2026-04-21T00:05:00-04:00");
    let reminder = wait_for_outbox(&app, "agreement-expiry", 1).await;
    assert!(reminder.contains("privacy@example.org"), "{reminder}");
    assert!(reminder.contains("Soon Expired Co"), "{reminder}");
    assert!(reminder.contains("May 10, 2026"), "{reminder}");
    assert!(!reminder.contains("Acme Learning"), "only the one expiring");

    // The day after its expiry, without anyone editing the vendor, the
    // list drops it.
    app.advance_to("2026-05-11T00:05:00-04:00");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = app.get_text("/notices/agreements/").await;
        if !page.contains("Soon Expired Co") {
            assert!(page.contains("Acme Learning"), "{page}");
            break;
        }
        assert!(Instant::now() < deadline, "still listed: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every day in between looked at it; it was reminded of once.
    assert_eq!(outbox(&app, "agreement-expiry").len(), 1);
    app.stop().await;
}

/// The outbox's messages of one `X-Breachd-Kind`.
fn outbox(app: &TestApp, kind: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(app.dir.join("outbox")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .filter(|text| text.contains(&format!("X-Breachd-Kind: {kind}")))
        .collect()
}

async fn wait_for_outbox(app: &TestApp, kind: &str, count: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let messages = outbox(app, kind);
        if messages.len() >= count {
            return messages.join("\n");
        }
        assert!(Instant::now() < deadline, "no {kind} message in the outbox");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_administrator_changes_a_vendor_from_its_page_and_bad_input_saves_nothing() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let id = register(&app, "Acme Learning", "2027-06-30").await;
    let path = format!("/vendors/{id}/edit");
    let viewer = common::pages::sign_in(&app, VIEWER).await;
    let (status, _) = common::pages::get_page(&app, &viewer, &path).await;
    assert_eq!(status, 403, "only an administrator changes vendors");
    let admin = common::pages::sign_in(&app, ADMIN).await;
    let (status, form) = common::pages::get_page(&app, &admin, &path).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("value=\"2027-06-30\""), "{form}");

    let send = |fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf", admin.csrf.clone()));
        common::pages::client()
            .post(app.url(&path))
            .header(reqwest::header::COOKIE, &admin.cookie)
            .form(&fields)
            .send()
    };
    let good = |expires: &str| {
        vec![
            ("name", "Acme Learning".to_owned()),
            ("aliases", "ACME SIS\nAcme Reading".to_owned()),
            ("services", "Reading assessments".to_owned()),
            ("data_elements", "student_name, grades".to_owned()),
            ("agreement.kind", "dpa".to_owned()),
            ("agreement.status", "signed".to_owned()),
            ("agreement.signed_at", "2025-08-01".to_owned()),
            ("agreement.expires_at", expires.to_owned()),
            ("agreement.breach_notice.within", "48h".to_owned()),
            ("agreement.breach_notice.citation", "DPA § 7".to_owned()),
        ]
    };
    // Expiry before signing: refused beside the field, nothing saved.
    let response = send(good("2024-01-01")).await.expect("request sent");
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("a page");
    assert!(page.contains("Nothing was saved"), "{page}");
    assert!(page.contains("must not be before"), "{page}");
    let (_, vendor) = app.get(&format!("/api/v1/vendors/{id}"), VIEWER).await;
    assert_eq!(vendor["agreement"]["expires_at"], "2027-06-30");
    assert_eq!(vendor["aliases"], json!([]));

    let response = send(good("2028-06-30")).await.expect("request sent");
    assert_eq!(response.status(), 303);
    let (_, vendor) = app.get(&format!("/api/v1/vendors/{id}"), VIEWER).await;
    assert_eq!(vendor["agreement"]["expires_at"], "2028-06-30");
    assert_eq!(vendor["aliases"], json!(["ACME SIS", "Acme Reading"]));
    assert_eq!(vendor["data_elements"], json!(["student_name", "grades"]));
    assert_eq!(vendor["agreement"]["breach_notice"]["within"], "48h");
    // A form without this session's token changes nothing.
    let response = common::pages::client()
        .post(app.url(&path))
        .header(reqwest::header::COOKIE, &admin.cookie)
        .form(&[("name", "Renamed"), ("csrf", "00")])
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 403);
    app.stop().await;
}
