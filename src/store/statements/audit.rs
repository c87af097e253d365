//! The audit log: the chain's head, an append, and reads in order.

use super::Statement;
use crate::audit::NewAudit;
use uuid::Uuid;

/// The last entry's (seq, hash, mac), which the next entry chains from.
pub(crate) fn head() -> Statement<'static> {
    Statement::new("SELECT seq, hash, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
}

/// The instant is text with microseconds on both backends, so that the
/// hash (computed over that text) checks out whichever stored it.
pub(crate) fn insert<'a>(
    seq: i64,
    entry: &'a NewAudit,
    prev_hash: &'a str,
    hash: &'a str,
    mac: &'a str,
) -> Statement<'a> {
    Statement::new(
        "INSERT INTO audit_log (seq, at, actor, action, incident_id, subject, details, prev_hash, hash, mac)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.incident_id)
    .bind(&entry.subject)
    .bind(entry.details.to_string())
    .bind(prev_hash)
    .bind(hash)
    .bind(mac)
}

pub(crate) fn after(after: i64, limit: i64) -> Statement<'static> {
    Statement::new("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
}

pub(crate) fn of_incident(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM audit_log WHERE incident_id = $1 ORDER BY seq").bind(incident_id)
}
