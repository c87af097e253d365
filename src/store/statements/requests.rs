//! Privacy requests and the obligations they start.

use super::Statement;
use crate::store::{ObligationRecord, PrivacyRequestRecord};
use uuid::Uuid;

pub(crate) fn insert(record: &PrivacyRequestRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO privacy_requests (id, reference, kind, received_at, requester_name, requester_email,
                                       summary, via, filed_by, assigned_to, answer, answered_at, answered_by,
                                       closed_at, closed_by, close_note, created_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(record.id)
    .bind(record.reference.as_str())
    .bind(record.kind.as_str())
    .bind(record.received_at)
    .bind(&record.requester_name)
    .bind(&record.requester_email)
    .bind(&record.summary)
    .bind(record.via.as_str())
    .bind(&record.filed_by)
    .bind(&record.assigned_to)
    .bind(&record.answer)
    .bind(record.answered_at)
    .bind(&record.answered_by)
    .bind(record.closed_at)
    .bind(&record.closed_by)
    .bind(&record.close_note)
    .bind(record.created_at)
    .bind(record.version)
}

/// What staff change (assignment, answer, closing) when the stored version
/// is still `expected_version` (rows affected 0 otherwise).
pub(crate) fn update(record: &PrivacyRequestRecord, expected_version: i64) -> Statement<'_> {
    Statement::new(
        "UPDATE privacy_requests SET assigned_to = $2, answer = $3, answered_at = $4, answered_by = $5,
                closed_at = $6, closed_by = $7, close_note = $8, version = $9
         WHERE id = $1 AND version = $10",
    )
    .bind(record.id)
    .bind(&record.assigned_to)
    .bind(&record.answer)
    .bind(record.answered_at)
    .bind(&record.answered_by)
    .bind(record.closed_at)
    .bind(&record.closed_by)
    .bind(&record.close_note)
    .bind(record.version)
    .bind(expected_version)
}

pub(crate) fn by_id(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM privacy_requests WHERE id = $1").bind(id)
}

/// Newest received first.
pub(crate) fn page(limit: i64, offset: i64) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM privacy_requests ORDER BY received_at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
}

pub(crate) fn insert_obligation(request_id: Uuid, obligation: &ObligationRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO obligations (id, request_id, kind, title, party, recipient, clock, clock_started_at, due_at, sources,
                                  completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by, updated_at,
                                  due_kind, on_hold, rolled_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(obligation.id)
    .bind(request_id)
    .bind(&obligation.kind)
    .bind(&obligation.title)
    .bind(obligation.party.as_str())
    .bind(&obligation.recipient)
    .bind(obligation.clock.as_str())
    .bind(obligation.clock_started_at)
    .bind(obligation.due_at)
    .bind(crate::store::rows::to_json(&obligation.sources))
    .bind(obligation.completed_at)
    .bind(&obligation.completion_note)
    .bind(&obligation.completed_by)
    .bind(obligation.waived_at)
    .bind(&obligation.waive_reason)
    .bind(&obligation.waived_by)
    .bind(obligation.updated_at)
    .bind(obligation.due_kind.as_str())
    .bind(obligation.on_hold)
    .bind(obligation.rolled_due_at)
}

pub(crate) fn obligations_of(request_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM obligations WHERE request_id = $1 ORDER BY due_at IS NULL, due_at, kind",
    )
    .bind(request_id)
}

/// The request's duties still open, to be completed with it.
pub(crate) fn unsettled_obligation_ids(request_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT id FROM obligations WHERE request_id = $1 AND completed_at IS NULL AND waived_at IS NULL",
    )
    .bind(request_id)
}
