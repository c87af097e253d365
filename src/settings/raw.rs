//! The serde shapes read from the layered `config` sources: strings and
//! numbers as the operator wrote them, before any check. The section parsers
//! beside this file turn each into its typed section.
//!
//! These shapes are the whole vocabulary of the file: a key they do not name
//! is reported by `unknown.rs`, and the nearest name is found from these
//! same shapes (`shape.rs`), so a new key needs no list kept elsewhere.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub(crate) struct Raw {
    pub(crate) server: RawServer,
    pub(crate) database: RawDatabase,
    pub(crate) audit: RawAudit,
    pub(crate) district: RawDistrict,
    pub(crate) rules: RawRules,
    pub(crate) contacts: BTreeMap<String, OneOrMany>,
    pub(crate) email: RawEmail,
    pub(crate) publish: RawPublish,
    pub(crate) auth: RawAuth,
    pub(crate) digest: RawDigest,
    pub(crate) log: RawLog,
    pub(crate) escalation: RawEscalation,
    pub(crate) scheduler: RawScheduler,
    pub(crate) notice: RawNotice,
    pub(crate) requests: RawRequests,
    pub(crate) bounces: RawBounces,
    pub(crate) vendors: RawVendors,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRequests {
    pub(crate) form_burst: i64,
    pub(crate) form_refill: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawVendors {
    pub(crate) expiry_reminder: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawServer {
    pub(crate) listen: String,
    pub(crate) request_timeout: String,
    pub(crate) roster_timeout: String,
    pub(crate) header_read_timeout: String,
    pub(crate) max_connections: i64,
    pub(crate) public_url: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDatabase {
    pub(crate) url: String,
    pub(crate) max_connections: i64,
    pub(crate) sqlite_synchronous: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawAudit {
    pub(crate) key_file: String,
    pub(crate) anchor_file: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDistrict {
    pub(crate) name: String,
    pub(crate) timezone: String,
    pub(crate) jurisdiction: String,
    pub(crate) closures: OneOrMany,
    pub(crate) directory_information: OneOrMany,
    #[serde(default)]
    pub(crate) policy: Vec<RawOverlay>,
    #[serde(default)]
    pub(crate) contract: Vec<RawOverlay>,
}

/// A `[[district.policy]]` or `[[district.contract]]` entry. Every field is
/// optional here so that a missing one is reported with its key, alongside
/// every other problem, rather than failing the whole deserialization.
#[derive(Debug, Deserialize)]
pub(crate) struct RawOverlay {
    pub(crate) kind: Option<String>,
    pub(crate) within: Option<String>,
    pub(crate) clock: Option<String>,
    pub(crate) citation: Option<String>,
    pub(crate) contractor: Option<String>,
    pub(crate) effective_from: Option<String>,
    pub(crate) effective_until: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawRules {
    pub(crate) dir: String,
    pub(crate) taxonomy: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawEmail {
    pub(crate) transport: String,
    pub(crate) from: String,
    pub(crate) dir: String,
    pub(crate) url: String,
    pub(crate) max_connections: i64,
    pub(crate) rate_per_second: i64,
    #[serde(default)]
    pub(crate) max_per_minute: Option<i64>,
    #[serde(default)]
    pub(crate) max_per_day: Option<i64>,
    pub(crate) timeout: String,
    pub(crate) connect_timeout: String,
    pub(crate) greeting_timeout: String,
    pub(crate) reply_timeout: String,
    pub(crate) data_timeout: String,
    pub(crate) stall_after: String,
    pub(crate) max_parked_connections: i64,
    pub(crate) password_file: String,
    pub(crate) templates: String,
    pub(crate) bounce_address: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawBounces {
    pub(crate) imap_url: String,
    pub(crate) password_file: String,
    pub(crate) poll: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawPublish {
    pub(crate) dir: String,
    pub(crate) base_url: String,
    pub(crate) templates: String,
    pub(crate) verify: bool,
    pub(crate) verify_retry: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawAuth {
    #[serde(default)]
    pub(crate) tokens: Vec<RawToken>,
    pub(crate) failed_sign_ins_burst: i64,
    pub(crate) session_idle: String,
    pub(crate) session_lifetime: String,
    #[serde(default)]
    pub(crate) oidc: Vec<RawOidc>,
    pub(crate) roles: RawRoles,
    pub(crate) token_sign_in: bool,
}

/// Optional fields for the same reason as `RawOverlay`'s.
#[derive(Debug, Deserialize)]
pub(crate) struct RawOidc {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret_file: Option<String>,
    pub(crate) scopes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawRoles {
    #[serde(default)]
    pub(crate) admin: Vec<String>,
    #[serde(default)]
    pub(crate) reporter: Vec<String>,
    #[serde(default)]
    pub(crate) viewer: Vec<String>,
}

/// Optional fields for the same reason as `RawOverlay`'s.
#[derive(Debug, Deserialize)]
pub(crate) struct RawToken {
    pub(crate) name: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawDigest {
    pub(crate) cron: String,
    pub(crate) recipients: OneOrMany,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawLog {
    pub(crate) format: String,
    pub(crate) level: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawEscalation {
    pub(crate) steps: Vec<RawStep>,
    pub(crate) repeat_overdue: String,
    pub(crate) overdue_notify: OneOrMany,
    pub(crate) asap_every: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawStep {
    pub(crate) at: Option<String>,
    pub(crate) notify: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawScheduler {
    pub(crate) lease: String,
    pub(crate) batch: i64,
    pub(crate) instance_id: String,
    pub(crate) max_attempts: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawNotice {
    pub(crate) auto_send: bool,
    pub(crate) what_we_are_doing: String,
    pub(crate) what_families_can_do: String,
    pub(crate) contact: String,
    pub(crate) chunk_size: i64,
    pub(crate) letterhead: String,
}

/// A list that an environment variable may give as one comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    Many(Vec<String>),
    One(String),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<String> {
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
