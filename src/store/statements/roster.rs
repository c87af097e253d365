//! A roster import's single-row statements (the pages of rows go in
//! multi-row inserts each backend writes, see the module above).

use super::Statement;
use crate::store::RosterImportRecord;
use uuid::Uuid;

/// Empties the incident's roster before a replacement.
pub(crate) fn clear(incident: &str) -> [Statement<'_>; 2] {
    ["notice_recipients", "unreachable_students"].map(|table| {
        Statement::new(format!("DELETE FROM {table} WHERE incident_id = $1")).bind(incident)
    })
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

pub(crate) fn unreachable(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT student_id, name FROM unreachable_students WHERE incident_id = $1 ORDER BY student_id",
    )
    .bind(incident_id)
}
