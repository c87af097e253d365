//! A contract's signed document on the real daemon: uploaded as multipart
//! through the API (admin) or the contract's page, stored with its SHA-256,
//! downloaded by every role; when publishable, the contract's public notice
//! page is published again linking a copy (named by the contract's id and
//! hash) with its SHA-256; when not, it is nowhere on the public site. A
//! file over 20 MiB is refused and changes nothing.

mod common;

use common::pages::{self, Signed};
use common::{spawn_app_at, TestApp, ADMIN, REPORTER, VIEWER};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// A vendor and a contract with it, whose first notice is published.
async fn file_contract(app: &TestApp) -> String {
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({"name": "Acme Learning, Inc.",
                    "contacts": ["Jane Roe <jane.roe@acme.example>"]}),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    let provisions: serde_json::Map<String, Value> =
        (1..=11).map(|n| (n.to_string(), json!(true))).collect();
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &json!({
                "vendor_id": vendor["id"],
                "title": "Reading assessment platform",
                "purpose": "Acme Learning hosts the district's reading assessments.",
                "executed_at": "2026-09-04",
                "data_elements": ["student_name", "grades"],
                "provisions": provisions,
            }),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().expect("an id").to_owned();
    public_page_until(app, &id, |page| {
        page.contains("Reading assessment platform")
    })
    .await;
    id
}

/// The contract's public notice page, once `ready` holds (the publication
/// runs as a job after the upload), with a deadline.
async fn public_page_until(app: &TestApp, id: &str, ready: impl Fn(&str) -> bool) -> String {
    let path = format!("/notices/contracts/contract-{id}.html");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = app.get_text(&path).await;
        if ready(&page) {
            return page;
        }
        assert!(Instant::now() < deadline, "the page did not change: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
        .post(app.url(&format!("/api/v1/contracts/{id}/document")))
        .bearer_auth(token)
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("request sent");
    common::split(response).await
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .send()
        .await
        .expect("request sent")
}

fn published_documents(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.dir.join("site/contracts/documents"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_publishable_contract_document_is_linked_from_its_public_page_and_an_unpublishable_one_never_is(
) {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let id = file_contract(&app).await;
    let file = b"%PDF-1.4\n% the signed contract\n%%EOF\n";
    let sha256 = hex::encode(Sha256::digest(file));

    let (status, _) = upload(&app, REPORTER, &id, file, true).await;
    assert_eq!(status, 403, "only an admin uploads");
    let (status, problem) = upload(&app, ADMIN, &id, b"", true).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "file");
    let (status, _) = upload(
        &app,
        ADMIN,
        "0196e7d2-0000-7000-8000-000000000000",
        file,
        true,
    )
    .await;
    assert_eq!(status, 404);

    let (status, stored) = upload(&app, ADMIN, &id, file, true).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["sha256"], sha256.as_str());
    assert_eq!(stored["size"], file.len());
    assert_eq!(stored["publishable"], true);

    // Every role downloads it, byte for byte, with its hash.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/contracts/{id}/document")))
        .bearer_auth(VIEWER)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-content-sha256"].to_str().unwrap(),
        sha256
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), file);

    // The public page links a copy named by the contract and the hash.
    let page = public_page_until(&app, &id, |page| page.contains(&sha256)).await;
    let href = format!("documents/{id}-{}.pdf", &sha256[..16]);
    assert!(page.contains(&format!("href=\"{href}\"")), "{page}");
    assert!(
        !page.contains("signed DPA.pdf"),
        "never the uploaded name: {page}"
    );
    assert!(!page.contains("jane.roe"), "no personal data: {page}");
    let copy = fetch(&app, &format!("/notices/contracts/{href}")).await;
    assert_eq!(copy.status(), 200);
    let bytes = copy.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), file);
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha256);

    // Replaced by one the district keeps private: the page is published
    // again without a link, and no copy of either is on the public site.
    let private = b"%PDF-1.4\n% the contract with its private schedule\n%%EOF\n";
    let private_sha = hex::encode(Sha256::digest(private));
    let (status, stored) = upload(&app, ADMIN, &id, private, false).await;
    assert_eq!(status, 201, "{stored}");
    let page = public_page_until(&app, &id, |page| !page.contains(&sha256)).await;
    assert!(!page.contains("documents/"), "{page}");
    assert!(!page.contains(&private_sha), "{page}");
    assert_eq!(
        fetch(&app, &format!("/notices/contracts/{href}"))
            .await
            .status(),
        404
    );
    assert!(
        published_documents(&app).is_empty(),
        "{:?}",
        published_documents(&app)
    );
    let index = app.get_text("/notices/contracts/").await;
    assert!(
        !index.contains("documents/") && !index.contains(&private_sha),
        "{index}"
    );
    // Staff still read it.
    let (status, _) = app
        .get(&format!("/api/v1/contracts/{id}/document"), VIEWER)
        .await;
    assert_eq!(status, 200);
    app.stop().await;
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

#[tokio::test]
async fn the_contract_page_uploads_its_document_and_a_file_over_20_mib_is_refused() {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let id = file_contract(&app).await;
    let page_path = format!("/contracts/{id}");
    let path = format!("/contracts/{id}/document");
    let file = b"%PDF-1.4\n% signed on the page\n%%EOF\n";
    let sha256 = hex::encode(Sha256::digest(file));

    let admin = pages::sign_in(&app, ADMIN).await;
    let (_, page) = pages::get_page(&app, &admin, &page_path).await;
    assert!(page.contains(&format!("action=\"{path}\"")), "{page}");
    let form = common::multipart::document(file, true, Some(&admin.csrf));
    let response = post_multipart(&app, &admin, &path, form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION].to_str().unwrap(), page_path);
    let (_, page) = pages::get_page(&app, &admin, &page_path).await;
    assert!(
        page.contains(&sha256) && page.contains("signed DPA.pdf"),
        "{page}"
    );
    assert!(page.contains(&format!("{} bytes", file.len())), "{page}");
    let download = pages::client()
        .get(app.url(&path))
        .header(COOKIE, &admin.cookie)
        .send()
        .await
        .expect("request sent");
    assert_eq!(download.bytes().await.unwrap().as_ref(), file);
    public_page_until(&app, &id, |page| page.contains(&sha256)).await;

    // One byte over the cap, through the API and through the page: refused,
    // and the stored document is still the one before.
    let huge = vec![b'x'; 20 * 1024 * 1024 + 1];
    let (status, problem) = upload(&app, ADMIN, &id, &huge, true).await;
    assert_eq!(status, 413, "{problem}");
    let form = common::multipart::document(&huge, true, Some(&admin.csrf));
    let response = post_multipart(&app, &admin, &path, form).await;
    assert_eq!(response.status(), 413);
    let page = response.text().await.expect("a page");
    assert!(page.contains("larger than 20 MiB"), "{page}");
    let response = app
        .client
        .get(app.url(&format!("/api/v1/contracts/{id}/document")))
        .bearer_auth(VIEWER)
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-content-sha256"].to_str().unwrap(),
        sha256
    );
    app.stop().await;
}
