//! A roster import's statements: the multi-row inserts of its pages
//! under the import's own version (placeholders spelled each backend's
//! way, see `Placeholders`), the pointer to the version readers see, the
//! bounded deletes of versions no longer seen, and the import's record.
//!
//! Every reader of the three roster tables keeps to the current version
//! with [`CURRENT`]'s condition.

use super::{Placeholders, Statement};
use crate::store::{rows, NoticeRecipient, RosterImportRecord};
use uuid::Uuid;

/// The roster tables, each keyed (incident, version, key column).
pub(crate) const TABLES: [(&str, &str); 3] = [
    ("notice_recipients", "email_key"),
    ("unreachable_students", "student_id"),
    ("student_addresses", "student_id"),
];

/// The version of an incident's roster that readers see, as a scalar
/// subquery on the incident id bound as `$1`.
pub(crate) const CURRENT: &str = "(SELECT import_id FROM roster_current WHERE incident_id = $1)";

/// The version readers see now (none before the first import).
pub(crate) fn current(incident: &str) -> Statement<'_> {
    Statement::new("SELECT import_id FROM roster_current WHERE incident_id = $1").bind(incident)
}

/// Points readers at `version`: the one statement that makes an import
/// visible, all of it at once.
pub(crate) fn set_current<'a>(incident: &'a str, version: &'a str) -> Statement<'a> {
    Statement::new(
        "INSERT INTO roster_current (incident_id, import_id) VALUES ($1, $2)
         ON CONFLICT (incident_id) DO UPDATE SET import_id = excluded.import_id",
    )
    .bind(incident)
    .bind(version)
}

/// The versions of the incident's rows in `table` that sort before
/// `before` (import ids are UUIDv7: earlier imports sort first), which no
/// reader sees any more.
pub(crate) fn older_versions<'a>(table: &str, incident: &'a str, before: &'a str) -> Statement<'a> {
    Statement::new(format!(
        "SELECT DISTINCT roster_import FROM {table} WHERE incident_id = $1 AND roster_import < $2"
    ))
    .bind(incident)
    .bind(before)
}

/// Deletes at most `limit` rows of one version: a bounded transaction,
/// however large the roster (the keyed subquery works alike on both
/// backends, which have no common `DELETE … LIMIT`).
pub(crate) fn delete_some<'a>(
    (table, key): (&str, &str),
    incident: &'a str,
    version: &'a str,
    limit: i64,
) -> Statement<'a> {
    Statement::new(format!(
        "DELETE FROM {table} WHERE incident_id = $1 AND roster_import = $2 AND {key} IN (
             SELECT {key} FROM {table} WHERE incident_id = $1 AND roster_import = $2 LIMIT $3)"
    ))
    .bind(incident)
    .bind(version)
    .bind(limit)
}

/// A page of recipients; an address already listed (in any case) is kept.
pub(crate) fn insert_recipients<'a>(
    incident: &'a str,
    version: &'a str,
    recipients: &'a [NoticeRecipient],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO notice_recipients (incident_id, roster_import, email_key, email, name, language, children) ",
    );
    statement.push_values(recipients, placeholders, |recipient| {
        vec![
            incident.into(),
            version.into(),
            recipient.email.to_lowercase().into(),
            (&recipient.email).into(),
            (&recipient.name).into(),
            (&recipient.language).into(),
            rows::to_json(&recipient.children).into(),
        ]
    });
    statement.push(" ON CONFLICT (incident_id, roster_import, email_key) DO NOTHING");
    statement
}

/// A page of (student id, name) with no reachable guardian.
pub(crate) fn insert_unreachable<'a>(
    incident: &'a str,
    version: &'a str,
    students: &'a [(String, String)],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO unreachable_students (incident_id, roster_import, student_id, name) ",
    );
    statement.push_values(students, placeholders, |(student_id, name)| {
        vec![
            incident.into(),
            version.into(),
            student_id.into(),
            name.into(),
        ]
    });
    statement.push(" ON CONFLICT (incident_id, roster_import, student_id) DO NOTHING");
    statement
}

/// A page of (student id, mailing address as JSON).
pub(crate) fn insert_addresses<'a>(
    incident: &'a str,
    version: &'a str,
    addresses: &'a [(String, crate::domain::coverage::MailingAddress)],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO student_addresses (incident_id, roster_import, student_id, address) ",
    );
    statement.push_values(addresses, placeholders, |(student_id, address)| {
        vec![
            incident.into(),
            version.into(),
            student_id.into(),
            rows::to_json(address).into(),
        ]
    });
    statement.push(" ON CONFLICT (incident_id, roster_import, student_id) DO NOTHING");
    statement
}

pub(crate) fn insert_import(record: &RosterImportRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO roster_imports (id, incident_id, format, students, recipients, unreachable, rejected_rows, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(record.id)
    .bind(record.incident_id)
    .bind(&record.format)
    .bind(record.students as i64)
    .bind(record.recipients as i64)
    .bind(record.unreachable as i64)
    .bind(record.rejected_rows as i64)
    .bind(record.imported_at)
    .bind(&record.imported_by)
}

pub(crate) fn latest_import(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM roster_imports WHERE incident_id = $1 ORDER BY imported_at DESC, id DESC LIMIT 1",
    )
    .bind(incident_id)
}

/// The distinct `language` values of the roster's guardians, as imported.
pub(crate) fn languages(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT DISTINCT language FROM notice_recipients WHERE incident_id = $1")
        .bind(incident_id)
}

pub(crate) fn unreachable(incident_id: Uuid) -> Statement<'static> {
    Statement::new(format!(
        "SELECT student_id, name FROM unreachable_students
         WHERE incident_id = $1 AND roster_import = {CURRENT} ORDER BY student_id"
    ))
    .bind(incident_id)
}
