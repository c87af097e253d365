//! What a roster import found, and the latest import of an incident with the
//! students to send a paper letter.

use super::time;
use crate::store::RosterImportRecord;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

/// A student named in a roster.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Student {
    pub student_id: String,
    pub name: String,
}

impl Student {
    /// From the store's (student id, name) pairs.
    pub fn from_pair((student_id, name): (String, String)) -> Self {
        Self { student_id, name }
    }
}

/// A roster row that could not be used, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRow {
    /// `users.csv` or `roles.csv` inside a bundle, or the uploaded file's name.
    pub file: String,
    /// 1-based line where the row starts; the header is line 1.
    pub line: u64,
    /// What is wrong, without repeating the row's personal data.
    pub reason: String,
}

impl From<crate::roster::RejectedRow> for RejectedRow {
    fn from(row: crate::roster::RejectedRow) -> Self {
        Self {
            file: row.file,
            line: row.line,
            reason: row.reason,
        }
    }
}

/// What a roster import found: counts and the first rejected rows.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = RosterImport)]
pub struct RosterAnswer {
    /// `oneroster-1.1`, `oneroster-1.2` or `plain-csv`.
    pub format: &'static str,
    pub students: u64,
    /// Distinct guardian addresses; each gets one message.
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    /// For a paper letter: the students no guardian can be emailed about.
    pub unreachable_students: Vec<Student>,
    pub rejected_rows: u64,
    /// The first rejected rows, in file order.
    pub rejected: Vec<RejectedRow>,
}

/// The counts of an incident's latest roster import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterImportSummary {
    pub format: String,
    pub students: u64,
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    pub rejected_rows: u64,
    #[schema(format = DateTime)]
    pub imported_at: String,
    pub imported_by: String,
}

pub fn roster_import_summary(import: RosterImportRecord, zone: Tz) -> RosterImportSummary {
    RosterImportSummary {
        format: import.format,
        students: import.students,
        recipients: import.recipients,
        students_without_reachable_guardian: import.unreachable,
        rejected_rows: import.rejected_rows,
        imported_at: time(import.imported_at, zone),
        imported_by: import.imported_by,
    }
}

/// The latest roster import of an incident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterState {
    /// Null before any import.
    pub import: Option<RosterImportSummary>,
    pub unreachable_students: Vec<Student>,
}

/// `unreachable` are the store's (student id, name) pairs.
pub fn roster_state(
    import: Option<RosterImportRecord>,
    unreachable: Vec<(String, String)>,
    zone: Tz,
) -> RosterState {
    RosterState {
        import: import.map(|import| roster_import_summary(import, zone)),
        unreachable_students: unreachable.into_iter().map(Student::from_pair).collect(),
    }
}
