//! The notice to families: approval, which plans every message and the
//! jobs that send them in one transaction, and publication.

use super::audit;
use crate::store::jobs::notice_jobs;
use crate::store::read::Reader;
use crate::store::statements::notices as sql;
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{audit_entries, ApproveOutcome, NoticeRecord, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn approve<S: Writer>(
    store: &S,
    incident_id: Uuid,
    by: &str,
    now: DateTime<Utc>,
    chunk_size: u64,
    message_domain: &str,
) -> StoreResult<ApproveOutcome> {
    let incident = incident_id.to_string();
    let mut tx = store.begin_write().await?;
    tx.lock_notice(&incident).await?;
    if tx.execute(&sql::approve(&incident, by, now)).await? == 0 {
        let recipients: Option<i64> = tx
            .fetch_optional(&sql::recipients(&incident))
            .await?
            .map(|row| row.read_at::<Option<i64>>(0))
            .transpose()?
            .flatten();
        let recipients = u64::try_from(recipients.unwrap_or(0)).unwrap_or(0);
        return Ok(ApproveOutcome {
            recipients,
            chunks: recipients.div_ceil(chunk_size.max(1)),
            already: true,
        });
    }
    let chunk_size = i64::try_from(chunk_size.max(1)).unwrap_or(500);
    let planned = tx
        .plan_family_notices(&incident, message_domain, now, chunk_size)
        .await?;
    let chunks = planned.div_ceil(chunk_size as u64);
    tx.insert_jobs(&notice_jobs(incident_id, chunks, now), now)
        .await?;
    let entry = audit_entries::notice_approved(incident_id, by, now, planned, chunks);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(ApproveOutcome {
        recipients: planned,
        chunks,
        already: false,
    })
}

/// Marks the notice published with its public copy, and audits it.
pub(crate) async fn mark_published<S: Writer>(
    store: &S,
    incident_id: Uuid,
    public: &serde_json::Value,
    url: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::mark_published(incident_id, public, url, at))
        .await?;
    let entry = audit_entries::notice_published(incident_id, url, at);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await
}

/// Keeps the draft of a notice whose families' clock started (one
/// statement, no transaction).
pub(crate) async fn ensure_draft<S: Reader>(store: &S, draft: &NoticeRecord) -> StoreResult<()> {
    store.execute(&sql::ensure_draft(draft)).await?;
    Ok(())
}

/// Saves an edited draft; false once the notice was approved.
pub(crate) async fn update_draft<S: Reader>(store: &S, draft: &NoticeRecord) -> StoreResult<bool> {
    Ok(store.execute(&sql::update_draft(draft)).await? == 1)
}
