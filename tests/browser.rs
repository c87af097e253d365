//! The web pages in a real browser: Debian's `chromium`, headless, driven
//! through `chromedriver` (WebDriver) started by the test on a free port.
//! An administrator signs in, files a report (after a refused attempt),
//! previews and sees its deadlines, finds them on the board, opens the
//! incident, records the board-notice event, uploads the roster, approves
//! the notice and signs out; a viewer sees no approve button and cannot
//! post the form; an administrator registers a vendor (after a refused
//! attempt).
//!
//! Without /usr/bin/chromium or /usr/bin/chromedriver the tests say
//! "SKIPPED" on stderr and pass. A PNG of each page is written to
//! `<target dir>/browser-screenshots/`; the board's also goes to
//! `docs/board.png` (for the README) when that file is missing or
//! `BREACHD_UPDATE_SCREENSHOTS=1`.
//!
//! The WebDriver client is `common::webdriver`.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::Path;

/// What the page may say after "Approve": the family-notice work is still
/// landing, so either outcome is accepted. Once approval works, keep only
/// the first entry.
const APPROVAL_OUTCOMES: [&str; 1] = ["Notice approved"];

use common::webdriver::{base64_decode, browser_installed, Browser, ONE_BROWSER};

#[test]
fn base64_decodes() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}

/// Incidents that make the board worth a look: one overdue, one open.
async fn seed(app: &TestApp) {
    app.file(&json!({
        "title": "Transport app vendor breach",
        "contractor": "BusRoute LLC",
        "discovered_at": "2026-03-01T09:00:00-05:00",
        "data_elements": ["student_name", "home_address", "student_id"],
        "affected_students": 340
    }))
    .await;
    app.file(&json!({
        "title": "Library system misconfiguration",
        "own_systems": true,
        "discovered_at": "2026-04-17T16:00:00-04:00",
        "data_elements": ["student_name", "student_id"],
    }))
    .await;
}

async fn sign_in(browser: &Browser, app: &TestApp, token: &str) {
    browser.goto(&app.url("/")).await;
    browser.wait_for_url("/sign-in").await;
    browser.type_into("#token", token).await;
    browser
        .click("form[action='/sign-in'] button[type=submit]")
        .await;
    browser.find("form.signout").await;
}

#[tokio::test]
async fn an_administrator_files_a_report_and_follows_it_through() {
    if !browser_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = spawn_app().await;
    seed(&app).await;
    let browser = Browser::start().await;

    // Sign in.
    browser.goto(&app.url("/")).await;
    browser.wait_for_url("/sign-in?next=/").await;
    browser.find("label[for=token]").await;
    browser.screenshot("sign-in", 1280).await;
    browser.type_into("#token", "wrong").await;
    browser
        .click("form[action='/sign-in'] button[type=submit]")
        .await;
    assert!(browser.text("#token-error").await.contains("not valid"));
    browser.type_into("#token", ADMIN).await;
    browser
        .click("form[action='/sign-in'] button[type=submit]")
        .await;
    browser.find("form.signout").await;
    assert!(browser.text("h1").await.contains("Deadline board"));

    // File a report: first with nothing filled in.
    browser.click("nav a[href='/incidents/new']").await;
    browser.find("#title").await;
    browser.screenshot("report-form", 1280).await;
    browser.type_into("#title", "Gradebook vendor breach").await;
    browser.click("button[value=file]").await;
    let summary = browser.text(".error-summary").await;
    assert!(summary.contains("Discovered: is required"), "{summary}");
    assert!(summary.contains("Data affected"), "{summary}");
    assert!(browser
        .text("#discovered_at-error")
        .await
        .contains("is required"));
    let kept = browser
        .find_all("#title[value='Gradebook vendor breach']")
        .await;
    assert_eq!(kept.len(), 1, "the typed title is kept");
    browser.screenshot("report-errors", 1280).await;

    browser.type_into("#contractor", "Gradebook Co.").await;
    browser
        .set_value("#discovered_at", "2026-04-18T09:00")
        .await;
    browser.click("label[for='el-grades']").await;
    browser.click("label[for='el-student_name']").await;
    browser
        .type_into("#other_elements", "lunch pin codes")
        .await;
    browser.type_into("#affected_students", "310").await;
    browser.click("button[value=preview]").await;
    let preview = browser.text("#preview").await;
    assert!(
        preview.contains("Contractor notifies the board"),
        "{preview}"
    );
    assert!(
        preview.contains("Mon 18 May 2026, 23:59:59 EDT"),
        "{preview}"
    );
    assert!(browser
        .text("#typed-list")
        .await
        .contains("not in the taxonomy"));
    browser.screenshot("report-preview", 1280).await;
    browser.click("button[value=file]").await;
    let url = browser.wait_for_url("#deadlines").await;
    let incident = url
        .split("/incidents/")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .unwrap()
        .to_owned();
    assert!(browser.text("#flash").await.contains("Report filed."));
    let deadlines = browser.text("#deadlines").await;
    assert!(
        deadlines.contains("Contractor notifies the board"),
        "{deadlines}"
    );
    assert!(
        deadlines.contains("Mon 18 May 2026, 23:59:59 EDT"),
        "{deadlines}"
    );

    // The board shows it, overdue items first.
    browser.click("nav a[href='/']").await;
    let board = browser.text("table.board").await;
    let overdue = board.find("Transport app vendor breach").unwrap();
    let ours = board.find("Gradebook vendor breach").expect("on the board");
    assert!(overdue < ours, "overdue first:\n{board}");
    assert!(browser
        .text("table.board tbody tr")
        .await
        .contains("OVERDUE"));
    let board_png = browser.screenshot("board", 1280).await;
    browser.resize(390, 844).await;
    browser.screenshot("board-phone", 390).await;
    browser.resize(1280, 900).await;
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/board.png");
    if !docs.exists() || std::env::var_os("BREACHD_UPDATE_SCREENSHOTS").is_some() {
        std::fs::create_dir_all(docs.parent().unwrap()).unwrap();
        std::fs::copy(&board_png, &docs).expect("copy the board's screenshot to docs/");
    }

    // Open the incident from the board and record the board's notice.
    browser
        .click(&format!("table.board a[href^='/incidents/{incident}']"))
        .await;
    browser.find("#event-form").await;
    browser
        .click("#event-kind option[value=board_notified]")
        .await;
    browser.set_value("#event-at", "2026-04-20T11:00").await;
    browser.click("#event-form button[type=submit]").await;
    browser.wait_for_url("#deadlines").await;
    assert!(browser.text("#flash").await.contains("Recorded"));
    let deadlines = browser.text("#deadlines").await;
    assert!(
        deadlines.contains("Board notifies affected students"),
        "{deadlines}"
    );
    assert!(browser
        .text("#events")
        .await
        .contains("Board received the notice"));
    browser.find("#timeline svg").await;
    browser.screenshot("incident", 1280).await;
    let (_, body) = app
        .get(&format!("/api/v1/incidents/{incident}"), VIEWER)
        .await;
    assert_eq!(
        body["events"]["board_notified"],
        "2026-04-20T11:00:00-04:00"
    );
    assert_eq!(
        obligation(&body, "contractor_notifies_board")["status"],
        "done"
    );

    // Upload the roster of affected students (a multipart form post).
    browser
        .click(&format!("a[href='/incidents/{incident}/roster']"))
        .await;
    browser.find("input[type=file]#roster").await;
    browser.screenshot("roster", 1280).await;
    let roster = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/roster/plain-small.csv");
    browser
        .type_into("#roster", &roster.display().to_string())
        .await;
    browser
        .click("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    browser.find("#import-summary, #roster-error").await;
    assert!(
        !browser.find_all("#import-summary").await.is_empty(),
        "the roster import was refused"
    );
    let summary = browser.text("#import-summary").await;
    assert!(summary.contains("40 students"), "{summary}");
    assert!(summary.contains("51 guardian addresses"), "{summary}");
    browser.screenshot("roster-imported", 1280).await;

    // The notice: preview, edit, send a test, confirm, sent.
    browser
        .click(&format!("a[href='/incidents/{incident}']"))
        .await;
    browser.click("#review-notice").await;
    browser.wait_for_url("/notice").await;
    let preview = browser.text("#notice-preview").await;
    assert!(
        preview.contains("The email to a guardian of one child")
            && preview.contains("The email to a guardian of several children")
            && preview.contains("The website page"),
        "{preview}"
    );
    browser.screenshot("notice-preview", 1280).await;
    browser
        .type_into(
            "#what_we_are_doing",
            "We ended the contract and told the State Police.",
        )
        .await;
    browser.click("#notice-edit button[type=submit]").await;
    browser.find("#flash").await;
    assert!(browser.text("#flash").await.contains("The draft was saved"));
    assert!(browser
        .text("#notice-preview")
        .await
        .contains("We ended the contract and told the State Police."));
    // The Spanish preview says which parts read English.
    browser
        .click(&format!(
            "a[href='/incidents/{incident}/notice?language=es']"
        ))
        .await;
    browser.wait_for_url("language=es").await;
    assert!(browser
        .text("#english-fallback")
        .await
        .contains("No Spanish text was written"));
    browser
        .click(&format!(
            "a[href='/incidents/{incident}/notice?language=en']"
        ))
        .await;
    browser.wait_for_url("language=en").await;
    // A test goes to the district contact picked, and to nobody else.
    browser.click("#notice-test button[type=submit]").await;
    browser.find("#flash").await;
    let flash = browser.text("#flash").await;
    assert!(
        flash.contains("A test of the English notice was sent to"),
        "{flash}"
    );
    let outbox: Vec<String> = std::fs::read_dir(app.dir.join("outbox"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
                .filter(|text| text.contains("X-Breachd-Kind: notice-test"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(outbox.len(), 1, "one test message");
    assert!(!outbox[0].contains("families.example"), "never to a family");
    // Approval says what will happen and wants a confirmation.
    let statement = browser.text("#approval-statement").await;
    assert!(
        statement.contains("Approving sends 51 emails") && statement.contains("/notices/"),
        "{statement}"
    );
    browser.click("#approve-form button").await;
    // The browser refuses the form while the box is unticked (required).
    assert!(browser.url().await.contains("/notice"));
    browser.click("#confirm").await;
    browser.click("#approve-form button").await;
    browser.wait_for_url("#family-notice").await;
    let outcome = browser.text("#flash").await;
    assert!(
        APPROVAL_OUTCOMES.iter().any(|text| outcome.contains(text)),
        "{outcome}"
    );
    assert!(browser
        .text("#notice-approved")
        .await
        .contains("Approved by"));
    browser.screenshot("incident-approved", 1280).await;
    browser
        .goto(&app.url(&format!("/incidents/{incident}/notice")))
        .await;
    browser.find("#notice-approved").await;
    assert!(
        browser.find_all("#approve-form").await.is_empty(),
        "the approve button is gone once approved"
    );
    assert!(browser.find_all("#notice-edit").await.is_empty());

    // Sign out: the board is closed again.
    browser.click("form.signout button").await;
    browser.wait_for_url("/sign-in").await;
    assert!(browser.text("#flash").await.contains("signed out"));
    browser.goto(&app.url("/")).await;
    browser.wait_for_url("/sign-in?next=").await;

    browser.quit().await;
    app.stop().await;
}

#[tokio::test]
async fn a_viewer_sees_no_approve_button_and_cannot_post_the_form() {
    if !browser_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = spawn_app().await;
    let incident = app
        .file(&json!({
            "title": "SIS vendor unauthorized access",
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-10T15:00:00-04:00",
            "data_elements": ["student_name", "ssn"],
        }))
        .await;
    let id = incident["id"].as_str().unwrap();
    let browser = Browser::start().await;
    sign_in(&browser, &app, VIEWER).await;
    browser.goto(&app.url(&format!("/incidents/{id}"))).await;
    browser.find("#family-notice").await;
    assert!(browser.find_all("#approve-form").await.is_empty());
    assert!(browser.find_all("#event-form").await.is_empty());
    assert!(browser
        .find_all("form[action$='/complete'], form[action$='/waive']")
        .await
        .is_empty());
    assert!(browser
        .find_all("nav a[href='/incidents/new']")
        .await
        .is_empty());
    browser.screenshot("incident-viewer", 1280).await;

    // Posting the form anyway, with the viewer's own session and token.
    let cookie = browser
        .cookie("breachd_session")
        .await
        .expect("the session cookie");
    let csrf = browser
        .source()
        .await
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-out form's token")
        .to_owned();
    let contractor = obligation(&incident, "contractor_notifies_board")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        format!("/incidents/{id}/notice/approve"),
        format!("/obligations/{contractor}/complete"),
    ] {
        let response = http
            .post(app.url(&path))
            .header("cookie", format!("breachd_session={cookie}"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    // Reminders may have been sent meanwhile; the obligations and events are
    // what a post could have changed.
    let (_, after) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    let standing = |incident: &Value| -> Vec<Value> {
        incident["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| json!([o["kind"], o["status"], o["completed_at"], o["waived_at"]]))
            .collect()
    };
    assert_eq!(standing(&after), standing(&incident), "nothing changed");
    assert_eq!(after["events"], incident["events"], "nothing changed");

    // The form page itself answers "not allowed".
    browser.goto(&app.url("/incidents/new")).await;
    assert!(browser.text("h1").await.contains("Not allowed"));

    browser.quit().await;
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_registers_a_vendor_from_the_page() {
    if !browser_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let app = spawn_app().await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, ADMIN).await;
    browser.goto(&app.url("/vendors")).await;
    browser.click("a[href='/vendors/new']").await;
    browser.type_into("#name", "Acme Learning, Inc.").await;
    browser.type_into("#services", "Reading assessments").await;
    browser.set_value("[id='agreement.kind']", "dpa").await;
    browser.set_value("[id='agreement.status']", "signed").await;
    browser
        .set_value("[id='agreement.signed_at']", "2025-08-01")
        .await;
    // Expiring before it was signed: refused beside the field.
    browser
        .set_value("[id='agreement.expires_at']", "2024-01-01")
        .await;
    browser.click("form.report-form button[type=submit]").await;
    let error = browser.text("[id='agreement.expires_at-error']").await;
    assert!(error.contains("must not be before"), "{error}");
    browser.screenshot("vendor-new-errors", 1280).await;
    let (_, vendors) = app.get("/api/v1/vendors", VIEWER).await;
    assert_eq!(vendors["vendors"], json!([]), "nothing stored");
    let kept = browser.find_all("#name[value='Acme Learning, Inc.']").await;
    assert_eq!(kept.len(), 1, "the typed name is kept");

    browser
        .set_value("[id='agreement.expires_at']", "2027-06-30")
        .await;
    browser.click("form.report-form button[type=submit]").await;
    assert!(browser.text("#flash").await.contains("was registered"));
    assert!(browser.text("h1").await.contains("Acme Learning, Inc."));
    let (_, vendors) = app.get("/api/v1/vendors", VIEWER).await;
    let id = vendors["vendors"][0]["id"].as_str().expect("registered");
    browser.wait_for_url(&format!("/vendors/{id}")).await;
    assert_eq!(
        vendors["vendors"][0]["agreement"]["expires_at"],
        "2027-06-30"
    );
    browser.quit().await;
    app.stop().await;
}
