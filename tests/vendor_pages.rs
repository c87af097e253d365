//! The vendor registry from the pages, on the real daemon: an
//! administrator registers a vendor at `/vendors/new` (the edit form's
//! fields, the API's parser: a bad field is shown beside it and nothing is
//! stored; a good form goes to the new vendor's page), and uploads its
//! signed agreement from the vendor's page (stored with its SHA-256 as the
//! API stores it, shown with its name, size and hash, downloadable, and on
//! the public list of agreements when publishable).

mod common;

use common::pages::{self, Signed};
use common::{spawn_app_at, TestApp, ADMIN, VIEWER};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

async fn vendors(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/api/v1/vendors", VIEWER).await;
    assert_eq!(status, 200, "{list}");
    list["vendors"].as_array().expect("a list").clone()
}

async fn post_form(
    app: &TestApp,
    signed: &Signed,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    pages::client()
        .post(app.url(path))
        .header(COOKIE, &signed.cookie)
        .form(fields)
        .send()
        .await
        .expect("request sent")
}

async fn post_multipart(
    app: &TestApp,
    signed: &Signed,
    path: &str,
    (content_type, body): (String, Vec<u8>),
) -> reqwest::Response {
    pages::client()
        .post(app.url(path))
        .header(COOKIE, &signed.cookie)
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("request sent")
}

fn registration<'a>(csrf: &'a str, expires: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "Acme Learning, Inc."),
        ("aliases", "ACME SIS"),
        ("contacts", "Privacy office <privacy@acme.example>"),
        ("services", "Student information system"),
        ("data_elements", "student_name, grades"),
        ("agreement.kind", "dpa"),
        ("agreement.status", "signed"),
        ("agreement.signed_at", "2025-08-01"),
        ("agreement.expires_at", expires),
        ("agreement.breach_notice.within", "48h"),
        ("agreement.breach_notice.citation", "DPA § 7"),
    ]
}

#[tokio::test]
async fn an_administrator_registers_a_vendor_from_the_page_and_a_bad_field_stores_nothing() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let viewer = pages::sign_in(&app, VIEWER).await;
    let (status, _) = pages::get_page(&app, &viewer, "/vendors/new").await;
    assert_eq!(status, 403, "only an administrator registers vendors");
    let (_, list) = pages::get_page(&app, &viewer, "/vendors").await;
    assert!(!list.contains("href=\"/vendors/new\""), "{list}");
    let response = post_form(
        &app,
        &viewer,
        "/vendors/new",
        &registration(&viewer.csrf, "2027-06-30"),
    )
    .await;
    assert_eq!(response.status(), 403);

    let admin = pages::sign_in(&app, ADMIN).await;
    let (_, list) = pages::get_page(&app, &admin, "/vendors").await;
    assert!(list.contains("href=\"/vendors/new\""), "linked: {list}");
    let (status, form) = pages::get_page(&app, &admin, "/vendors/new").await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("action=\"/vendors/new\""), "{form}");
    assert!(
        form.contains("name=\"agreement.breach_notice.citation\""),
        "{form}"
    );

    // Expiry before signing: the API's reason, beside its field; the rest of
    // what was typed kept; nothing stored.
    let response = post_form(
        &app,
        &admin,
        "/vendors/new",
        &registration(&admin.csrf, "2024-01-01"),
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("a page");
    assert!(page.contains("Nothing was saved"), "{page}");
    assert!(page.contains("id=\"agreement.expires_at-error\""), "{page}");
    assert!(page.contains("must not be before"), "{page}");
    assert!(page.contains("value=\"Acme Learning, Inc.\""), "{page}");
    assert!(vendors(&app).await.is_empty(), "nothing stored");
    // A form without this session's token registers nothing either.
    let response = post_form(
        &app,
        &admin,
        "/vendors/new",
        &registration("00", "2027-06-30"),
    )
    .await;
    assert_eq!(response.status(), 403);
    assert!(vendors(&app).await.is_empty());

    let response = post_form(
        &app,
        &admin,
        "/vendors/new",
        &registration(&admin.csrf, "2027-06-30"),
    )
    .await;
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let registered = vendors(&app).await;
    assert_eq!(registered.len(), 1);
    let vendor = &registered[0];
    assert_eq!(
        location,
        format!("/vendors/{}", vendor["id"].as_str().unwrap())
    );
    assert_eq!(vendor["name"], "Acme Learning, Inc.");
    assert_eq!(vendor["aliases"], json!(["ACME SIS"]));
    assert_eq!(vendor["data_elements"], json!(["student_name", "grades"]));
    assert_eq!(vendor["agreement"]["expires_at"], "2027-06-30");
    assert_eq!(vendor["agreement"]["breach_notice"]["within"], "48h");
    assert_eq!(vendor["agreement"]["breach_notice"]["clock"], "discovered");
    let (status, page) = pages::get_page(&app, &admin, &location).await;
    assert_eq!(status, 200);
    assert!(page.contains("Acme Learning, Inc."), "{page}");

    // One company is one vendor: the API's refusal, beside the name.
    let response = post_form(
        &app,
        &admin,
        "/vendors/new",
        &registration(&admin.csrf, "2027-06-30"),
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("a page");
    assert!(page.contains("id=\"name-error\""), "{page}");
    assert!(page.contains("one company is one vendor"), "{page}");
    assert_eq!(vendors(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_uploads_the_signed_agreement_from_the_vendor_page() {
    let app = spawn_app_at("2026-04-20T12:00:00-04:00").await;
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({"name": "Acme Learning",
                    "agreement": {"kind": "dpa", "status": "signed", "signed_at": "2025-08-01"}}),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    let id = vendor["id"].as_str().expect("an id").to_owned();
    let page_path = format!("/vendors/{id}");
    let path = format!("/vendors/{id}/document");
    let file = b"%PDF-1.4\n% the signed data privacy agreement, from the page\n%%EOF\n";
    let sha256 = hex::encode(Sha256::digest(file));

    let admin = pages::sign_in(&app, ADMIN).await;
    let (_, page) = pages::get_page(&app, &admin, &page_path).await;
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(
        page.contains("No signed agreement has been uploaded yet"),
        "{page}"
    );
    let viewer = pages::sign_in(&app, VIEWER).await;
    let (_, page) = pages::get_page(&app, &viewer, &page_path).await;
    assert!(
        !page.contains("enctype=\"multipart/form-data\""),
        "admins only: {page}"
    );
    let form = common::multipart::document(file, true, Some(&viewer.csrf));
    assert_eq!(
        post_multipart(&app, &viewer, &path, form).await.status(),
        403
    );

    // An empty file, or a form without this session's token, stores nothing.
    let form = common::multipart::document(b"", true, Some(&admin.csrf));
    let response = post_multipart(&app, &admin, &path, form).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("a page");
    assert!(page.contains("Nothing was stored"), "{page}");
    assert!(page.contains("id=\"document-file-error\""), "{page}");
    let form = common::multipart::document(file, true, Some("00"));
    assert_eq!(
        post_multipart(&app, &admin, &path, form).await.status(),
        403
    );
    let (status, _) = app
        .get(&format!("/api/v1/vendors/{id}/document"), VIEWER)
        .await;
    assert_eq!(status, 404, "nothing stored");

    let form = common::multipart::document(file, true, Some(&admin.csrf));
    let response = post_multipart(&app, &admin, &path, form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION].to_str().unwrap(), page_path);

    // The page describes it and links its download, for every role.
    let (_, page) = pages::get_page(&app, &viewer, &page_path).await;
    assert!(page.contains("signed DPA.pdf"), "{page}");
    assert!(page.contains(&format!("{} bytes", file.len())), "{page}");
    assert!(page.contains(&sha256), "{page}");
    assert!(page.contains(&format!("href=\"{path}\"")), "{page}");
    let download = pages::client()
        .get(app.url(&path))
        .header(COOKIE, &viewer.cookie)
        .send()
        .await
        .expect("request sent");
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["x-content-sha256"].to_str().unwrap(),
        sha256
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), file);

    // Stored as the API stores it, and on the public list of agreements.
    let (status, _) = app
        .get(&format!("/api/v1/vendors/{id}/document"), VIEWER)
        .await;
    assert_eq!(status, 200);
    let list = app.get_text("/notices/agreements/").await;
    let href = format!("documents/{id}-{}.pdf", &sha256[..16]);
    assert!(list.contains(&href) && list.contains(&sha256), "{list}");
    let published = app
        .client
        .get(app.url(&format!("/notices/agreements/{href}")))
        .send()
        .await
        .expect("request sent");
    assert_eq!(published.bytes().await.unwrap().as_ref(), file);

    // Replaced by one not to publish: the list drops it, and its file goes.
    let form = common::multipart::document(b"%PDF-1.4\n% private\n", false, Some(&admin.csrf));
    assert_eq!(
        post_multipart(&app, &admin, &path, form).await.status(),
        303
    );
    let list = app.get_text("/notices/agreements/").await;
    assert!(!list.contains("documents/"), "{list}");
    let gone = app
        .client
        .get(app.url(&format!("/notices/agreements/{href}")))
        .send()
        .await
        .expect("request sent");
    assert_eq!(gone.status(), 404);
    app.stop().await;
}
