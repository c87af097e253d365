//! Typed, validated configuration.
//!
//! Layers (the `config` crate): the embedded `config/default.toml`, then the
//! operator's file, then `BREACHD__SECTION__KEY` environment variables. The
//! merged result is parsed once at start-up into the types the rest of the
//! daemon uses (a `Tz`, a `SocketAddr`, parsed durations and mailboxes, a
//! ready rules engine); every bad key is reported, not only the first, and
//! a key no section knows is one of them (see `unknown.rs`). Each section
//! has its parser in a file of its own; `raw.rs` holds the shapes as read.

mod audit;
mod auth;
mod contacts;
mod database;
mod digest;
mod district;
mod email;
mod escalation;
mod log;
mod notice;
mod oidc;
mod overlay;
mod publish;
mod raw;
mod requests;
mod rules;
mod scheduler;
mod server;
mod shape;
mod timezone;
mod unknown;
mod values;

#[cfg(test)]
mod tests;

use crate::rules::Engine;
use crate::scheduler::cron::LocalSchedule;
use crate::scheduler::escalation::Policy;
use chrono_tz::Tz;
use config::builder::DefaultState;
use config::{Config, ConfigBuilder, Environment, File, FileFormat, Source};
use lettre::message::Mailbox;
use raw::Raw;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");
pub const DEFAULT_PATH: &str = "config/default.toml";
pub const ENV_CONFIG: &str = "BREACHD_CONFIG";
/// `BREACHD__SECTION__KEY` overrides `section.key`.
const ENV_PREFIX: &str = "BREACHD";

/// One bad key and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub reason: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.reason)
    }
}

/// Everything wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration:")?;
        for problem in &self.0 {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl ConfigErrors {
    fn one(key: &str, reason: String) -> Self {
        ConfigErrors(vec![ConfigProblem {
            key: key.into(),
            reason,
        }])
    }
}

pub use crate::auth::{ApiToken, Role};
pub use auth::SessionLifetimes;
pub use oidc::{Member, OidcProvider, RoleMap};
pub use requests::RequestSettings;

/// A credential read from a file: usable, but `Debug` shows only that it is
/// set, so a settings dump in a log or a panic never carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTransport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Auto,
    Human,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub request_timeout: Duration,
    /// `server.roster_timeout`: the roster uploads' own limit (API and page).
    pub roster_timeout: Duration,
    /// `server.header_read_timeout`: a connection's request line and
    /// headers must arrive within it, and a kept-alive connection is closed
    /// when no request starts within it.
    pub header_read_timeout: Duration,
    /// `server.max_connections`: connections served at once (idle ones are
    /// closed first to make room).
    pub max_connections: usize,
    /// Where people reach the pages (`server.public_url`), without a
    /// trailing slash; reminders link to the incident page with it.
    pub public_url: Option<String>,
    pub database_url: String,
    pub database: DatabaseSettings,
    pub audit: AuditSettings,
    pub district_name: String,
    pub timezone: Tz,
    pub jurisdiction: String,
    pub engine: Engine,
    pub contacts: BTreeMap<String, Vec<Mailbox>>,
    pub email: EmailSettings,
    pub publish_dir: PathBuf,
    pub publish_base_url: String,
    pub publish_templates: Option<PathBuf>,
    pub notice: NoticeSettings,
    pub tokens: Vec<ApiToken>,
    /// `auth.failed_sign_ins_burst`.
    pub failed_sign_ins_burst: u32,
    /// `auth.session_idle` and `auth.session_lifetime`.
    pub sessions: SessionLifetimes,
    /// `[[auth.oidc]]`: the identity providers people sign in with.
    pub oidc: Vec<OidcProvider>,
    /// `[auth.roles]`.
    pub roles: RoleMap,
    /// `auth.token_sign_in`: whether the sign-in page takes an API token.
    pub token_sign_in: bool,
    /// `None` when `digest.cron` is empty.
    pub digest_schedule: Option<LocalSchedule>,
    pub digest_recipients: Vec<String>,
    pub escalation: Policy,
    pub scheduler: SchedulerSettings,
    pub log_format: LogFormat,
    pub log_level: String,
    /// `[requests]`: the public privacy-request form's limit per address.
    pub requests: RequestSettings,
}

#[derive(Clone)]
pub struct EmailSettings {
    pub transport: EmailTransport,
    pub from: Mailbox,
    pub dir: PathBuf,
    pub url: String,
    pub max_connections: u32,
    pub rate_per_second: u32,
    pub timeout: Duration,
    /// breachd's own SMTP sessions (`smtp://`): each step's limit, so that
    /// a stalled server is given up on quickly and its connection replaced.
    pub connect_timeout: Duration,
    pub greeting_timeout: Duration,
    pub reply_timeout: Duration,
    pub data_timeout: Duration,
    /// From `password_file` (or `$CREDENTIALS_DIRECTORY/smtp-password`);
    /// never printed, not even by `Debug`.
    pub password: Option<Secret>,
    pub templates: Option<PathBuf>,
}

/// Written out so that a password inside `url` (smtp://user:pass@host) is
/// shown as redacted, as the password file's is.
impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = match reqwest::Url::parse(&self.url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("<redacted>"));
                url.to_string()
            }
            _ => self.url.clone(),
        };
        f.debug_struct("EmailSettings")
            .field("transport", &self.transport)
            .field("from", &self.from)
            .field("dir", &self.dir)
            .field("url", &url)
            .field("max_connections", &self.max_connections)
            .field("rate_per_second", &self.rate_per_second)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("greeting_timeout", &self.greeting_timeout)
            .field("reply_timeout", &self.reply_timeout)
            .field("data_timeout", &self.data_timeout)
            .field("password", &self.password)
            .field("templates", &self.templates)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct NoticeSettings {
    pub auto_send: bool,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    pub chunk_size: u64,
}

/// How the store is opened (`[database]` besides its URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// PostgreSQL's pool size.
    pub max_connections: u32,
    /// SQLite with `synchronous = FULL`: a commit survives a power cut.
    pub sqlite_durable: bool,
}

/// Where the audit chain's key and anchor live (`[audit]`), outside the
/// database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// The key file (created at the first start when missing).
    pub key_file: PathBuf,
    /// The file the chain's head is anchored in after each commit.
    pub anchor_file: PathBuf,
}

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    pub lease: Duration,
    pub batch: i64,
    pub instance_id: String,
    /// A job whose handler failed this many times is parked as failed.
    pub max_attempts: i64,
}

// ---- loading --------------------------------------------------------------

/// Which file to read: `--config`, else `$BREACHD_CONFIG`, else
/// `config/default.toml` if it exists (the embedded defaults otherwise).
pub fn config_path(explicit: Option<&Path>) -> (Option<PathBuf>, bool) {
    if let Some(path) = explicit {
        return (Some(path.to_owned()), true);
    }
    if let Some(path) = std::env::var_os(ENV_CONFIG).filter(|value| !value.is_empty()) {
        return (Some(PathBuf::from(path)), true);
    }
    let default = PathBuf::from(DEFAULT_PATH);
    (default.exists().then_some(default), false)
}

/// The shipped example of `publish.base_url`: a district that keeps it
/// would link its families to a site that is not theirs.
pub const EXAMPLE_BASE_URL: &str = "https://www.example.org/notices";

impl Settings {
    /// What is valid but probably not meant: shown by `check-config`.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.publish_base_url.trim_end_matches('/') == EXAMPLE_BASE_URL {
            warnings.push(format!(
                "publish.base_url is still the shipped example ({EXAMPLE_BASE_URL}): \
                 family notices would link to a site that is not the district's"
            ));
        }
        if self.public_url.is_none() {
            warnings.push(
                "server.public_url is not set: reminders cannot link to the incident page"
                    .to_owned(),
            );
        }
        if !self.oidc.is_empty() && self.roles.is_empty() {
            warnings.push(
                "auth.roles gives nobody a role: whoever signs in with an identity provider \
                 will be told to ask an administrator"
                    .to_owned(),
            );
        }
        if self.notice.auto_send {
            let placeholders: Vec<&str> = [
                ("notice.what_we_are_doing", &self.notice.what_we_are_doing),
                (
                    "notice.what_families_can_do",
                    &self.notice.what_families_can_do,
                ),
            ]
            .into_iter()
            .filter(|(_, text)| !crate::domain::placeholder::placeholders(text).is_empty())
            .map(|(key, _)| key)
            .collect();
            if !placeholders.is_empty() {
                warnings.push(format!(
                    "notice.auto_send is on but {} still hold a \"[FILL IN: ...]\" placeholder: \
                     every notice will wait for an administrator to fill it in and approve",
                    placeholders.join(" and ")
                ));
            }
        }
        if self.tokens.is_empty() {
            warnings.push(
                "no API token is configured in the file: only tokens made with \
                 `breachd token new --role ROLE --name NAME` (kept in the database) are accepted"
                    .to_owned(),
            );
        }
        warnings
    }

    /// Loads and validates the configuration with the process environment.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigErrors> {
        let (path, required) = config_path(explicit);
        Self::load_from(
            path.as_deref(),
            required,
            Environment::with_prefix(ENV_PREFIX),
        )
    }

    fn load_from(
        path: Option<&Path>,
        required: bool,
        environment: Environment,
    ) -> Result<Self, ConfigErrors> {
        if let Some(path) = path {
            if required && !path.exists() {
                return Err(ConfigErrors::one(
                    "--config",
                    format!("{} does not exist", path.display()),
                ));
            }
        }
        let files = |builder: ConfigBuilder<DefaultState>| match path {
            Some(path) => {
                builder.add_source(File::from(path).format(FileFormat::Toml).required(required))
            }
            None => builder,
        };
        let environment = environment
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true);
        let env_keys: Vec<String> = environment
            .collect()
            .map_err(|error| ConfigErrors::one("environment", error.to_string()))?
            .into_keys()
            .collect();
        let build = |builder: ConfigBuilder<DefaultState>| {
            builder
                .build()
                .map_err(|error| ConfigErrors::one("file", error.to_string()))
        };
        let file_layers = build(files(defaults()))?;
        let merged = build(files(defaults()).add_source(environment))?;
        Self::from_config(merged, &file_layers, &env_keys)
    }

    /// Parses a configuration given as TOML text (over the embedded
    /// defaults), without the environment: for tests and tools.
    pub fn from_toml(text: &str) -> Result<Self, ConfigErrors> {
        Self::from_toml_layers(&[text])
    }

    /// As `from_toml`, with several TOML layers, later ones winning.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Self, ConfigErrors> {
        let mut builder = defaults();
        for layer in layers {
            builder = builder.add_source(File::from_str(layer, FileFormat::Toml));
        }
        let merged = builder
            .build()
            .map_err(|error| ConfigErrors::one("config", error.to_string()))?;
        Self::from_config(merged.clone(), &merged, &[])
    }

    /// `file_layers` is `merged` without the environment, whose keys are
    /// `env_keys`: they tell where an unknown key came from.
    fn from_config(
        merged: Config,
        file_layers: &Config,
        env_keys: &[String],
    ) -> Result<Self, ConfigErrors> {
        let (raw, unknown) = unknown::deserialize(merged)
            .map_err(|error| ConfigErrors::one("config", error.to_string()))?;
        let mut problems = Problems::default();
        unknown::report(&unknown, file_layers, env_keys, &mut problems);
        Self::from_raw(raw, problems)
    }

    /// Each section's parser records its own problems; the settings exist
    /// only if there are none.
    fn from_raw(raw: Raw, mut problems: Problems) -> Result<Self, ConfigErrors> {
        let server = server::parse(raw.server, &mut problems);
        let (database_url, database) = database::parse(raw.database, &mut problems);
        let audit = audit::parse(raw.audit, &mut problems);
        let timezone = problems.parse("district.timezone", timezone::parse(&raw.district.timezone));
        let district = district::parse(raw.district, raw.rules, timezone, &mut problems);
        let contacts = contacts::parse(raw.contacts, &mut problems);
        let email = email::parse(raw.email, &mut problems);
        let notice = notice::parse(raw.notice, email.as_ref().map(|e| &e.from), &mut problems);
        let publish = publish::parse(raw.publish, &mut problems);
        let failed_sign_ins_burst =
            auth::failed_sign_ins_burst(raw.auth.failed_sign_ins_burst, &mut problems);
        let sessions = auth::session_lifetimes(&raw.auth, &mut problems);
        let oidc = oidc::providers(&raw.auth.oidc, &mut problems);
        oidc::check(
            &raw.auth,
            &oidc,
            server.as_ref().map(|server| &server.public_url),
            &mut problems,
        );
        let roles = oidc::roles(&raw.auth.roles, &mut problems);
        let token_sign_in = raw.auth.token_sign_in;
        let tokens = auth::parse(raw.auth, &mut problems);
        let digest = digest::parse(raw.digest, timezone, &contacts, &mut problems);
        let escalation = escalation::parse(raw.escalation, &contacts, &mut problems);
        let scheduler = scheduler::parse(raw.scheduler, &mut problems);
        let log = log::parse(raw.log, &mut problems);
        let requests = requests::parse(raw.requests, &mut problems);

        let assemble = || {
            let (server, district, log) = (server?, district?, log?);
            Some(Settings {
                listen: server.listen,
                request_timeout: server.request_timeout,
                roster_timeout: server.roster_timeout,
                header_read_timeout: server.header_read_timeout,
                max_connections: server.max_connections,
                public_url: server.public_url,
                database_url,
                database,
                audit: audit?,
                district_name: district.name,
                timezone: timezone?,
                jurisdiction: district.jurisdiction,
                engine: district.engine,
                contacts,
                email: email?,
                publish_dir: publish.dir,
                publish_base_url: publish.base_url,
                publish_templates: publish.templates,
                notice: notice?,
                tokens,
                failed_sign_ins_burst: failed_sign_ins_burst?,
                sessions: sessions?,
                oidc,
                roles,
                token_sign_in,
                digest_schedule: digest.schedule,
                digest_recipients: digest.recipients,
                escalation: escalation?,
                scheduler: scheduler?,
                log_format: log.format,
                log_level: log.level,
                requests: requests?,
            })
        };
        let settings = assemble();
        problems.finish(settings)
    }
}

/// The embedded defaults: every key has a value before any other layer.
fn defaults() -> ConfigBuilder<DefaultState> {
    Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml))
}

/// The problems found so far, in the order found.
#[derive(Default)]
pub(crate) struct Problems(Vec<ConfigProblem>);

impl Problems {
    pub(crate) fn push(&mut self, key: &str, reason: String) {
        self.0.push(ConfigProblem {
            key: key.to_owned(),
            reason,
        });
    }

    pub(crate) fn parse<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|reason| self.push(key, reason)).ok()
    }

    /// Parses each item of the list at `key`, naming a bad one `key[i]`;
    /// the good ones are returned.
    pub(crate) fn parse_each<T>(
        &mut self,
        key: &str,
        items: &[String],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, text)| self.parse(&format!("{key}[{i}]"), parse(text)))
            .collect()
    }

    /// A section parser returns `None` only after recording why, so a
    /// missing value with no problem is a parser's bug: it is still refused,
    /// with a problem that says so, rather than panicking at start-up.
    fn finish<T>(self, value: Option<T>) -> Result<T, ConfigErrors> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ if !self.0.is_empty() => Err(ConfigErrors(self.0)),
            _ => Err(ConfigErrors::one(
                "config",
                "a section was refused without a reason (a bug in breachd)".into(),
            )),
        }
    }
}
