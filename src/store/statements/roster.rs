//! A roster import's statements: clearing the roster, the multi-row
//! inserts of its pages (placeholders spelled each backend's way, see
//! `Placeholders`) and the import's record.

use super::{Placeholders, Statement};
use crate::store::{rows, NoticeRecipient, RosterImportRecord};
use uuid::Uuid;

/// Empties the incident's roster before a replacement.
pub(crate) fn clear(incident: &str) -> [Statement<'_>; 3] {
    [
        "notice_recipients",
        "unreachable_students",
        "student_addresses",
    ]
    .map(|table| {
        Statement::new(format!("DELETE FROM {table} WHERE incident_id = $1")).bind(incident)
    })
}

/// A page of recipients; an address already listed (in any case) is kept.
pub(crate) fn insert_recipients<'a>(
    incident: &'a str,
    recipients: &'a [NoticeRecipient],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO notice_recipients (incident_id, email_key, email, name, language, children) ",
    );
    statement.push_values(recipients, placeholders, |recipient| {
        vec![
            incident.into(),
            recipient.email.to_lowercase().into(),
            (&recipient.email).into(),
            (&recipient.name).into(),
            (&recipient.language).into(),
            rows::to_json(&recipient.children).into(),
        ]
    });
    statement.push(" ON CONFLICT (incident_id, email_key) DO NOTHING");
    statement
}

/// A page of (student id, name) with no reachable guardian.
pub(crate) fn insert_unreachable<'a>(
    incident: &'a str,
    students: &'a [(String, String)],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement =
        Statement::new("INSERT INTO unreachable_students (incident_id, student_id, name) ");
    statement.push_values(students, placeholders, |(student_id, name)| {
        vec![incident.into(), student_id.into(), name.into()]
    });
    statement.push(" ON CONFLICT (incident_id, student_id) DO NOTHING");
    statement
}

/// A page of (student id, mailing address as JSON).
pub(crate) fn insert_addresses<'a>(
    incident: &'a str,
    addresses: &'a [(String, crate::domain::coverage::MailingAddress)],
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement =
        Statement::new("INSERT INTO student_addresses (incident_id, student_id, address) ");
    statement.push_values(addresses, placeholders, |(student_id, address)| {
        vec![
            incident.into(),
            student_id.into(),
            rows::to_json(address).into(),
        ]
    });
    statement.push(" ON CONFLICT (incident_id, student_id) DO NOTHING");
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
    Statement::new(
        "SELECT student_id, name FROM unreachable_students WHERE incident_id = $1 ORDER BY student_id",
    )
    .bind(incident_id)
}
