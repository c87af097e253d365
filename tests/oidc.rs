//! Signing in with an identity provider, against a real one: the npm
//! package `oidc-provider` (OpenID-certified), started from
//! tests/oidc/provider.js on loopback (`.ci/run` installs it from its lock
//! file with `npm ci`). breachd runs as the real binary, so that a restart
//! is a real restart, and a real browser walks the pages.
//!
//! Without node or tests/oidc/node_modules the tests say "SKIPPED" (and
//! fail in CI, which installs both).

mod common;

use common::daemon::{free_port, Daemon};
use common::pages::client;
use common::webdriver::{browser_installed, Browser, ONE_BROWSER};
use common::TestConfig;
use reqwest::header::{COOKIE, LOCATION};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "breachd-test";
const CLIENT_SECRET: &str = "breachd-test-secret";
const PROVIDER_ID: &str = "district";
const PROVIDER_NAME: &str = "District Accounts";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

fn provider_installed() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node && provider_dir().join("node_modules/oidc-provider").is_dir() {
        return true;
    }
    common::skip::skipped(
        "the identity-provider tests",
        "node or tests/oidc/node_modules is missing: cd tests/oidc && npm ci",
    );
    false
}

/// `oidc-provider` on a free port, killed when dropped.
struct Provider {
    issuer: String,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider for a breachd at `breachd_base`, waiting (with a
    /// deadline) for its "ready" line.
    fn start(breachd_base: &str) -> Provider {
        let port = free_port();
        let mut child = Command::new("node")
            .arg("provider.js")
            .current_dir(provider_dir())
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env(
                "REDIRECT_URIS",
                format!("{breachd_base}/auth/oidc/{PROVIDER_ID}/callback"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready, signal) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(issuer) = line.strip_prefix("ready ") {
                    let _ = ready.send(issuer.to_owned());
                }
            }
        });
        let issuer = signal
            .recv_timeout(Duration::from_secs(30))
            .expect("the provider says it is ready within 30 s");
        Provider { issuer, child }
    }
}

/// breachd on a port chosen beforehand (the provider must know its
/// redirect address), signing people in with the provider: group
/// `breachd-admins` is admin, lee@district.example a viewer.
fn breachd_with(home: &Path, port: u16, issuer: &str, extra: &str) -> Daemon {
    std::fs::create_dir_all(home).unwrap();
    let secret = home.join("client-secret");
    std::fs::write(&secret, format!("{CLIENT_SECRET}\n")).unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let config = TestConfig::new()
        .port(port)
        .layer(&format!(
            "[server]\npublic_url = \"{base}\"\n\
             [[auth.oidc]]\nid = \"{PROVIDER_ID}\"\nname = \"{PROVIDER_NAME}\"\nissuer = \"{issuer}\"\n\
             client_id = \"{CLIENT_ID}\"\nclient_secret_file = \"{}\"\n\
             [auth.roles]\nadmin = [\"group:breachd-admins\"]\nviewer = [\"lee@district.example\"]\n{extra}",
            secret.display()
        ))
        .write(home);
    Daemon::spawn("breachd", base, home.join("daemon.log"), move || {
        let mut command = common::daemon::breachd();
        command
            .args(["serve", "--config"])
            .arg(&config)
            .env("BREACHD__LOG__FORMAT", "json");
        command
    })
}

/// Signs `login` in at the provider, starting from breachd's sign-in page.
async fn provider_sign_in(browser: &Browser, daemon: &Daemon, login: &str) {
    browser.goto(&daemon.url("/sign-in")).await;
    browser
        .click(&format!("a.button[href^='/auth/oidc/{PROVIDER_ID}/login']"))
        .await;
    browser.type_into("input[name=login]", login).await;
    browser
        .type_into("input[name=password]", "any password")
        .await;
    browser.click("button[type=submit]").await;
    // Back at breachd (the provider's page may linger a moment).
    browser.wait_for_url(&format!("{}/", daemon.base)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_with_the_provider_survives_a_restart_and_signs_out() {
    if !browser_installed() || !provider_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&base);
    let mut daemon = breachd_with(home.path(), port, &provider.issuer, "");
    daemon.wait_ready(Duration::from_secs(30)).await;
    let browser = Browser::start().await;

    // The sign-in page offers the provider; the person signs in there and
    // lands on the board as an administrator (by group).
    provider_sign_in(&browser, &daemon, "pat").await;
    browser.find("form.signout").await;
    let who = browser.text(".who").await;
    assert!(
        who.contains("pat@district.example") && who.contains("admin"),
        "{who}"
    );
    assert!(
        browser.url().await.ends_with('/'),
        "{}",
        browser.url().await
    );
    let cookie = browser
        .cookie("breachd_session")
        .await
        .expect("a session cookie");

    // A restart keeps the session.
    assert!(daemon.terminate().success());
    daemon.restart();
    daemon.wait_ready(Duration::from_secs(30)).await;
    browser.goto(&daemon.url("/")).await;
    let who = browser.text(".who").await;
    assert!(
        who.contains("pat@district.example"),
        "still signed in after a restart: {who}"
    );

    // Signing out ends it; the old cookie then gets the sign-in page.
    browser.click("form.signout button[type=submit]").await;
    browser.wait_for_url("/sign-in").await;
    let old = client()
        .get(daemon.url("/"))
        .header(COOKIE, format!("breachd_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 303);
    assert!(old.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/sign-in"));

    // The sign-in and sign-out are in the audit log, without token contents.
    let log = daemon.logs();
    assert!(!log.contains("eyJ"), "no JWT in the log");
    browser.quit().await;
    drop(provider);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_without_a_role_is_told_whom_to_ask_and_can_do_nothing() {
    if !browser_installed() || !provider_installed() {
        return;
    }
    let _one = ONE_BROWSER.lock().await;
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&base);
    let daemon = breachd_with(home.path(), port, &provider.issuer, "");
    daemon.wait_ready(Duration::from_secs(30)).await;
    let browser = Browser::start().await;

    provider_sign_in(&browser, &daemon, "sam").await;
    let heading = browser.text("h1").await;
    assert_eq!(heading, "Ask your administrator for access");
    let text = browser.text("main").await;
    assert!(text.contains("sam@elsewhere.example"), "{text}");
    assert!(
        browser.cookie("breachd_session").await.is_none(),
        "no session"
    );
    // Every page asks to sign in; every action is refused.
    browser.goto(&daemon.url("/")).await;
    browser.wait_for_url("/sign-in").await;
    let post = client()
        .post(daemon.url("/incidents/new"))
        .form(&[("title", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 403);

    // An address the provider did not verify earns no role by email (a
    // fresh browser: the provider remembers who signed in at it).
    browser.quit().await;
    let browser = Browser::start().await;
    provider_sign_in(&browser, &daemon, "una").await;
    assert_eq!(
        browser.text("h1").await,
        "Ask your administrator for access"
    );
    browser.quit().await;
    drop(provider);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_answers_are_refused_and_slowed_down() {
    if !provider_installed() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let provider = Provider::start(&base);
    let daemon = breachd_with(
        home.path(),
        port,
        &provider.issuer,
        "[auth]\nfailed_sign_ins_burst = 3\ntoken_sign_in = false\n",
    );
    daemon.wait_ready(Duration::from_secs(30)).await;
    let http = client();

    // The login redirects to the provider with PKCE, state and nonce, and
    // binds the attempt to this browser.
    let login = http
        .get(daemon.url(&format!("/auth/oidc/{PROVIDER_ID}/login?next=/rules")))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let to = login.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.starts_with(&provider.issuer), "{to}");
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "nonce=",
        "scope=openid",
    ] {
        assert!(to.contains(part), "{part} in {to}");
    }
    let binding = common::pages::set_cookie(&login, "breachd_oidc").expect("a binding cookie");
    assert!(
        binding.contains("SameSite=Lax") && binding.contains("HttpOnly"),
        "{binding}"
    );
    let state = to
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("state="))
        .unwrap()
        .to_owned();

    // The right state from another browser (no binding cookie) is refused,
    // and used up; a made-up one too; then the address is slowed down.
    let callback =
        |query: String| daemon.url(&format!("/auth/oidc/{PROVIDER_ID}/callback?{query}"));
    let other_browser = http
        .get(callback(format!("code=abc&state={state}")))
        .send()
        .await
        .unwrap();
    assert_eq!(other_browser.status(), 401);
    // With its binding cookie, a made-up code is refused by the provider:
    // a failed sign-in too.
    let login = http
        .get(daemon.url(&format!("/auth/oidc/{PROVIDER_ID}/login")))
        .send()
        .await
        .unwrap();
    let to = login.headers()[LOCATION].to_str().unwrap().to_owned();
    let own_state = to
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let own_binding =
        common::pages::cookie_pair(&common::pages::set_cookie(&login, "breachd_oidc").unwrap());
    let forged_code = http
        .get(callback(format!("code=forged&state={own_state}")))
        .header(COOKIE, own_binding)
        .send()
        .await
        .unwrap();
    assert_eq!(forged_code.status(), 401);
    let made_up = http
        .get(callback("code=abc&state=made-up".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(made_up.status(), 401);
    let deadline = Instant::now() + Duration::from_secs(10);
    let slowed = loop {
        let answer = http
            .get(callback("code=abc&state=made-up".into()))
            .send()
            .await
            .unwrap();
        if answer.status() == 429 || Instant::now() > deadline {
            break answer;
        }
    };
    assert_eq!(slowed.status(), 429);
    assert!(slowed.headers().contains_key("retry-after"));

    // With token sign-in off the page shows only the provider's button and
    // a token is refused.
    let page = http.get(daemon.url("/sign-in")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("Sign in with {PROVIDER_NAME}")),
        "{html}"
    );
    assert!(!html.contains("name=\"token\""), "{html}");
    let token = http
        .post(daemon.url("/sign-in"))
        .form(&[("token", "anything"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 403);

    // Counted in /metrics.
    let metrics = http
        .get(daemon.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "breachd_access_total{{event=\"sign_in_failed\",method=\"{PROVIDER_ID}\"}}"
        )),
        "{metrics}"
    );
    drop(provider);
}
