//! Filing a contract (its duties, its publication job and its audit entry
//! in one transaction), recording its publication, settling its duties, and
//! recording the notice to amend it and its amendment.

use super::audit;
use crate::audit::NewAudit;
use crate::store::statements::{contracts as sql, jobs as jobs_sql};
use crate::store::tx::{WriteTx, Writer};
use crate::store::{ContractRecord, NewJob, ObligationRecord, Settlement, StoreResult};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

pub(crate) async fn create<S: Writer>(
    store: &S,
    record: &ContractRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
    entry: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::insert(record)).await?;
    for obligation in obligations {
        tx.execute(&sql::insert_obligation(record.id, obligation))
            .await?;
    }
    tx.insert_jobs(jobs, record.created_at).await?;
    audit::append(&mut tx, entry).await?;
    tx.commit().await
}

pub(crate) async fn mark_published<S: Writer>(
    store: &S,
    contract_id: Uuid,
    url: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::mark_published(contract_id, url, at))
        .await?;
    let entry = NewAudit::new(
        at,
        "breachd",
        "contract_notice_published",
        None,
        Some(contract_id.to_string()),
        json!({ "url": url }),
    );
    audit::append(&mut tx, &entry).await?;
    tx.commit().await
}

pub(crate) async fn settle<S: Writer>(
    store: &S,
    contract_id: Uuid,
    obligation_id: Uuid,
    settlement: &Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    let settled = settle_in(&mut tx, contract_id, obligation_id, settlement, by, now).await?;
    tx.commit().await?;
    Ok(settled)
}

/// Settles one unsettled duty of the contract inside `tx`, audits it and
/// cancels its reminders; false when there was nothing to settle.
async fn settle_in<T: WriteTx>(
    tx: &mut T,
    contract_id: Uuid,
    obligation_id: Uuid,
    settlement: &Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let updated = tx
        .execute(&sql::settle(
            contract_id,
            obligation_id,
            settlement,
            by,
            now,
        ))
        .await?;
    if updated == 0 {
        return Ok(false);
    }
    let details = match settlement {
        Settlement::Complete { at, .. } => {
            json!({"contract_id": contract_id, "completed_at": at})
        }
        Settlement::Waive { .. } => json!({"contract_id": contract_id, "waived": true}),
    };
    let entry = NewAudit::new(
        now,
        by,
        "contract_obligation_settled",
        None,
        Some(obligation_id.to_string()),
        details,
    );
    audit::append(tx, &entry).await?;
    tx.execute(&jobs_sql::cancel_for_obligation(obligation_id, now))
        .await?;
    Ok(true)
}

/// Records the board's notice to amend (once), completes the duties it
/// fulfils at the time it was sent, and audits it, in one transaction;
/// false when a notice was recorded already.
#[allow(clippy::too_many_arguments)] // the notice, what it completes, who and when
pub(crate) async fn request_amendment<S: Writer>(
    store: &S,
    contract_id: Uuid,
    at: DateTime<Utc>,
    note: Option<&str>,
    completes: &[Uuid],
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    if tx
        .execute(&sql::request_amendment(contract_id, at, note))
        .await?
        == 0
    {
        return Ok(false);
    }
    let entry = NewAudit::new(
        now,
        by,
        "contract_amendment_requested",
        None,
        Some(contract_id.to_string()),
        json!({"sent_at": at, "note_given": note.is_some(), "completes": completes}),
    );
    audit::append(&mut tx, &entry).await?;
    let settlement = Settlement::Complete {
        at,
        note: note.map(str::to_owned),
    };
    for id in completes {
        settle_in(&mut tx, contract_id, *id, &settlement, by, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Stores the amendment `record` carries if the contract is unchanged
/// since it was read, waives the duties it makes moot (`waives`, with
/// `reason`), and audits it, in one transaction; false when another change
/// came first.
pub(crate) async fn amend<S: Writer>(
    store: &S,
    record: &ContractRecord,
    waives: &[Uuid],
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    if tx.execute(&sql::amend(record)).await? == 0 {
        return Ok(false);
    }
    let missing: Vec<u32> = record
        .provisions_now()
        .into_iter()
        .filter(|(_, included)| !included)
        .map(|(number, _)| number)
        .collect();
    let entry = NewAudit::new(
        now,
        by,
        "contract_amended",
        None,
        Some(record.id.to_string()),
        json!({
            "amended_on": record.amendment.amended_on,
            "provisions_added": record.amendment.added,
            "missing_provisions": missing,
        }),
    );
    audit::append(&mut tx, &entry).await?;
    let settlement = Settlement::Waive {
        reason: reason.to_owned(),
    };
    for id in waives {
        settle_in(&mut tx, record.id, *id, &settlement, by, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}
