//! Contracts with vendors, their duties (rows of `obligations` under
//! `contract_id`), the notice to amend and the amendment.

use super::Statement;
use crate::store::rows::to_json;
use crate::store::{ContractRecord, ObligationRecord, Settlement};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) fn insert(record: &ContractRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO contracts (id, vendor_id, title, executed_on, body, filed_by, created_at, published_at, published_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(record.id)
    .bind(record.contract.vendor_id)
    .bind(&record.contract.title)
    .bind(record.contract.executed_on.format("%Y-%m-%d").to_string())
    .bind(to_json(&record.contract))
    .bind(&record.filed_by)
    .bind(record.created_at)
    .bind(record.published_at)
    .bind(&record.published_url)
}

pub(crate) fn insert_obligation(contract_id: Uuid, obligation: &ObligationRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO obligations (id, contract_id, kind, title, party, recipient, clock, clock_started_at, due_at, sources,
                                  completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by, updated_at,
                                  due_kind, on_hold, rolled_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(obligation.id)
    .bind(contract_id)
    .bind(&obligation.kind)
    .bind(&obligation.title)
    .bind(obligation.party.as_str())
    .bind(&obligation.recipient)
    .bind(obligation.clock.as_str())
    .bind(obligation.clock_started_at)
    .bind(obligation.due_at)
    .bind(to_json(&obligation.sources))
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
    Statement::new("SELECT * FROM contracts WHERE id = $1").bind(id)
}

pub(crate) fn all() -> Statement<'static> {
    Statement::new("SELECT * FROM contracts ORDER BY executed_on DESC, created_at DESC, id")
}

pub(crate) fn obligations_of(contract_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM obligations WHERE contract_id = $1 ORDER BY due_at IS NULL, due_at, kind",
    )
    .bind(contract_id)
}

pub(crate) fn mark_published(contract_id: Uuid, url: &str, at: DateTime<Utc>) -> Statement<'_> {
    Statement::new("UPDATE contracts SET published_url = $1, published_at = COALESCE(published_at, $2) WHERE id = $3")
        .bind(url)
        .bind(at)
        .bind(contract_id)
}

/// Settles a duty of `contract_id` that is not settled yet.
pub(crate) fn settle<'a>(
    contract_id: Uuid,
    id: Uuid,
    settlement: &'a Settlement,
    by: &'a str,
    now: DateTime<Utc>,
) -> Statement<'a> {
    match settlement {
        Settlement::Complete { at, note } => Statement::new(
            "UPDATE obligations SET completed_at = $1, completion_note = $2, completed_by = $3, updated_at = $4
             WHERE id = $5 AND contract_id = $6 AND completed_at IS NULL AND waived_at IS NULL",
        )
        .bind(*at)
        .bind(note),
        Settlement::Waive { reason } => Statement::new(
            "UPDATE obligations SET waived_at = $1, waive_reason = $2, waived_by = $3, updated_at = $4
             WHERE id = $5 AND contract_id = $6 AND completed_at IS NULL AND waived_at IS NULL",
        )
        .bind(now)
        .bind(reason),
    }
    .bind(by)
    .bind(now)
    .bind(id)
    .bind(contract_id)
}

/// Records the board's notice to amend, once: rows affected 0 when one was
/// recorded already (or the contract is missing).
pub(crate) fn request_amendment<'a>(
    contract_id: Uuid,
    at: DateTime<Utc>,
    note: Option<&'a str>,
) -> Statement<'a> {
    Statement::new(
        "UPDATE contracts SET amendment_requested_at = $1, amendment_request_note = $2, version = version + 1
         WHERE id = $3 AND amendment_requested_at IS NULL",
    )
    .bind(at)
    .bind(note)
    .bind(contract_id)
}

/// Stores `record`'s amendment if the contract is still at `record.version`:
/// rows affected 0 when another change came first.
pub(crate) fn amend(record: &ContractRecord) -> Statement<'_> {
    Statement::new(
        "UPDATE contracts SET amended_on = $1, amended_provisions = $2, version = version + 1
         WHERE id = $3 AND version = $4",
    )
    .bind(super::Param::OptionalText(record.amendment.amended_on.map(
        |on| std::borrow::Cow::Owned(on.format("%Y-%m-%d").to_string()),
    )))
    .bind(to_json(&record.amendment.added))
    .bind(record.id)
    .bind(record.version)
}
