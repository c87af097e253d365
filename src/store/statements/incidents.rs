//! Incidents, their events and the idempotency keys of their filing.

use super::Statement;
use crate::domain::incident::ReportedFacts;
use crate::store::{EventRecord, IdempotencyRecord, IncidentRecord, IncidentStatusFilter};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) fn events(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT kind, at, recorded_at, recorded_by FROM incident_events WHERE incident_id = $1 ORDER BY at, kind",
    )
    .bind(incident_id)
}

pub(crate) fn idempotent_response<'a>(caller: &'a str, key: &'a str) -> Statement<'a> {
    Statement::new(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE caller = $1 AND key = $2",
    )
    .bind(caller)
    .bind(key)
}

/// Keeps the answer for a key unless the key was used before (then it
/// inserts nothing: rows affected 0).
pub(crate) fn insert_idempotency(
    record: &IdempotencyRecord,
    created_at: DateTime<Utc>,
) -> Statement<'_> {
    Statement::new(
        "INSERT INTO idempotency_keys (caller, key, request_hash, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (caller, key) DO NOTHING",
    )
    .bind(&record.caller)
    .bind(&record.key)
    .bind(&record.response.request_hash)
    .bind(i64::from(record.response.status))
    .bind(&record.response.body)
    .bind(created_at)
}

pub(crate) fn insert(incident: &IncidentRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO incidents (id, title, description, contractor, own_systems, data_elements, classification,
                                affected_students, filed_by, created_at, version, facts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11)",
    )
    .bind(incident.id)
    .bind(&incident.title)
    .bind(&incident.description)
    .bind(&incident.contractor)
    .bind(incident.own_systems)
    .bind(crate::store::rows::to_json(&incident.data_elements))
    .bind(crate::store::rows::to_json(&incident.classification))
    .bind(incident.affected_students.and_then(|n| i64::try_from(n).ok()))
    .bind(&incident.filed_by)
    .bind(incident.created_at)
    .bind(crate::store::rows::to_json(&incident.facts))
}

pub(crate) fn insert_event(incident_id: Uuid, event: &EventRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO incident_events (incident_id, kind, at, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(incident_id)
    .bind(event.kind.as_str())
    .bind(event.at)
    .bind(event.recorded_at)
    .bind(&event.recorded_by)
}

/// Moves a recorded event to its corrected time (who corrected it, when).
pub(crate) fn correct_event(incident_id: Uuid, event: &EventRecord) -> Statement<'_> {
    Statement::new(
        "UPDATE incident_events SET at = $3, recorded_at = $4, recorded_by = $5 WHERE incident_id = $1 AND kind = $2",
    )
    .bind(incident_id)
    .bind(event.kind.as_str())
    .bind(event.at)
    .bind(event.recorded_at)
    .bind(&event.recorded_by)
}

/// Replaces an incident's reported facts (counts, a delay's details).
pub(crate) fn set_facts(incident_id: Uuid, facts: &ReportedFacts) -> Statement<'static> {
    Statement::new("UPDATE incidents SET facts = $2 WHERE id = $1")
        .bind(incident_id)
        .bind(crate::store::rows::to_json(facts))
}

/// Forgets the completions that recorded events made, so that a corrected
/// event's completion is derived again from its new time.
pub(crate) fn clear_event_completions(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "UPDATE obligations SET completed_at = NULL, completion_note = NULL, completed_by = NULL
         WHERE incident_id = $1 AND completion_note = $2",
    )
    .bind(incident_id)
    .bind(crate::store::EVENT_COMPLETION_NOTE)
}

pub(crate) fn by_id(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM incidents WHERE id = $1").bind(id)
}

/// Incidents newest first, each with how many of its obligations are
/// unsettled and the soonest due. `$1` is bound (typed) even when the
/// filter does not use it, so that the numbering stays fixed.
pub(crate) fn list(
    status: Option<IncidentStatusFilter>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Statement<'static> {
    let filter = match status {
        None => "",
        Some(IncidentStatusFilter::Open) => "WHERE unsettled > 0",
        Some(IncidentStatusFilter::Closed) => "WHERE unsettled = 0",
        Some(IncidentStatusFilter::Overdue) => "WHERE next_due_at < $1",
    };
    Statement::new(format!(
        "SELECT * FROM (
            SELECT i.*,
              (SELECT COUNT(*) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS unsettled,
              (SELECT MIN(o.due_at) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS next_due_at
            FROM incidents i
         ) AS summary {filter}
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(now)
    .bind(limit)
    .bind(offset)
}

/// Rows affected 0 when the incident's version is no longer the expected
/// one (a concurrent writer got there first).
pub(crate) fn bump_version(incident_id: Uuid, expected_version: i64) -> Statement<'static> {
    Statement::new("UPDATE incidents SET version = version + 1 WHERE id = $1 AND version = $2")
        .bind(incident_id)
        .bind(expected_version)
}
