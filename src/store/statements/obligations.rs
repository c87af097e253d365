//! Obligations: their upsert on recomputation, their lists and their
//! settlement.

use super::Statement;
use crate::domain::ObligationStatus;
use crate::store::{ObligationFilter, ObligationRecord, Settlement};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A recorded completion or waiver is never undone by recomputation; a
/// completing event only fills an empty completion.
pub(crate) fn upsert(incident_id: Uuid, obligation: &ObligationRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO obligations (id, incident_id, kind, title, party, recipient, clock, clock_started_at, due_at, sources,
                                  completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by, updated_at,
                                  due_kind, on_hold, rolled_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
         ON CONFLICT (incident_id, kind) DO UPDATE SET
            title = excluded.title, party = excluded.party, recipient = excluded.recipient,
            clock = excluded.clock, clock_started_at = excluded.clock_started_at,
            due_at = excluded.due_at, sources = excluded.sources,
            due_kind = excluded.due_kind, on_hold = excluded.on_hold, rolled_due_at = excluded.rolled_due_at,
            completed_at = COALESCE(obligations.completed_at, excluded.completed_at),
            completion_note = CASE WHEN obligations.completed_at IS NULL THEN excluded.completion_note ELSE obligations.completion_note END,
            completed_by = CASE WHEN obligations.completed_at IS NULL THEN excluded.completed_by ELSE obligations.completed_by END,
            updated_at = excluded.updated_at",
    )
    .bind(obligation.id)
    .bind(incident_id)
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

pub(crate) fn by_id(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM obligations WHERE id = $1").bind(id)
}

pub(crate) fn incident_of(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT incident_id FROM obligations WHERE id = $1").bind(id)
}

pub(crate) fn of_incident(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM obligations WHERE incident_id = $1 ORDER BY due_at IS NULL, due_at, kind",
    )
    .bind(incident_id)
}

/// Obligations whose clock runs and that are not settled.
pub(crate) fn unsettled() -> Statement<'static> {
    Statement::new(
        "SELECT * FROM obligations WHERE due_at IS NOT NULL AND completed_at IS NULL AND waived_at IS NULL ORDER BY due_at",
    )
}

/// Appends the condition for one obligation status, over columns of
/// `obligations` aliased `o`; `now` is bound where the status depends on it.
pub(crate) fn push_status_clause(
    statement: &mut Statement<'_>,
    status: ObligationStatus,
    now: DateTime<Utc>,
) {
    match status {
        // Mirrors `ObligationRecord::status`: an undated obligation is on
        // hold, open with no fixed time, or pending.
        ObligationStatus::Pending => {
            statement.push(
                "(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at IS NULL AND NOT o.on_hold \
                  AND NOT (o.clock_started_at IS NOT NULL AND o.due_kind = 'as_soon_as_practicable'))",
            );
        }
        ObligationStatus::OnHold => {
            statement.push(
                "(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at IS NULL AND o.on_hold)",
            );
        }
        ObligationStatus::Open => {
            statement.push(
                "(o.completed_at IS NULL AND o.waived_at IS NULL AND ((o.due_at IS NULL AND NOT o.on_hold \
                  AND o.clock_started_at IS NOT NULL AND o.due_kind = 'as_soon_as_practicable') OR o.due_at >= ",
            );
            statement.push_bind(now).push("))");
        }
        ObligationStatus::Overdue => {
            statement.push("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at < ");
            statement.push_bind(now).push(")");
        }
        ObligationStatus::Done => {
            statement.push(
                "(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND (o.due_at IS NULL OR o.completed_at <= o.due_at))",
            );
        }
        ObligationStatus::Late => {
            statement.push(
                "(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND o.completed_at > o.due_at)",
            );
        }
        ObligationStatus::Waived => {
            statement.push("(o.waived_at IS NOT NULL)");
        }
    }
}

/// Obligations with their subject's title (an incident's, a request's
/// kind and reference, or a contract's), soonest due first, pending (no due
/// time) last.
pub(crate) fn list(filter: &ObligationFilter) -> Statement<'static> {
    let mut statement = Statement::new(
        "SELECT o.*, i.title AS incident_title, r.kind AS request_kind, r.reference AS request_reference,
                c.title AS contract_title
         FROM obligations o
         LEFT JOIN incidents i ON i.id = o.incident_id
         LEFT JOIN privacy_requests r ON r.id = o.request_id
         LEFT JOIN contracts c ON c.id = o.contract_id",
    );
    let mut conjunction = " WHERE ";
    if !filter.statuses.is_empty() {
        statement.push(conjunction).push("(");
        for (index, &status) in filter.statuses.iter().enumerate() {
            if index > 0 {
                statement.push(" OR ");
            }
            push_status_clause(&mut statement, status, filter.now);
        }
        statement.push(")");
        conjunction = " AND ";
    }
    if let Some(before) = filter.due_before {
        statement
            .push(conjunction)
            .push("o.due_at < ")
            .push_bind(before);
        conjunction = " AND ";
    }
    if let Some(incident_id) = filter.incident_id {
        statement
            .push(conjunction)
            .push("o.incident_id = ")
            .push_bind(incident_id);
    }
    statement
        .push(" ORDER BY o.due_at IS NULL, o.due_at, o.kind, o.id LIMIT ")
        .push_bind(filter.limit)
        .push(" OFFSET ")
        .push_bind(filter.offset);
    statement
}

/// Completes or waives an obligation that is neither yet; rows affected 0
/// when it is settled already (or missing).
pub(crate) fn settle<'a>(
    id: Uuid,
    settlement: &'a Settlement,
    by: &'a str,
    now: DateTime<Utc>,
) -> Statement<'a> {
    match settlement {
        Settlement::Complete { at, note } => Statement::new(
            "UPDATE obligations SET completed_at = $1, completion_note = $2, completed_by = $3, updated_at = $4
             WHERE id = $5 AND completed_at IS NULL AND waived_at IS NULL",
        )
        .bind(*at)
        .bind(note),
        Settlement::Waive { reason } => Statement::new(
            "UPDATE obligations SET waived_at = $1, waive_reason = $2, waived_by = $3, updated_at = $4
             WHERE id = $5 AND completed_at IS NULL AND waived_at IS NULL",
        )
        .bind(now)
        .bind(reason),
    }
    .bind(by)
    .bind(now)
    .bind(id)
}

/// Every status counted in one pass (`COUNT(*) FILTER`, PostgreSQL's), each
/// column named for its status, with the same conditions as the filters.
pub(crate) fn counts_in_one_pass(now: DateTime<Utc>) -> Statement<'static> {
    let mut statement = Statement::new("SELECT ");
    for (index, status) in ObligationStatus::ALL.into_iter().enumerate() {
        if index > 0 {
            statement.push(", ");
        }
        statement.push("COUNT(*) FILTER (WHERE ");
        push_status_clause(&mut statement, status, now);
        statement.push(&format!(") AS {}", status.as_str()));
    }
    statement.push(" FROM obligations o");
    statement
}

/// How many obligations are in `status` at `now`.
pub(crate) fn count(status: ObligationStatus, now: DateTime<Utc>) -> Statement<'static> {
    let mut statement = Statement::new("SELECT COUNT(*) FROM obligations o WHERE ");
    push_status_clause(&mut statement, status, now);
    statement
}
