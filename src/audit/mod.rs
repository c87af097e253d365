//! The audit log's chain. Each entry holds a hash over the previous
//! entry's hash and its own fields (anyone can recompute it), and a MAC:
//! HMAC-SHA256 of its sequence number and hash under the audit key, which
//! lives outside the database (`key.rs`). The head (sequence number and
//! MAC) is written outside the database after every commit that appended
//! (`anchor.rs`), in every evidence export and in a periodic log line. The
//! stores append entries inside the transactions that make the changes;
//! the database refuses UPDATE and DELETE of audit rows (an append-only
//! trigger, migration 0008); `breachd audit verify` replays the chain with
//! `Verifier`.
//!
//! What `Verifier` detects, naming the first bad entry, even when someone
//! with write access to the database dropped the trigger first:
//! - an edited entry (its hash no longer matches; recomputing the hashes
//!   does not help, because the MACs cover them);
//! - a removed middle entry (a gap in the sequence numbers, or renumbered
//!   entries whose MACs no longer match);
//! - a re-forged chain: entries rewritten or added without the key (their
//!   MACs do not match), or MACs removed after keyed entries;
//! - a removed tail: the table stops before the anchored entry, or the
//!   entry at the anchored number is not the one anchored (cut, then
//!   appended to again).
//!
//! What it does not detect:
//! - anything done by someone who holds the audit key and can also rewrite
//!   the anchor file (the state directory): keep both out of reach of the
//!   database's users, and keep the exports and log lines that repeat the
//!   anchor elsewhere;
//! - a tail cut after the last anchor written by the instance whose anchor
//!   is checked (with several instances, each anchors its own commits), or
//!   a cut together with deleting or rolling back the anchor file;
//! - changes to entries appended before the key existed (an upgraded
//!   database): those carry no MAC and are checked by their hashes only,
//!   up to the first keyed entry, whose MAC covers them all.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod anchor;
mod key;
mod seal;

pub use anchor::{Anchor, AnchorFile};
pub use key::AuditKey;
pub use seal::Seal;

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
    /// HMAC-SHA256 of `seq` and `hash` under the audit key; None only for
    /// entries appended before the key existed.
    pub mac: Option<String>,
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

/// Checks the hashes of entries in order, continuing from the entry before
/// them (`previous`: its seq and hash; `(0, GENESIS)` at the start). The
/// unkeyed check anyone can make; `Verifier` adds the MACs and the anchor.
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

/// What a verification found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The last entry checked (0 when the log is empty).
    pub entries: i64,
    /// The head: its seq and MAC (None when the log is empty).
    pub head: Option<Anchor>,
    /// The anchor compared with, None when there was none.
    pub anchored: Option<Anchor>,
}

/// Checks the whole chain page by page: hashes, MACs under `key`, then the
/// `anchor` (the head as written outside the database), if there is one.
pub struct Verifier<'k> {
    key: &'k AuditKey,
    anchor: Option<Anchor>,
    last: (i64, String),
    /// The MAC of the last entry checked.
    head_mac: Option<String>,
    /// A keyed entry was seen: every later one must be keyed too.
    keyed: bool,
}

impl<'k> Verifier<'k> {
    pub fn new(key: &'k AuditKey, anchor: Option<Anchor>) -> Self {
        Self {
            key,
            anchor,
            last: (0, GENESIS.to_owned()),
            head_mac: None,
            keyed: false,
        }
    }

    /// The entries after the last one checked, at most `limit` per page.
    pub fn next_after(&self) -> i64 {
        self.last.0
    }

    /// Checks the next page of entries, in order.
    pub fn check(&mut self, entries: &[AuditEntry]) -> Result<(), Broken> {
        for entry in entries {
            let (seq, hash) = verify(std::slice::from_ref(entry), (self.last.0, &self.last.1))?;
            let broken = |reason: &str| Broken {
                seq,
                reason: reason.to_owned(),
            };
            match &entry.mac {
                Some(mac) if self.key.verifies(seq, &hash, mac) => self.keyed = true,
                Some(_) => {
                    return Err(broken(
                        "its MAC does not match: the entry was written or rewritten without the audit key",
                    ))
                }
                None if self.keyed => {
                    return Err(broken(
                        "it has no MAC although earlier entries do: the chain was rewritten",
                    ))
                }
                None => {}
            }
            if let Some(anchor) = &self.anchor {
                if anchor.seq == seq && anchor.mac != entry.mac.as_deref().unwrap_or_default() {
                    return Err(broken(
                        "it is not the entry anchored at this number: the log was cut here and appended to again",
                    ));
                }
            }
            self.last = (seq, hash);
            self.head_mac = entry.mac.clone();
        }
        Ok(())
    }

    /// After the last page: the anchored entry must have been reached.
    pub fn finish(self) -> Result<Checked, Broken> {
        let last = self.last.0;
        if let Some(anchor) = &self.anchor {
            if anchor.seq > last {
                return Err(Broken {
                    seq: last + 1,
                    reason: format!(
                        "entries {} to {} are missing: the anchor outside the database says the log reached entry {}",
                        last + 1,
                        anchor.seq,
                        anchor.seq
                    ),
                });
            }
        }
        Ok(Checked {
            entries: last,
            head: (last > 0).then(|| Anchor {
                seq: last,
                mac: self.head_mac.unwrap_or_default(),
            }),
            anchored: self.anchor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64, key: &AuditKey) -> Vec<AuditEntry> {
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
                    mac: Some(key.mac(seq, &hash)),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    /// Recomputes every hash from entry `from` on, as someone who can
    /// write the database but lacks the key would, keeping the MACs.
    fn rehash(entries: &mut [AuditEntry], from: usize) {
        for i in from..entries.len() {
            let prev = if i == 0 {
                GENESIS.to_owned()
            } else {
                entries[i - 1].hash.clone()
            };
            let e = &entries[i];
            let fields = NewAudit::new(
                e.at,
                &e.actor,
                &e.action,
                e.incident_id,
                e.subject.clone(),
                e.details.clone(),
            );
            let hash = entry_hash(&prev, e.seq, &fields);
            entries[i].prev_hash = prev;
            entries[i].hash = hash;
        }
    }

    fn keyed(
        entries: &[AuditEntry],
        key: &AuditKey,
        anchor: Option<Anchor>,
    ) -> Result<Checked, Broken> {
        let mut verifier = Verifier::new(key, anchor);
        // Two pages, as the stores hand them.
        let (first, rest) = entries.split_at(entries.len() / 2);
        verifier.check(first)?;
        verifier.check(rest)?;
        verifier.finish()
    }

    fn head(entries: &[AuditEntry]) -> Option<Anchor> {
        entries.last().map(|e| Anchor {
            seq: e.seq,
            mac: e.mac.clone().unwrap_or_default(),
        })
    }

    #[test]
    fn an_intact_chain_verifies() {
        let key = AuditKey::ephemeral();
        let entries = chain(5, &key);
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap().0, 5);
        let checked = keyed(&entries, &key, head(&entries)).unwrap();
        assert_eq!(checked.entries, 5);
        assert_eq!(checked.head, head(&entries));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(5, &key);
        entries[2].details = json!({"n": 99});
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap_err().seq, 3);
        assert_eq!(keyed(&entries, &key, None).unwrap_err().seq, 3);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(5, &key);
        entries.remove(1);
        assert_eq!(verify(&entries, (0, GENESIS)).unwrap_err().seq, 3);
        assert_eq!(keyed(&entries, &key, None).unwrap_err().seq, 3);
    }

    #[test]
    fn a_chain_rehashed_without_the_key_is_named_at_the_first_change() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(5, &key);
        entries[1].details = json!({"n": 99});
        rehash(&mut entries, 1);
        // The unkeyed chain checks out: that is what the MACs are for.
        assert!(verify(&entries, (0, GENESIS)).is_ok());
        let broken = keyed(&entries, &key, None).unwrap_err();
        assert_eq!(broken.seq, 2);
        assert!(broken.reason.contains("MAC"), "{}", broken.reason);
    }

    #[test]
    fn a_removed_middle_entry_renumbered_and_rehashed_is_named() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(5, &key);
        entries.remove(1);
        for (i, entry) in entries.iter_mut().enumerate() {
            entry.seq = i as i64 + 1;
        }
        rehash(&mut entries, 0);
        assert_eq!(keyed(&entries, &key, None).unwrap_err().seq, 2);
    }

    #[test]
    fn macs_removed_after_keyed_entries_are_named() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(4, &key);
        entries[2].mac = None;
        entries[3].mac = None;
        assert_eq!(keyed(&entries, &key, None).unwrap_err().seq, 3);
    }

    #[test]
    fn a_removed_tail_is_named_by_the_anchor() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(5, &key);
        let anchor = head(&entries);
        entries.truncate(3);
        let broken = keyed(&entries, &key, anchor).unwrap_err();
        assert_eq!(broken.seq, 4);
        assert!(
            broken.reason.contains("entries 4 to 5"),
            "{}",
            broken.reason
        );
    }

    #[test]
    fn a_tail_cut_and_appended_to_again_is_named_by_the_anchor() {
        let key = AuditKey::ephemeral();
        let entries = chain(5, &key);
        let anchor = head(&entries);
        // The tail is cut to 3, and new entries 4..6 appended (with the
        // key, as the daemon itself would after the cut).
        let mut regrown = chain(6, &key);
        regrown[..3].clone_from_slice(&entries[..3]);
        rehash(&mut regrown, 3);
        for entry in &mut regrown[3..] {
            entry.mac = Some(key.mac(entry.seq, &entry.hash));
        }
        assert!(keyed(&regrown, &key, None).is_ok());
        assert_eq!(keyed(&regrown, &key, anchor).unwrap_err().seq, 5);
    }

    #[test]
    fn entries_older_than_the_key_are_checked_by_their_hashes() {
        let key = AuditKey::ephemeral();
        let mut entries = chain(4, &key);
        entries[0].mac = None;
        entries[1].mac = None;
        assert_eq!(keyed(&entries, &key, head(&entries)).unwrap().entries, 4);
        let mut all_unkeyed = entries.clone();
        for entry in &mut all_unkeyed {
            entry.mac = None;
        }
        // Stripping every MAC does not get past the anchor.
        assert_eq!(
            keyed(&all_unkeyed, &key, head(&entries)).unwrap_err().seq,
            4
        );
    }

    #[test]
    fn another_key_does_not_verify() {
        let entries = chain(2, &AuditKey::ephemeral());
        assert_eq!(
            keyed(&entries, &AuditKey::ephemeral(), None)
                .unwrap_err()
                .seq,
            1
        );
    }
}
