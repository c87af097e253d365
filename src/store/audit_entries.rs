//! The audit entries the stores append, built once for both backends so
//! that an entry means the same on either. Ids and counts only.

use super::{EventRecord, IncidentRecord, ObligationRecord, RosterImportRecord, Settlement};
use crate::audit::NewAudit;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

fn obligations_summary(obligations: &[ObligationRecord]) -> serde_json::Value {
    json!(obligations
        .iter()
        .map(|o| json!({"id": o.id, "kind": o.kind, "due_at": o.due_at}))
        .collect::<Vec<_>>())
}

pub fn incident_filed(incident: &IncidentRecord, obligations: &[ObligationRecord]) -> NewAudit {
    let details = json!({
        "classes": incident.classification.classes,
        "needs_review": incident.classification.needs_review.len(),
        "events": incident.events.iter().map(|e| (e.kind.clone(), e.at)).collect::<std::collections::BTreeMap<_, _>>(),
        "obligations": obligations_summary(obligations),
    });
    NewAudit::new(
        incident.created_at,
        &incident.filed_by,
        "incident_filed",
        Some(incident.id),
        Some(incident.id.to_string()),
        details,
    )
}

pub fn event_recorded(
    incident_id: Uuid,
    event: &EventRecord,
    obligations: &[ObligationRecord],
) -> NewAudit {
    let details = json!({"event": event.kind, "at": event.at, "obligations": obligations_summary(obligations)});
    NewAudit::new(
        event.recorded_at,
        &event.recorded_by,
        "event_recorded",
        Some(incident_id),
        Some(event.kind.to_string()),
        details,
    )
}

/// A clock event moved to a corrected time: both times and the reason, so
/// the record shows what was believed before and why it changed.
pub fn event_corrected(
    incident_id: Uuid,
    event: &EventRecord,
    previous: DateTime<Utc>,
    reason: &str,
    obligations: &[ObligationRecord],
) -> NewAudit {
    let details = json!({
        "event": event.kind,
        "from": previous,
        "to": event.at,
        "reason": reason,
        "obligations": obligations_summary(obligations),
    });
    NewAudit::new(
        event.recorded_at,
        &event.recorded_by,
        "event_corrected",
        Some(incident_id),
        Some(event.kind.to_string()),
        details,
    )
}

pub fn obligation_settled(
    incident_id: Option<Uuid>,
    obligation_id: Uuid,
    settlement: &Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> NewAudit {
    let (action, details) = match settlement {
        Settlement::Complete { at, note } => (
            "obligation_completed",
            json!({"at": at, "note": note.is_some()}),
        ),
        Settlement::Waive { .. } => ("obligation_waived", json!({"reason_given": true})),
    };
    NewAudit::new(
        now,
        by,
        action,
        incident_id,
        Some(obligation_id.to_string()),
        details,
    )
}

pub fn roster_imported(record: &RosterImportRecord) -> NewAudit {
    let details = json!({
        "format": record.format, "students": record.students, "recipients": record.recipients,
        "students_without_reachable_guardian": record.unreachable, "rejected_rows": record.rejected_rows,
    });
    NewAudit::new(
        record.imported_at,
        &record.imported_by,
        "roster_imported",
        Some(record.incident_id),
        Some(record.id.to_string()),
        details,
    )
}

/// Letters mailed or exceptions recorded: the kind, how many students and
/// the date, never the students' ids or the exception's free text (which
/// may name a family); those stay in `student_notice_marks`, the evidence.
pub fn student_marks_recorded(
    incident_id: Uuid,
    marks: &[crate::domain::coverage::StudentMark],
    by: &str,
    now: DateTime<Utc>,
) -> NewAudit {
    let details = json!({
        "kind": marks.first().map(|m| m.kind.as_str()),
        "students": marks.len(),
        "at": marks.first().map(|m| m.at),
    });
    NewAudit::new(
        now,
        by,
        "student_notice_recorded",
        Some(incident_id),
        Some(incident_id.to_string()),
        details,
    )
}

pub fn notice_approved(
    incident_id: Uuid,
    by: &str,
    now: DateTime<Utc>,
    recipients: u64,
    chunks: u64,
) -> NewAudit {
    NewAudit::new(
        now,
        by,
        "notice_approved",
        Some(incident_id),
        Some(incident_id.to_string()),
        json!({"recipients": recipients, "chunks": chunks}),
    )
}

/// Work a job did (a reminder or digest sent, a chunk of notices sent, a
/// notice published); skips and cancellations are not audited.
pub fn job_done(
    job_id: Uuid,
    kind: &str,
    key: &str,
    incident_id: Option<Uuid>,
    worker: &str,
    emails: Vec<(String, i64)>,
    now: DateTime<Utc>,
) -> NewAudit {
    let details = json!({"job": key, "emails": emails.into_iter().collect::<std::collections::BTreeMap<_, _>>()});
    NewAudit::new(
        now,
        &format!("breachd:{worker}"),
        &format!("{kind}_done"),
        incident_id,
        Some(job_id.to_string()),
        details,
    )
}

/// A job parked as dead after its handler kept failing (its error is in
/// the job, not here: an error may quote what it failed on).
pub fn job_dead(
    job_id: Uuid,
    kind: &str,
    key: &str,
    incident_id: Option<Uuid>,
    worker: &str,
    now: DateTime<Utc>,
) -> NewAudit {
    NewAudit::new(
        now,
        &format!("breachd:{worker}"),
        "job_dead",
        incident_id,
        Some(job_id.to_string()),
        json!({"job": key, "kind": kind}),
    )
}

/// A dead job an administrator put back to run now.
pub fn job_retried(
    job_id: Uuid,
    kind: &str,
    key: &str,
    incident_id: Option<Uuid>,
    by: &str,
    now: DateTime<Utc>,
) -> NewAudit {
    NewAudit::new(
        now,
        by,
        "job_retried",
        incident_id,
        Some(job_id.to_string()),
        json!({"job": key, "kind": kind}),
    )
}

pub fn notice_published(incident_id: Uuid, url: &str, at: DateTime<Utc>) -> NewAudit {
    NewAudit::new(
        at,
        "breachd",
        "notice_published",
        Some(incident_id),
        Some(url.to_owned()),
        json!({"url": url}),
    )
}

/// A message returned by a DSN: the message's id and the status code (the
/// diagnostic text may name the recipient and stays in `email_bounces`).
/// After the families' duty was complete it is a follow-up, its own action,
/// so that the log shows plainly that a completed duty owes a letter again.
pub fn email_bounced(bounce: &super::NewBounce) -> NewAudit {
    let action = if bounce.after_completion {
        "bounce_follow_up"
    } else {
        "email_bounced"
    };
    NewAudit::new(
        bounce.at,
        "breachd",
        action,
        bounce.incident_id,
        Some(bounce.email_id.to_string()),
        json!({"email": bounce.email_id, "status": bounce.status, "after_completion": bounce.after_completion}),
    )
}
