//! Filing a contract (its duties, its publication job and its audit entry
//! in one transaction), recording its publication and settling its duties.

use super::audit;
use crate::audit::NewAudit;
use crate::store::statements::contracts as sql;
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
    let updated = tx
        .execute(&sql::settle(
            contract_id,
            obligation_id,
            settlement,
            by,
            now,
        ))
        .await?;
    if updated > 0 {
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
        audit::append(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    Ok(updated > 0)
}
