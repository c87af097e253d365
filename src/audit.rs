//! The audit log's hash chain: each entry's hash covers the previous entry's
//! hash and the entry's own fields, so changing, removing or reordering any
//! stored entry breaks every hash after it. Pure code: the stores append
//! entries inside the transactions that make the changes, and
//! `breachd audit verify` replays the chain with `verify`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry to append; the store gives it its sequence number and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub incident_id: Option<Uuid>,
    pub subject: Option<String>,
    /// Ids and counts only: never personal data.
    pub details: Value,
}

impl NewAudit {
    pub fn new(
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        incident_id: Option<Uuid>,
        subject: Option<String>,
        details: Value,
    ) -> Self {
        Self {
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            incident_id,
            subject,
            details,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub incident_id: Option<Uuid>,
    pub subject: Option<String>,
    pub details: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and a canonical
/// JSON rendering of the fields (object keys sorted, instants to the
/// microsecond, which every backend stores exactly).
pub fn entry_hash(prev_hash: &str, seq: i64, entry: &NewAudit) -> String {
    let canonical = json!([
        seq,
        entry.at.to_rfc3339_opts(SecondsFormat::Micros, true),
        entry.actor,
        entry.action,
        entry.incident_id,
        entry.subject,
        entry.details,
    ]);
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// The first entry that does not fit the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Checks entries in order, continuing from the entry before them
/// (`previous`: its seq and hash; `(0, GENESIS)` at the start).
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    previous: (i64, &str),
) -> Result<(i64, String), Broken> {
    let (mut last_seq, mut last_hash) = (previous.0, previous.1.to_owned());
    for entry in entries {
        let broken = |reason: &str| Broken {
            seq: entry.seq,
            reason: reason.to_owned(),
        };
        if entry.seq != last_seq + 1 {
            return Err(broken(&format!(
                "expected entry {} next: an entry is missing",
                last_seq + 1
            )));
        }
        if entry.prev_hash != last_hash {
            return Err(broken("its prev_hash is not the previous entry's hash"));
        }
        let fields = NewAudit {
            at: entry.at,
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            incident_id: entry.incident_id,
            subject: entry.subject.clone(),
            details: entry.details.clone(),
        };
        if entry_hash(&entry.prev_hash, entry.seq, &fields) != entry.hash {
            return Err(broken(
                "its contents do not match its hash: the entry was changed",
            ));
        }
        last_seq = entry.seq;
        last_hash = entry.hash.clone();
    }
    Ok((last_seq, last_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = NewAudit::new(
                    Utc::now(),
                    "admin",
                    "incident_filed",
                    Some(Uuid::now_v7()),
                    None,
                    json!({"n": seq}),
                );
                let hash = entry_hash(&prev, seq, &entry);
                let stored = AuditEntry {
                    seq,
                    at: entry.at,
                    actor: entry.actor,
                    action: entry.action,
                    incident_id: entry.incident_id,
                    subject: entry.subject,
                    details: entry.details,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap().0, 5);
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut entries = chain(5);
        entries[2].details = json!({"n": 99});
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap_err().seq, 3);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap_err().seq, 3);
    }
}
