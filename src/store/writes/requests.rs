//! Filing a privacy request with its duties, jobs and audit entry; and
//! staff's changes to it (assign, answer, close), each one transaction.

use crate::audit::NewAudit;
use crate::store::statements::{jobs as jobs_sql, obligations as obligations_sql, requests as sql};
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{
    NewJob, ObligationRecord, PrivacyRequestRecord, Settlement, StoreError, StoreResult,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn create<S: Writer>(
    store: &S,
    record: &PrivacyRequestRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::insert(record)).await?;
    for obligation in obligations {
        tx.execute(&sql::insert_obligation(record.id, obligation))
            .await?;
    }
    tx.insert_jobs(jobs, record.created_at).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}

/// Stores `record` when the stored version is `record.version - 1`
/// (`Conflict` otherwise); with `settle`, completes the request's open
/// duties and cancels their reminders; plans `jobs` (the answer's email).
pub(crate) async fn update<S: Writer>(
    store: &S,
    record: &PrivacyRequestRecord,
    settle: Option<&Settlement>,
    jobs: &[NewJob],
    audit: &NewAudit,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    if tx.execute(&sql::update(record, record.version - 1)).await? == 0 {
        return Err(StoreError::Conflict);
    }
    if let Some(settlement) = settle {
        let rows = tx
            .fetch_all(&sql::unsettled_obligation_ids(record.id))
            .await?;
        for row in rows {
            let text: String = row.read_at(0)?;
            let id = Uuid::parse_str(&text)
                .map_err(|_| StoreError::Corrupt(format!("obligation id {text:?}")))?;
            let by = record
                .answered_by
                .as_deref()
                .or(record.closed_by.as_deref())
                .unwrap_or_default();
            tx.execute(&obligations_sql::settle(id, settlement, by, now))
                .await?;
            tx.execute(&jobs_sql::cancel_for_obligation(id, now))
                .await?;
        }
    }
    tx.insert_jobs(jobs, now).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}
