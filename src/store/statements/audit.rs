//! The audit log: the chain's head, an append, and reads in order.

use super::{Placeholders, Statement};
use crate::audit::NewAudit;
use uuid::Uuid;

/// The last entry's (seq, hash, mac), which the next entry chains from.
pub(crate) fn head() -> Statement<'static> {
    Statement::new("SELECT seq, hash, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
}

/// An entry with its place in the chain, as computed before it is stored.
pub(crate) struct Chained<'e> {
    pub(crate) seq: i64,
    pub(crate) entry: &'e NewAudit,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
    pub(crate) mac: String,
}

/// Stores entries, one row each. The instant is text with microseconds on
/// both backends, so that the hash (computed over that text) checks out
/// whichever stored it.
pub(crate) fn insert_many<'a>(
    rows: &'a [Chained<'a>],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO audit_log (seq, at, actor, action, incident_id, subject, details, prev_hash, hash, mac) ",
    );
    statement.push_values(rows, placeholders, |row| {
        vec![
            row.seq.into(),
            row.entry
                .at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
            (&row.entry.actor).into(),
            (&row.entry.action).into(),
            row.entry.incident_id.into(),
            (&row.entry.subject).into(),
            row.entry.details.to_string().into(),
            (&row.prev_hash).into(),
            (&row.hash).into(),
            (&row.mac).into(),
        ]
    });
    statement
}

pub(crate) fn after(after: i64, limit: i64) -> Statement<'static> {
    Statement::new("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
}

pub(crate) fn of_incident(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM audit_log WHERE incident_id = $1 ORDER BY seq").bind(incident_id)
}
