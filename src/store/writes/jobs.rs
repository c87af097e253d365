//! The job queue's transactions: planning jobs, ending one (audited when
//! its work is done), and the order a claim hands jobs out in.

use super::audit;
use crate::store::read::Reader;
use crate::store::rows::{self, Columns};
use crate::store::statements::jobs as sql;
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{audit_entries, Job, JobState, NewJob, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Plans jobs; a key that exists already is left alone. How many were new.
pub(crate) async fn enqueue<S: Writer>(
    store: &S,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin_write().await?;
    let inserted = tx.insert_jobs(jobs, now).await?;
    tx.commit().await?;
    Ok(inserted)
}

/// The jobs a claim leased, soonest first and a reminder's steps in order.
pub(crate) fn claimed(rows: &[impl Columns]) -> StoreResult<Vec<Job>> {
    let mut jobs = rows
        .iter()
        .map(rows::job)
        .collect::<StoreResult<Vec<_>>>()?;
    jobs.sort_by_key(|job| (job.due_at, job.step_order));
    Ok(jobs)
}

pub(crate) async fn finish<S: Writer>(
    store: &S,
    id: Uuid,
    worker: &str,
    state: JobState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    let statement = sql::finish(id, worker, state, error, now);
    let Some(row) = tx.fetch_optional(&statement).await? else {
        return Ok(false);
    };
    // Work done (a reminder or digest sent, a chunk of notices sent, a
    // notice published) is audited; skips and cancellations are not state
    // changes anyone acted on.
    if state == JobState::Done {
        let kind: String = row.read("kind")?;
        let key: String = row.read("key")?;
        let incident = rows::optional_uuid(&row, "incident_id")?;
        let counts = tx
            .fetch_all(&sql::email_counts(id))
            .await?
            .iter()
            .map(|row| Ok((row.read_at(0)?, row.read_at(1)?)))
            .collect::<StoreResult<Vec<(String, i64)>>>()?;
        let entry = audit_entries::job_done(id, &kind, &key, incident, worker, counts, now);
        audit::append(&mut tx, &entry).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Extends one job's lease while `worker` still holds it (one statement,
/// no transaction); false when it no longer does.
pub(crate) async fn renew_lease<S: Reader>(
    store: &S,
    id: Uuid,
    worker: &str,
    lease_until: DateTime<Utc>,
) -> StoreResult<bool> {
    Ok(store
        .execute(&sql::renew_lease(id, worker, lease_until))
        .await?
        == 1)
}

/// Cancels an obligation's planned reminders; how many.
pub(crate) async fn cancel_for_obligation<S: Reader>(
    store: &S,
    obligation_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    store
        .execute(&sql::cancel_for_obligation(obligation_id, now))
        .await
}
