//! Test helpers: `spawn_app` boots the real daemon in-process on port 0
//! against a fresh SQLite file, with a clock the test controls and one API
//! token per role. The rest of the plumbing has a file each: `config`
//! (the configuration builder), `contracts` (a contract filed as the
//! contract tests file it), `daemon` (the real binary), `fan_out` (a
//! family-notice fan-out over HTTP), `instances` (several daemons on one
//! PostgreSQL database), `postgres`
//! (a fresh PostgreSQL database per test), `smtp` (a real SMTP server) and
//! `imap` (a real IMAP server, Dovecot).

#![allow(dead_code)] // each test binary uses a different subset

pub mod config;
pub mod contracts;
pub mod daemon;
pub mod fan_out;
pub mod imap;
pub mod instances;
pub mod multipart;
pub mod pages;
pub mod postgres;
pub mod skip;
pub mod smtp;
pub mod webdriver;

pub use config::TestConfig;

use breachd::app::Application;
use breachd::clock::ManualClock;
use breachd::settings::Settings;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The API tokens of the default configuration, one per role.
pub const ADMIN: &str = "test-admin-token";
pub const REPORTER: &str = "test-reporter-token";
pub const VIEWER: &str = "test-viewer-token";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub dir: PathBuf,
    pub wake: breachd::wake::Wake,
    /// What the daemon runs with (in `dir`).
    pub config: TestConfig,
    shutdown: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test timestamps are valid")
        .with_timezone(&Utc)
}

/// A daemon on a fresh database whose clock reads `now`.
pub async fn spawn_app_at(now: &str) -> TestApp {
    spawn_app_with(now, &TestConfig::new()).await
}

/// A daemon on a fresh database running with `config`.
pub async fn spawn_app_with(now: &str, config: &TestConfig) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary folder").keep();
    spawn_app_in(&dir, at(now), config).await
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at("2026-04-20T12:00:00-04:00").await
}

/// A daemon on the database in `dir` (fresh or left by an earlier daemon).
pub async fn spawn_app_in(dir: &Path, now: DateTime<Utc>, config: &TestConfig) -> TestApp {
    // RUST_LOG=breachd=debug cargo test ... shows the daemon's logs.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let layers = config.layers(dir);
    let layers: Vec<&str> = layers.iter().map(String::as_str).collect();
    let settings = Settings::from_toml_layers(&layers).expect("the test configuration is valid");
    let clock = ManualClock::new(now);
    let app = Application::build_with_clock(settings, std::sync::Arc::new(clock.clone()))
        .await
        .expect("the daemon builds");
    let base = format!("http://{}", app.address());
    let wake = app.wake();
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    TestApp {
        base,
        client: reqwest::Client::new(),
        clock,
        dir: dir.to_owned(),
        wake,
        config: config.clone(),
        shutdown,
        handle,
    }
}

impl TestApp {
    /// Stops the daemon gracefully and waits for it.
    pub async fn stop(self) -> PathBuf {
        self.shutdown.cancel();
        self.handle
            .await
            .expect("the server task does not panic")
            .expect("the server stops cleanly");
        self.dir
    }

    /// Moves the daemon's clock and wakes its scheduler.
    pub fn advance_to(&self, now: &str) {
        self.clock.set(at(now));
        self.wake.wake();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        split(response).await
    }

    /// A public page's text (no token), such as /metrics.
    pub async fn get_text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("a text body")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request sent");
        split(response).await
    }

    pub async fn file(&self, body: &Value) -> Value {
        let (status, answer) = self.post("/api/v1/incidents", REPORTER, body).await;
        assert_eq!(status, 201, "filing failed: {answer}");
        answer
    }
}

pub async fn split(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// The obligation of `kind` in an incident body.
pub fn obligation<'a>(incident: &'a Value, kind: &str) -> &'a Value {
    incident["obligations"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} obligation in {incident}"))
}
