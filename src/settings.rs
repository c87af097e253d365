//! Typed, validated configuration.
//!
//! Layers (the `config` crate): the embedded `config/default.toml`, then the
//! operator's file, then `BREACHD__SECTION__KEY` environment variables. The
//! merged result is parsed once at start-up into the types the rest of the
//! daemon uses (a `Tz`, a `SocketAddr`, parsed durations and mailboxes, a
//! ready rules engine); every bad key is reported, not only the first.

use crate::domain::ClockEvent;
use crate::duration::parse_std_duration;
use crate::rules::engine::contractor_key;
use crate::rules::{Engine, Overlay, RulePack, Taxonomy, Within};
use crate::scheduler::cron::LocalSchedule;
use crate::scheduler::escalation::{Policy, Step, StepAt};
use chrono::NaiveDate;
use chrono_tz::Tz;
use config::{Config, Environment, File, FileFormat};
use lettre::message::Mailbox;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");
pub const DEFAULT_PATH: &str = "config/default.toml";
pub const ENV_CONFIG: &str = "BREACHD_CONFIG";

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

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Reporter,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reporter => "reporter",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "reporter" => Ok(Role::Reporter),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("{s:?} is not a role (reporter, viewer or admin)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub name: String,
    pub role: Role,
    pub sha256: [u8; 32],
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
    pub database_url: String,
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
    /// `None` when `digest.cron` is empty.
    pub digest_schedule: Option<LocalSchedule>,
    pub digest_recipients: Vec<String>,
    pub escalation: Policy,
    pub scheduler: SchedulerSettings,
    pub log_format: LogFormat,
    pub log_level: String,
}

#[derive(Debug, Clone)]
pub struct EmailSettings {
    pub transport: EmailTransport,
    pub from: Mailbox,
    pub dir: PathBuf,
    pub url: String,
    pub max_connections: u32,
    pub rate_per_second: u32,
    pub timeout: Duration,
    /// From `password_file` (or `$CREDENTIALS_DIRECTORY/smtp-password`).
    pub password: Option<String>,
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct NoticeSettings {
    pub auto_send: bool,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    pub chunk_size: u64,
}

#[derive(Debug, Clone)]
pub struct SchedulerSettings {
    pub lease: Duration,
    pub batch: i64,
    pub instance_id: String,
}

// ---- the raw shape of the file --------------------------------------------

#[derive(Debug, Deserialize)]
struct Raw {
    server: RawServer,
    database: RawDatabase,
    district: RawDistrict,
    rules: RawRules,
    contacts: BTreeMap<String, OneOrMany>,
    email: RawEmail,
    publish: RawPublish,
    auth: RawAuth,
    digest: RawDigest,
    log: RawLog,
    escalation: RawEscalation,
    scheduler: RawScheduler,
    notice: RawNotice,
}

#[derive(Debug, Deserialize)]
struct RawEscalation {
    steps: Vec<RawStep>,
    repeat_overdue: String,
    overdue_notify: OneOrMany,
}

#[derive(Debug, Deserialize)]
struct RawStep {
    at: Option<String>,
    notify: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
struct RawScheduler {
    lease: String,
    batch: i64,
    instance_id: String,
}

#[derive(Debug, Deserialize)]
struct RawServer {
    listen: String,
    request_timeout: String,
}

#[derive(Debug, Deserialize)]
struct RawDatabase {
    url: String,
}

#[derive(Debug, Deserialize)]
struct RawDistrict {
    name: String,
    timezone: String,
    jurisdiction: String,
    closures: OneOrMany,
    directory_information: OneOrMany,
    #[serde(default)]
    policy: Vec<RawOverlay>,
    #[serde(default)]
    contract: Vec<RawOverlay>,
}

#[derive(Debug, Deserialize)]
struct RawOverlay {
    kind: Option<String>,
    within: Option<String>,
    clock: Option<String>,
    citation: Option<String>,
    contractor: Option<String>,
    effective_from: Option<String>,
    effective_until: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawRules {
    dir: String,
    taxonomy: String,
}

#[derive(Debug, Deserialize)]
struct RawEmail {
    transport: String,
    from: String,
    dir: String,
    url: String,
    max_connections: i64,
    rate_per_second: i64,
    timeout: String,
    password_file: String,
    templates: String,
}

#[derive(Debug, Deserialize)]
struct RawPublish {
    dir: String,
    base_url: String,
    templates: String,
}

#[derive(Debug, Deserialize)]
struct RawNotice {
    auto_send: bool,
    what_we_are_doing: String,
    what_families_can_do: String,
    contact: String,
    chunk_size: i64,
}

#[derive(Debug, Deserialize)]
struct RawAuth {
    #[serde(default)]
    tokens: Vec<RawToken>,
}

#[derive(Debug, Deserialize)]
struct RawToken {
    name: Option<String>,
    role: Option<String>,
    sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawDigest {
    cron: String,
    recipients: OneOrMany,
}

#[derive(Debug, Deserialize)]
struct RawLog {
    format: String,
    level: String,
}

/// A list that an environment variable may give as one comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<String>),
    One(String),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::Many(items) => items,
            OneOrMany::One(text) => text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
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

impl Settings {
    /// Loads and validates the configuration with the process environment.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigErrors> {
        let (path, required) = config_path(explicit);
        Self::load_from(
            path.as_deref(),
            required,
            Environment::with_prefix("BREACHD"),
        )
    }

    fn load_from(
        path: Option<&Path>,
        required: bool,
        environment: Environment,
    ) -> Result<Self, ConfigErrors> {
        let one = |key: &str, reason: String| {
            ConfigErrors(vec![ConfigProblem {
                key: key.into(),
                reason,
            }])
        };
        if let Some(path) = path {
            if required && !path.exists() {
                return Err(one(
                    "--config",
                    format!("{} does not exist", path.display()),
                ));
            }
        }
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        if let Some(path) = path {
            builder =
                builder.add_source(File::from(path).format(FileFormat::Toml).required(required));
        }
        let merged = builder
            .add_source(
                environment
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .map_err(|error| one("file", error.to_string()))?;
        let raw: Raw = merged
            .try_deserialize()
            .map_err(|error| one("config", error.to_string()))?;
        Self::from_raw(raw)
    }

    /// Parses a configuration given as TOML text (over the embedded
    /// defaults), without the environment: for tests and tools.
    pub fn from_toml(text: &str) -> Result<Self, ConfigErrors> {
        Self::from_toml_layers(&[text])
    }

    /// As `from_toml`, with several TOML layers, later ones winning.
    pub fn from_toml_layers(layers: &[&str]) -> Result<Self, ConfigErrors> {
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        for layer in layers {
            builder = builder.add_source(File::from_str(layer, FileFormat::Toml));
        }
        let merged = builder
            .build()
            .and_then(|merged| merged.try_deserialize::<Raw>())
            .map_err(|error| {
                ConfigErrors(vec![ConfigProblem {
                    key: "config".into(),
                    reason: error.to_string(),
                }])
            })?;
        Self::from_raw(merged)
    }

    fn from_raw(raw: Raw) -> Result<Self, ConfigErrors> {
        let mut problems = Problems::default();

        let listen = problems.parse(
            "server.listen",
            raw.server.listen.parse::<SocketAddr>().map_err(|_| {
                format!(
                    "{:?} is not an address and port such as \"127.0.0.1:8080\"",
                    raw.server.listen
                )
            }),
        );
        let request_timeout = problems.parse(
            "server.request_timeout",
            parse_std_duration(&raw.server.request_timeout),
        );

        let database_url = raw.database.url.trim().to_owned();
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            problems.push(
                "database.url",
                format!("{database_url:?} must start with sqlite:// or postgres://"),
            );
        }

        if raw.district.name.trim().is_empty() {
            problems.push("district.name", "must not be empty".into());
        }
        let timezone = problems.parse(
            "district.timezone",
            raw.district.timezone.parse::<Tz>().map_err(|_| {
                format!(
                    "{:?} is not an IANA time zone name such as \"America/New_York\"",
                    raw.district.timezone
                )
            }),
        );
        let closures: Vec<NaiveDate> = raw
            .district
            .closures
            .into_vec()
            .iter()
            .enumerate()
            .filter_map(|(i, text)| {
                problems.parse(
                    &format!("district.closures[{i}]"),
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map_err(|_| format!("{text:?} is not a date \"YYYY-MM-DD\"")),
                )
            })
            .collect();

        let pack = problems.parse(
            "district.jurisdiction",
            load_pack(&raw.rules.dir, &raw.district.jurisdiction),
        );
        let taxonomy = problems.parse("rules.taxonomy", load_taxonomy(&raw.rules.taxonomy));
        let designated = raw.district.directory_information.into_vec();
        let taxonomy = match taxonomy {
            Some(taxonomy) if !designated.is_empty() => {
                match taxonomy.with_directory_designation(&designated) {
                    Ok(taxonomy) => Some(taxonomy),
                    Err(errors) => {
                        for error in errors {
                            problems.push("district.directory_information", error);
                        }
                        None
                    }
                }
            }
            other => other,
        };

        let mut overlays = Vec::new();
        for (section, entries, is_contract) in [
            ("district.policy", raw.district.policy, false),
            ("district.contract", raw.district.contract, true),
        ] {
            for (i, entry) in entries.into_iter().enumerate() {
                if let Some(overlay) = overlay(
                    &format!("{section}[{i}]"),
                    entry,
                    is_contract,
                    pack.as_ref(),
                    &mut problems,
                ) {
                    overlays.push(overlay);
                }
            }
        }

        let mut contacts = BTreeMap::new();
        for (role, addresses) in raw.contacts {
            if !is_identifier(&role) {
                problems.push(
                    &format!("contacts.{role}"),
                    "a role name is lowercase letters, digits and underscores".into(),
                );
            }
            let parsed: Vec<Mailbox> = addresses
                .into_vec()
                .iter()
                .enumerate()
                .filter_map(|(i, text)| {
                    problems.parse(&format!("contacts.{role}[{i}]"), parse_mailbox(text))
                })
                .collect();
            contacts.insert(role, parsed);
        }

        let transport = match raw.email.transport.as_str() {
            "file" => Some(EmailTransport::File),
            "smtp" => Some(EmailTransport::Smtp),
            other => {
                problems.push(
                    "email.transport",
                    format!("{other:?} is not \"file\" or \"smtp\""),
                );
                None
            }
        };
        let from = problems.parse("email.from", parse_mailbox(&raw.email.from));
        if transport == Some(EmailTransport::Smtp)
            && !(raw.email.url.starts_with("smtp://") || raw.email.url.starts_with("smtps://"))
        {
            problems.push("email.url", "must start with smtp:// or smtps://".into());
        }
        let max_connections = problems.parse(
            "email.max_connections",
            u32::try_from(raw.email.max_connections)
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| "must be between 1 and 1000".to_owned()),
        );
        let rate_per_second = problems.parse(
            "email.rate_per_second",
            u32::try_from(raw.email.rate_per_second)
                .map_err(|_| "must be 0 (unlimited) or more".to_owned()),
        );
        if raw.email.dir.trim().is_empty() {
            problems.push("email.dir", "must not be empty".into());
        }
        if raw.publish.dir.trim().is_empty() {
            problems.push("publish.dir", "must not be empty".into());
        }
        match reqwest::Url::parse(&raw.publish.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => problems.push(
                "publish.base_url",
                format!("{:?} is not an http(s) URL", raw.publish.base_url),
            ),
        }

        let mut tokens: Vec<ApiToken> = Vec::new();
        for (i, token) in raw.auth.tokens.into_iter().enumerate() {
            let key = format!("auth.tokens[{i}]");
            let name = token.name.unwrap_or_default();
            if name.trim().is_empty() {
                problems.push(&format!("{key}.name"), "is required".into());
            } else if tokens.iter().any(|other| other.name == name) {
                problems.push(
                    &format!("{key}.name"),
                    format!("{name:?} is used by another token"),
                );
            }
            let role = problems.parse(
                &format!("{key}.role"),
                token
                    .role
                    .ok_or_else(|| "is required".to_owned())
                    .and_then(|role| role.parse()),
            );
            let sha256 = problems.parse(
                &format!("{key}.sha256"),
                token
                    .sha256
                    .ok_or_else(|| "is required".to_owned())
                    .and_then(|hex_text| parse_sha256(&hex_text)),
            );
            if let (Some(role), Some(sha256)) = (role, sha256) {
                tokens.push(ApiToken { name, role, sha256 });
            }
        }

        let digest_recipients = raw.digest.recipients.into_vec();
        for (i, role) in digest_recipients.iter().enumerate() {
            if !contacts.contains_key(role) {
                problems.push(
                    &format!("digest.recipients[{i}]"),
                    format!("{role:?} is not a role under [contacts]"),
                );
            }
        }
        let digest_schedule = match (raw.digest.cron.trim(), timezone) {
            ("", _) | (_, None) => None,
            (expression, Some(zone)) => {
                if expression.split_whitespace().count() < 6 {
                    problems.push(
                        "digest.cron",
                        "needs six or seven fields, seconds first (e.g. \"0 0 7 * * Mon-Fri\")"
                            .into(),
                    );
                    None
                } else {
                    problems.parse("digest.cron", LocalSchedule::parse(expression, zone))
                }
            }
        };

        let role_list = |key: &str, roles: Vec<String>, problems: &mut Problems| -> Vec<String> {
            for (i, role) in roles.iter().enumerate() {
                if !contacts.contains_key(role) {
                    problems.push(
                        &format!("{key}[{i}]"),
                        format!("{role:?} is not a role under [contacts]"),
                    );
                }
            }
            roles
        };
        let mut steps = Vec::new();
        for (i, step) in raw.escalation.steps.into_iter().enumerate() {
            let key = format!("escalation.steps[{i}]");
            let at = match step.at {
                Some(text) => problems.parse(&format!("{key}.at"), text.parse::<StepAt>()),
                None => {
                    problems.push(&format!("{key}.at"), "is required".into());
                    None
                }
            };
            let notify = role_list(
                &format!("{key}.notify"),
                step.notify.map(OneOrMany::into_vec).unwrap_or_default(),
                &mut problems,
            );
            if let Some(at) = at {
                steps.push(Step { at, notify });
            }
        }
        let repeat_overdue = match raw.escalation.repeat_overdue.trim() {
            "0" | "0s" | "" => Some(chrono::Duration::zero()),
            text => problems
                .parse("escalation.repeat_overdue", parse_std_duration(text))
                .and_then(|d| chrono::Duration::from_std(d).ok()),
        };
        let overdue_notify = role_list(
            "escalation.overdue_notify",
            raw.escalation.overdue_notify.into_vec(),
            &mut problems,
        );

        let email_timeout = problems.parse("email.timeout", parse_std_duration(&raw.email.timeout));
        let password = match raw.email.password_file.trim() {
            "" => std::env::var_os("CREDENTIALS_DIRECTORY")
                .map(|dir| PathBuf::from(dir).join("smtp-password"))
                .filter(|path| path.exists())
                .and_then(|path| problems.parse("email.password_file", read_secret(&path))),
            path => problems.parse("email.password_file", read_secret(Path::new(path))),
        };
        let templates = match raw.email.templates.trim() {
            "" => None,
            dir if Path::new(dir).is_dir() => Some(PathBuf::from(dir)),
            dir => {
                problems.push("email.templates", format!("{dir:?} is not a folder"));
                None
            }
        };
        let publish_templates = match raw.publish.templates.trim() {
            "" => None,
            dir if Path::new(dir).is_dir() => Some(PathBuf::from(dir)),
            dir => {
                problems.push("publish.templates", format!("{dir:?} is not a folder"));
                None
            }
        };
        for (key, text) in [
            ("notice.what_we_are_doing", &raw.notice.what_we_are_doing),
            (
                "notice.what_families_can_do",
                &raw.notice.what_families_can_do,
            ),
        ] {
            if text.trim().is_empty() {
                problems.push(key, "must not be empty".into());
            }
        }
        if !(1..=100_000).contains(&raw.notice.chunk_size) {
            problems.push("notice.chunk_size", "must be between 1 and 100000".into());
        }
        let lease = problems.parse("scheduler.lease", parse_std_duration(&raw.scheduler.lease));
        if !(1..=10_000).contains(&raw.scheduler.batch) {
            problems.push("scheduler.batch", "must be between 1 and 10000".into());
        }
        let instance_id = match raw.scheduler.instance_id.trim() {
            "" => format!(
                "{}-{}",
                std::env::var("HOSTNAME")
                    .ok()
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "breachd".into()),
                std::process::id()
            ),
            id => id.to_owned(),
        };

        let log_format = match raw.log.format.as_str() {
            "auto" => Some(LogFormat::Auto),
            "human" => Some(LogFormat::Human),
            "json" => Some(LogFormat::Json),
            other => {
                problems.push(
                    "log.format",
                    format!("{other:?} is not auto, human or json"),
                );
                None
            }
        };
        if tracing_subscriber::EnvFilter::try_new(&raw.log.level).is_err() {
            problems.push(
                "log.level",
                format!(
                    "{:?} is not a tracing filter such as \"info\"",
                    raw.log.level
                ),
            );
        }

        if !problems.0.is_empty() {
            return Err(ConfigErrors(problems.0));
        }
        // Every Option below is Some: a None was recorded as a problem above.
        let (
            Some(listen),
            Some(request_timeout),
            Some(timezone),
            Some(pack),
            Some(taxonomy),
            Some(transport),
            Some(from),
            Some(max_connections),
            Some(rate_per_second),
            Some(log_format),
            Some(repeat_overdue),
            Some(email_timeout),
            Some(lease),
        ) = (
            listen,
            request_timeout,
            timezone,
            pack,
            taxonomy,
            transport,
            from,
            max_connections,
            rate_per_second,
            log_format,
            repeat_overdue,
            email_timeout,
            lease,
        )
        else {
            unreachable!("a missing value is always recorded as a problem");
        };
        let notice_contact_default = from.to_string();
        Ok(Settings {
            listen,
            request_timeout,
            database_url,
            district_name: raw.district.name.trim().to_owned(),
            timezone,
            jurisdiction: pack.jurisdiction.clone(),
            engine: Engine::new(pack, overlays, closures, timezone, taxonomy),
            contacts,
            email: EmailSettings {
                transport,
                from,
                dir: PathBuf::from(raw.email.dir),
                url: raw.email.url,
                max_connections,
                rate_per_second,
                timeout: email_timeout,
                password,
                templates,
            },
            publish_dir: PathBuf::from(raw.publish.dir),
            publish_base_url: raw.publish.base_url.trim_end_matches('/').to_owned(),
            publish_templates,
            notice: NoticeSettings {
                auto_send: raw.notice.auto_send,
                what_we_are_doing: raw.notice.what_we_are_doing.trim().to_owned(),
                what_families_can_do: raw.notice.what_families_can_do.trim().to_owned(),
                contact: match raw.notice.contact.trim() {
                    "" => notice_contact_default,
                    contact => contact.to_owned(),
                },
                chunk_size: u64::try_from(raw.notice.chunk_size).unwrap_or(500),
            },
            tokens,
            digest_schedule,
            digest_recipients,
            escalation: Policy {
                steps,
                overdue_notify,
                repeat_overdue,
            },
            scheduler: SchedulerSettings {
                lease,
                batch: raw.scheduler.batch,
                instance_id,
            },
            log_format,
            log_level: raw.log.level,
        })
    }
}

#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn push(&mut self, key: &str, reason: String) {
        self.0.push(ConfigProblem {
            key: key.to_owned(),
            reason,
        });
    }

    fn parse<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|reason| self.push(key, reason)).ok()
    }
}

fn overlay(
    key: &str,
    raw: RawOverlay,
    is_contract: bool,
    pack: Option<&RulePack>,
    problems: &mut Problems,
) -> Option<Overlay> {
    let required = |value: Option<String>, field: &str, problems: &mut Problems| {
        let value = value.filter(|text| !text.trim().is_empty());
        if value.is_none() {
            problems.push(&format!("{key}.{field}"), "is required".into());
        }
        value
    };
    let kind = required(raw.kind, "kind", problems);
    if let (Some(kind), Some(pack)) = (&kind, pack) {
        if pack.kind(kind).is_none() {
            let known: Vec<&str> = pack.kinds.iter().map(|k| k.id.as_str()).collect();
            problems.push(
                &format!("{key}.kind"),
                format!(
                    "{kind:?} is not a kind of the {} pack ({})",
                    pack.jurisdiction,
                    known.join(", ")
                ),
            );
        }
    }
    let within = required(raw.within, "within", problems)
        .and_then(|text| problems.parse(&format!("{key}.within"), text.parse::<Within>()));
    let clock = required(raw.clock, "clock", problems)
        .and_then(|text| problems.parse(&format!("{key}.clock"), ClockEvent::parse(&text)));
    if let (Some(clock), Some(pack)) = (&clock, pack) {
        if !pack.events().contains(clock) {
            let known: Vec<String> = pack.events().iter().map(ToString::to_string).collect();
            problems.push(
                &format!("{key}.clock"),
                format!(
                    "{clock} is not an event of the {} pack ({})",
                    pack.jurisdiction,
                    known.join(", ")
                ),
            );
        }
    }
    let citation = required(raw.citation, "citation", problems);
    let contractor = if is_contract {
        required(raw.contractor, "contractor", problems).map(|name| contractor_key(&name))
    } else {
        if raw.contractor.is_some() {
            problems.push(
                &format!("{key}.contractor"),
                "belongs in a [[district.contract]] clause, not a policy".into(),
            );
        }
        None
    };
    let mut date = |field: &str, value: Option<String>| {
        value.and_then(|text| {
            problems.parse(
                &format!("{key}.{field}"),
                NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                    .map_err(|_| format!("{text:?} is not a date \"YYYY-MM-DD\"")),
            )
        })
    };
    let effective_from = date("effective_from", raw.effective_from);
    let effective_until = date("effective_until", raw.effective_until);
    let (kind, within, clock, citation) = (kind?, within?, clock?, citation?);
    let id = match &contractor {
        Some(contractor) => format!("contract/{contractor}/{kind}/{within}"),
        None => format!("district-policy/{kind}/{within}"),
    };
    Some(Overlay {
        id,
        kind,
        within,
        clock,
        citation,
        contractor,
        effective_from,
        effective_until,
    })
}

fn load_pack(dir: &str, jurisdiction: &str) -> Result<RulePack, String> {
    let jurisdiction = jurisdiction.trim();
    if dir.trim().is_empty() {
        return RulePack::embedded(jurisdiction).unwrap_or_else(|| {
            Err(format!(
                "{jurisdiction:?} has no rule pack (embedded: US-CT, US-NY, US-IL)"
            ))
        });
    }
    let entries = std::fs::read_dir(dir).map_err(|error| format!("rules.dir {dir:?}: {error}"))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let pack =
                RulePack::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
            if pack.jurisdiction.eq_ignore_ascii_case(jurisdiction) {
                return Ok(pack);
            }
        }
    }
    Err(format!(
        "no rule pack for {jurisdiction:?} in rules.dir {dir:?}"
    ))
}

fn load_taxonomy(path: &str) -> Result<Taxonomy, String> {
    if path.trim().is_empty() {
        return Ok(Taxonomy::embedded());
    }
    let text = std::fs::read_to_string(path).map_err(|error| format!("{path:?}: {error}"))?;
    Taxonomy::parse(&text).map_err(|error| format!("{path:?}: {error}"))
}

fn read_secret(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\r', '\n']).to_owned())
        .map_err(|error| format!("{}: {error}", path.display()))
}

fn parse_mailbox(text: &str) -> Result<Mailbox, String> {
    text.trim().parse::<Mailbox>().map_err(|_| {
        format!("{text:?} is not an email address such as \"Name <user@example.org>\"")
    })
}

fn parse_sha256(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text.trim()).map_err(|_| "must be 64 hexadecimal digits".to_owned())?;
    bytes
        .try_into()
        .map_err(|_| "must be 64 hexadecimal digits".to_owned())
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_are_valid() {
        let settings = Settings::from_toml("").unwrap();
        assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(settings.timezone, chrono_tz::America::New_York);
        assert_eq!(settings.jurisdiction, "US-CT");
        assert_eq!(settings.email.transport, EmailTransport::File);
        assert!(settings.tokens.is_empty());
    }

    #[test]
    fn every_bad_key_is_named() {
        let errors = Settings::from_toml(
            r#"
            [server]
            listen = "localhost"
            [district]
            timezone = "America/New_Yrok"
            closures = ["2026-13-01"]
            [[district.policy]]
            kind = "board_notifies_familes"
            within = "48 hours"
            clock = "board_notified"
            citation = "Board policy 3520.13"
            [contacts]
            privacy_officer = ["not an address"]
            [email]
            transport = "pigeon"
            [[auth.tokens]]
            name = "x"
            role = "root"
            sha256 = "abc"
            [digest]
            recipients = ["janitor"]
            "#,
        )
        .unwrap_err();
        let keys: Vec<&str> = errors.0.iter().map(|p| p.key.as_str()).collect();
        for expected in [
            "server.listen",
            "district.timezone",
            "district.closures[0]",
            "district.policy[0].kind",
            "district.policy[0].within",
            "contacts.privacy_officer[0]",
            "email.transport",
            "auth.tokens[0].role",
            "auth.tokens[0].sha256",
            "digest.recipients[0]",
        ] {
            assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
        }
    }

    #[test]
    fn overlays_and_contract_clauses_become_sources() {
        let settings = Settings::from_toml(
            r#"
            [[district.policy]]
            kind = "board_notifies_families"
            within = "48h"
            clock = "board_notified"
            citation = "Board policy 3520.13"
            [[district.contract]]
            contractor = "Vendor, Inc."
            kind = "contractor_notifies_board"
            within = "48h"
            clock = "discovered"
            citation = "MSA § 6"
            "#,
        )
        .unwrap();
        let ids: Vec<&str> = settings
            .engine
            .overlays
            .iter()
            .map(|o| o.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "district-policy/board_notifies_families/48h",
                "contract/vendorinc/contractor_notifies_board/48h"
            ]
        );
    }

    #[test]
    fn the_default_escalation_policy_is_the_contract_s() {
        let settings = Settings::from_toml("").unwrap();
        assert_eq!(settings.escalation, Policy::contract_default());
        assert!(settings.digest_schedule.is_some());
    }

    #[test]
    fn escalation_steps_are_checked() {
        let errors = Settings::from_toml(
            r#"
            [escalation]
            steps = [{ at = "soon", notify = ["privacy_officer"] }, { at = "-24h", notify = ["janitor"] }]
            repeat_overdue = "forever"
            [digest]
            cron = "0 0 99 * * *"
            "#,
        )
        .unwrap_err();
        let keys: Vec<&str> = errors.0.iter().map(|p| p.key.as_str()).collect();
        for expected in [
            "escalation.steps[0].at",
            "escalation.steps[1].notify[0]",
            "escalation.repeat_overdue",
            "digest.cron",
        ] {
            assert!(keys.contains(&expected), "{expected} missing from {keys:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_std_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_std_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_std_duration("0s").is_err());
        assert!(parse_std_duration("soon").is_err());
    }
}
