//! The browser the page tests drive: Debian's `chromium`, headless,
//! through `chromedriver` (WebDriver) started by the test on a free port.
//! WebDriver is spoken directly over reqwest: fantoccini without its TLS
//! features needs a hyper-util connector, and hyper-util is not a
//! dependency of this crate. Shared by tests/browser.rs and tests/oidc.rs.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One browser test at a time: two Chromiums on a two-core machine make
/// every wait slower and the tests flaky.
pub static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn browser_installed() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    super::skip::skipped(
        "the browser tests",
        &format!("{CHROMIUM} or {CHROMEDRIVER} is not installed: apt-get install chromium chromium-driver"),
    );
    false
}

pub fn screenshot_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .to_owned();
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

// A minimal W3C WebDriver client: the commands these tests use.

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
        let port = super::daemon::free_port();
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
pub fn base64_decode(text: &str) -> Vec<u8> {
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
