//! The configuration a test daemon runs with, built in one place: the
//! in-process daemons of `spawn_app*` and the real binary of `daemon.rs`
//! start from the same base (a SQLite file, outbox and site in the daemon's
//! folder, no digest, one API token per role) and say only what differs.
//!
//! A `TestConfig` describes; the daemon's folder places it. `layers(dir)`
//! hands `Settings::from_toml_layers` the base and the extra layers as they
//! are; `render(dir)` merges them into the one file that `--config` reads,
//! the way the settings merge layers (the `config` crate): tables merge key
//! by key, any other value, arrays included, is replaced by the later layer.

use super::{ADMIN, REPORTER, VIEWER};
use breachd::auth::token_sha256;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// An API token in the configuration: its name, role and secret.
#[derive(Clone, Debug)]
struct Token {
    name: &'static str,
    role: &'static str,
    secret: String,
}

#[derive(Clone, Debug)]
pub struct TestConfig {
    listen: String,
    database_url: Option<String>,
    smtp_url: Option<String>,
    max_connections: Option<i64>,
    no_escalation: bool,
    instance_id: Option<String>,
    tokens: Vec<Token>,
    layers: Vec<String>,
}

impl Default for TestConfig {
    fn default() -> Self {
        let token = |name, secret: &str| Token {
            name,
            role: name,
            secret: secret.to_owned(),
        };
        TestConfig {
            // Port 0: the in-process daemon reports the port it was given.
            listen: "127.0.0.1:0".to_owned(),
            database_url: None,
            smtp_url: None,
            max_connections: None,
            no_escalation: false,
            instance_id: None,
            tokens: vec![
                token("admin", ADMIN),
                token("reporter", REPORTER),
                token("viewer", VIEWER),
            ],
            layers: Vec::new(),
        }
    }
}

impl TestConfig {
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens on loopback at `port` (a real binary's port must be known
    /// before it starts).
    pub fn port(mut self, port: u16) -> Self {
        self.listen = format!("127.0.0.1:{port}");
        self
    }

    /// Another database than the SQLite file in the daemon's folder.
    pub fn database_url(mut self, url: &str) -> Self {
        self.database_url = Some(url.to_owned());
        self
    }

    /// Sends email over SMTP to `url` instead of writing the outbox.
    pub fn smtp(mut self, url: &str) -> Self {
        self.smtp_url = Some(url.to_owned());
        self
    }

    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections =
            Some(i64::try_from(connections).expect("a connection count fits in TOML's integer"));
        self
    }

    /// No reminder steps and no overdue repeats: only the work under test
    /// reaches the SMTP server.
    pub fn no_escalation(mut self) -> Self {
        self.no_escalation = true;
        self
    }

    /// The scheduler's instance id (it names the lease holder and the
    /// sender in the delivery records).
    pub fn instance_id(mut self, id: &str) -> Self {
        self.instance_id = Some(id.to_owned());
        self
    }

    /// One administrator token, `secret`, instead of one token per role.
    pub fn admin_only(mut self, secret: &str) -> Self {
        self.tokens = vec![Token {
            name: "admin",
            role: "admin",
            secret: secret.to_owned(),
        }];
        self
    }

    /// A TOML layer over everything above (and over earlier layers).
    pub fn layer(mut self, toml: &str) -> Self {
        self.layers.push(toml.to_owned());
        self
    }

    /// The base and the extra layers, for `Settings::from_toml_layers`.
    pub fn layers(&self, dir: &Path) -> Vec<String> {
        let mut layers = vec![toml::to_string(&self.base(dir)).expect("the base is TOML")];
        layers.extend(self.layers.iter().cloned());
        layers
    }

    /// The whole configuration as one TOML document.
    pub fn render(&self, dir: &Path) -> String {
        let mut merged = self.base(dir);
        for layer in &self.layers {
            let layer: Table = toml::from_str(layer)
                .unwrap_or_else(|error| panic!("a test's TOML layer is TOML: {error}\n{layer}"));
            merge(&mut merged, layer);
        }
        toml::to_string(&merged).expect("a merged table is TOML")
    }

    /// Writes `render(dir)` to `dir/breachd.toml` and returns that path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("breachd.toml");
        std::fs::write(&path, self.render(dir)).expect("the daemon's folder is writable");
        path
    }

    fn base(&self, dir: &Path) -> Table {
        let path = |name: &str| Value::from(dir.join(name).display().to_string());
        let database_url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("breachd.db").display()));
        let mut email = Table::from_iter([("dir".to_owned(), path("outbox"))]);
        if let Some(url) = &self.smtp_url {
            email.insert("transport".into(), "smtp".into());
            email.insert("url".into(), url.as_str().into());
        }
        if let Some(connections) = self.max_connections {
            email.insert("max_connections".into(), connections.into());
        }
        let tokens: Vec<Value> = self
            .tokens
            .iter()
            .map(|token| {
                Value::Table(Table::from_iter([
                    ("name".to_owned(), token.name.into()),
                    ("role".to_owned(), token.role.into()),
                    (
                        "sha256".to_owned(),
                        hex::encode(token_sha256(&token.secret)).into(),
                    ),
                ]))
            })
            .collect();
        let mut base = Table::new();
        base.insert(
            "server".into(),
            table([("listen", self.listen.as_str().into())]),
        );
        base.insert("database".into(), table([("url", database_url.into())]));
        // The audit key and anchor in the daemon's folder, never the
        // working directory's `data/` that every test would share.
        base.insert(
            "audit".into(),
            table([
                ("key_file", path("audit-key")),
                ("anchor_file", path("audit-head")),
            ]),
        );
        base.insert("email".into(), Value::Table(email));
        base.insert("publish".into(), table([("dir", path("site"))]));
        base.insert("digest".into(), table([("cron", "".into())]));
        // Wording without the shipped placeholders, so that a test approves
        // without editing the draft first (the placeholder tests edit it).
        base.insert(
            "notice".into(),
            table([
                (
                    "what_we_are_doing",
                    "We are working with the company involved.".into(),
                ),
                (
                    "what_families_can_do",
                    "Contact us with any questions.".into(),
                ),
            ]),
        );
        base.insert("auth".into(), table([("tokens", Value::Array(tokens))]));
        if self.no_escalation {
            base.insert(
                "escalation".into(),
                table([
                    ("steps", Value::Array(Vec::new())),
                    ("repeat_overdue", "0s".into()),
                ]),
            );
        }
        if let Some(id) = &self.instance_id {
            base.insert(
                "scheduler".into(),
                table([("instance_id", id.as_str().into())]),
            );
        }
        base
    }
}

fn table<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Table(
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

/// `layer` over `into`, as the settings merge layers.
fn merge(into: &mut Table, layer: Table) {
    for (key, value) in layer {
        match (into.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => merge(existing, incoming),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}
