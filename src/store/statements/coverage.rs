//! Per-student coverage of the family notice: the guardians' messages with
//! their outcomes, and what administrators recorded (letters, exceptions).

use super::roster::CURRENT;
use super::{Placeholders, Statement};
use crate::domain::coverage::StudentMark;
use uuid::Uuid;

/// Every roster address with its children and its message's outcome (none
/// before approval). `emails.recipient` is the roster's address as planned,
/// so the join walks the deliveries index.
pub(crate) fn guardian_messages(incident_id: Uuid) -> Statement<'static> {
    Statement::new(format!(
        "SELECT r.name, r.language, r.children, e.status, e.sent_at
         FROM notice_recipients r
         LEFT JOIN emails e ON e.incident_id = r.incident_id AND e.kind = 'family-notice' AND e.recipient = r.email
         WHERE r.incident_id = $1 AND r.roster_import = {CURRENT}"
    ))
    .bind(incident_id)
}

/// The incidents that have a roster: only they have coverage to count (the
/// board and the digest ask once, not once per incident).
pub(crate) fn incidents_with_roster() -> Statement<'static> {
    Statement::new("SELECT DISTINCT incident_id FROM roster_imports")
}

pub(crate) fn addresses(incident_id: Uuid) -> Statement<'static> {
    Statement::new(format!(
        "SELECT student_id, address FROM student_addresses WHERE incident_id = $1 AND roster_import = {CURRENT}"
    ))
    .bind(incident_id)
}

pub(crate) fn marks(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT student_id, kind, at, reason FROM student_notice_marks WHERE incident_id = $1 ORDER BY student_id",
    )
    .bind(incident_id)
}

/// Records letters or exceptions (all of one kind); a student already recorded gets the
/// newer record (an administrator correcting a date or a reason).
pub(crate) fn upsert_marks<'a>(
    incident: &'a str,
    marks: &'a [StudentMark],
    by: &'a str,
    now: chrono::DateTime<chrono::Utc>,
    placeholders: Placeholders,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "INSERT INTO student_notice_marks (incident_id, student_id, kind, at, reason, recorded_by, recorded_at) ",
    );
    statement.push_values(marks, placeholders, |mark| {
        vec![
            incident.into(),
            (&mark.student_id).into(),
            mark.kind.as_str().into(),
            mark.at.into(),
            (&mark.reason).into(),
            by.into(),
            now.into(),
        ]
    });
    statement.push(
        " ON CONFLICT (incident_id, student_id) DO UPDATE SET kind = excluded.kind, at = excluded.at,
           reason = excluded.reason, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
    );
    statement
}
