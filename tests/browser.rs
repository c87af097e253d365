//! The web pages in a real browser: Debian's `chromium`, headless, driven
//! through `chromedriver` (WebDriver) started by the test on a free port.
//! An administrator signs in, files a report (after a refused attempt),
//! previews and sees its deadlines, finds them on the board, opens the
//! incident, records the board-notice event, uploads the roster, approves
//! the notice and signs out; a viewer sees no approve button and cannot
//! post the form.
//!
//! Without /usr/bin/chromium or /usr/bin/chromedriver the tests say
//! "SKIPPED" on stderr and pass. A PNG of each page is written to
//! `<target dir>/browser-screenshots/`; the board's also goes to
//! `docs/board.png` (for the README) when that file is missing or
//! `BREACHD_UPDATE_SCREENSHOTS=1`.
//!
//! WebDriver is spoken directly over reqwest (see `webdriver` below):
//! fantoccini without its TLS features needs a hyper-util connector, and
//! hyper-util is not a dependency of this crate.

mod common;

use common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What the page may say after "Approve": the family-notice work is still
/// landing, so either outcome is accepted. Once approval works, keep only
/// the first entry.
const APPROVAL_OUTCOMES: [&str; 1] = ["Notice approved"];

/// One browser test at a time: two Chromiums on a two-core machine make
/// every wait slower and the tests flaky.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn browser_installed() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    common::skip::skipped(
        "the browser tests",
        &format!("{CHROMIUM} or {CHROMEDRIVER} is not installed: apt-get install chromium chromium-driver"),
    );
    false
}

fn screenshot_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_owned();
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

/// A minimal W3C WebDriver client: the commands these tests use.
mod webdriver {
    use super::*;

    /// The W3C WebDriver web element identifier.
    const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

    /// chromedriver, killed when dropped (with the browser it started).
    pub struct Driver {
        child: Child,
        pub base: String,
        _profile: tempfile::TempDir,
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    pub struct Browser {
        http: reqwest::Client,
        session: String,
        open: bool,
        pub driver: Driver,
    }

    /// A test that fails half-way still closes its browser: chromedriver
    /// is told to end the session (which quits Chromium) before it is
    /// killed, or Chromium would outlive the test.
    impl Drop for Browser {
        fn drop(&mut self) {
            if !self.open {
                return;
            }
            use std::io::{Read, Write};
            let address = self.driver.base.trim_start_matches("http://").to_owned();
            if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let request = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                if stream.write_all(request.as_bytes()).is_ok() {
                    let _ = stream.read_to_end(&mut Vec::new());
                }
            }
        }
    }

    #[derive(Clone)]
    pub struct Element(String);

    impl Browser {
        pub async fn start() -> Browser {
            let port = crate::common::daemon::free_port();
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start chromedriver");
            let profile = tempfile::tempdir().expect("a profile folder");
            let driver = Driver {
                child,
                base: format!("http://127.0.0.1:{port}"),
                _profile: profile,
            };
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let ready = http
                    .get(format!("{}/status", driver.base))
                    .send()
                    .await
                    .ok()
                    .map(|r| r.json::<Value>());
                if let Some(body) = ready {
                    if body.await.is_ok_and(|b| b["value"]["ready"] == true) {
                        break;
                    }
                }
                assert!(Instant::now() < deadline, "chromedriver did not start");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let capabilities = json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        format!("--user-data-dir={}", driver._profile.path().display()),
                        "--window-size=1280,900",
                    ]
                }
            }}});
            let answer: Value = http
                .post(format!("{}/session", driver.base))
                .json(&capabilities)
                .send()
                .await
                .expect("new session")
                .json()
                .await
                .unwrap();
            let session = answer["value"]["sessionId"]
                .as_str()
                .unwrap_or_else(|| panic!("no session: {answer}"))
                .to_owned();
            Browser {
                http,
                session,
                open: true,
                driver,
            }
        }

        async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
            let url = format!("{}/session/{}{path}", self.driver.base, self.session);
            let mut request = self.http.request(method, url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let answer: Value = request
                .send()
                .await
                .expect("webdriver answers")
                .json()
                .await
                .expect("webdriver JSON");
            answer["value"].clone()
        }

        async fn post(&self, path: &str, body: Value) -> Value {
            let value = self.call(reqwest::Method::POST, path, Some(body)).await;
            if let Some(error) = value.get("error") {
                panic!("webdriver {path}: {error}: {}", value["message"]);
            }
            value
        }

        async fn get(&self, path: &str) -> Value {
            self.call(reqwest::Method::GET, path, None).await
        }

        pub async fn goto(&self, url: &str) {
            self.post("/url", json!({ "url": url })).await;
        }

        pub async fn url(&self) -> String {
            self.get("/url").await.as_str().unwrap().to_owned()
        }

        pub async fn source(&self) -> String {
            self.get("/source").await.as_str().unwrap().to_owned()
        }

        pub async fn find_all(&self, css: &str) -> Vec<Element> {
            let value = self
                .post("/elements", json!({"using": "css selector", "value": css}))
                .await;
            value
                .as_array()
                .unwrap()
                .iter()
                .map(|e| Element(e[ELEMENT_KEY].as_str().unwrap().to_owned()))
                .collect()
        }

        /// The first element matching `css`, waiting up to 10 s for it.
        pub async fn find(&self, css: &str) -> Element {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Some(element) = self.find_all(css).await.into_iter().next() {
                    return element;
                }
                assert!(
                    Instant::now() < deadline,
                    "no element {css} on {}:\n{}",
                    self.url().await,
                    self.source().await
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        pub async fn click(&self, css: &str) {
            let element = self.find(css).await;
            self.post(&format!("/element/{}/click", element.0), json!({}))
                .await;
        }

        pub async fn type_into(&self, css: &str, text: &str) {
            let element = self.find(css).await;
            self.post(&format!("/element/{}/clear", element.0), json!({}))
                .await;
            self.post(
                &format!("/element/{}/value", element.0),
                json!({ "text": text }),
            )
            .await;
        }

        /// Sets an input's value directly: typing into `datetime-local`
        /// depends on the browser's locale; the page itself needs no script.
        pub async fn set_value(&self, css: &str, value: &str) {
            let element = self.find(css).await;
            let mut reference = serde_json::Map::new();
            reference.insert(ELEMENT_KEY.to_owned(), Value::String(element.0));
            self.post(
                "/execute/sync",
                json!({
                    "script": "arguments[0].value = arguments[1];",
                    "args": [reference, value],
                }),
            )
            .await;
        }

        pub async fn text(&self, css: &str) -> String {
            let element = self.find(css).await;
            self.get(&format!("/element/{}/text", element.0))
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }

        /// Waits until the current URL contains `part` (after a form post).
        pub async fn wait_for_url(&self, part: &str) -> String {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let url = self.url().await;
                if url.contains(part) {
                    return url;
                }
                assert!(Instant::now() < deadline, "still on {url}, expected {part}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        pub async fn cookie(&self, name: &str) -> Option<String> {
            let value = self.get(&format!("/cookie/{name}")).await;
            value["value"].as_str().map(str::to_owned)
        }

        pub async fn resize(&self, width: u32, height: u32) {
            self.post("/window/rect", json!({"width": width, "height": height}))
                .await;
        }

        /// A PNG of the whole page (the window is stretched to its height).
        pub async fn screenshot(&self, name: &str, width: u32) -> PathBuf {
            let height = self
                .post(
                    "/execute/sync",
                    json!({
                        "script": "window.scrollTo(0, 0); return document.documentElement.scrollHeight;",
                        "args": []
                    }),
                )
                .await
                .as_u64()
                .unwrap_or(900) as u32;
            self.resize(width, height.clamp(600, 6000) + 20).await;
            let encoded = self.get("/screenshot").await;
            let png = base64_decode(encoded.as_str().expect("a base64 screenshot"));
            assert!(png.starts_with(b"\x89PNG"), "a PNG");
            let path = screenshot_dir().join(format!("{name}.png"));
            std::fs::write(&path, png).expect("write the screenshot");
            self.resize(1280, 900).await;
            path
        }

        pub async fn quit(mut self) {
            let _ = self.call(reqwest::Method::DELETE, "", None).await;
            self.open = false;
        }
    }

    /// Standard base64 (screenshots); no crate for it is a dependency here.
    fn base64_decode(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        };
        let clean: Vec<u8> = text
            .bytes()
            .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
            .collect();
        let mut out = Vec::with_capacity(clean.len() * 3 / 4);
        for chunk in clean.chunks(4) {
            let mut n = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                n |= u32::from(value(*c)) << (18 - 6 * i);
            }
            out.push((n >> 16) as u8);
            if chunk.len() > 2 {
                out.push((n >> 8) as u8);
            }
            if chunk.len() > 3 {
                out.push(n as u8);
            }
        }
        out
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(base64_decode("aGVsbG8="), b"hello");
        assert_eq!(base64_decode("aGk="), b"hi");
        assert_eq!(base64_decode("YWJj"), b"abc");
    }
}

use webdriver::Browser;

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
