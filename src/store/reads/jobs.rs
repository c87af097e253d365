//! Reading the job queue: when the next job is due, and whether a later
//! reminder step supersedes one. Claims, NULL-ordered lists and the
//! queue's depth are each backend's own.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::jobs as sql;
use crate::store::tx::Cells;
use crate::store::{Job, JobKinds, JobState, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn next_at<S: Reader>(
    store: &S,
    kinds: JobKinds,
) -> StoreResult<Option<DateTime<Utc>>> {
    store.fetch_one(&sql::next_at(kinds)).await?.read_at(0)
}

pub(crate) async fn later_reminder_due<S: Reader>(
    store: &S,
    obligation_id: Uuid,
    order: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let statement = sql::later_reminders_due(obligation_id, order, now);
    let later: i64 = store.fetch_one(&statement).await?.read_at(0)?;
    Ok(later > 0)
}

/// Jobs in any of `states`, the dead first (most recent death first).
pub(crate) async fn in_states<S: Reader>(store: &S, states: &[JobState]) -> StoreResult<Vec<Job>> {
    let rows = store.fetch_all(&sql::in_states(states)).await?;
    rows.iter().map(rows::job).collect()
}
