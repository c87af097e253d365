//! The job queue on PostgreSQL, shared by every instance: claims skip rows
//! another claimer holds, and planning a job announces it (`NOTIFY`) so that
//! a sleeping scheduler elsewhere wakes.

use super::{query, PgStore, Tx, JOBS_CHANNEL};
use crate::store::rows::{self, Columns};
use crate::store::statements::jobs as sql;
use crate::store::{Job, JobKinds, JobState, NewJob, StoreResult};
use crate::wake::Wake;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgListener, PgPool};
use sqlx::{Postgres, QueryBuilder};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Rows per multi-row INSERT: far below PostgreSQL's 65,535 bind parameters
/// for the widest table we insert into this way (jobs, 14 columns).
const INSERT_CHUNK: usize = 1000;

/// Plans jobs (a key that exists is left alone) and, when any is new,
/// announces them to every instance once the transaction commits.
pub(super) async fn insert(tx: &mut Tx, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64> {
    let mut inserted = 0;
    // Multi-row statements: one round trip per thousand jobs instead of one
    // per job. ON CONFLICT DO NOTHING also skips a key repeated within one
    // statement, as the one-row-at-a-time SQLite version does.
    for rows in jobs.chunks(INSERT_CHUNK) {
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO jobs (id, kind, key, payload, due_at, state, incident_id, obligation_id, obligation_due,
                               step_order, late, created_at, updated_at, finished_at) ",
        );
        insert.push_values(rows, |mut row, job| {
            let done = job.state != JobState::Scheduled;
            row.push_bind(job.id.to_string())
                .push_bind(job.kind.as_str())
                .push_bind(job.key.clone())
                .push_bind(job.payload.to_string())
                .push_bind(job.due_at)
                .push_bind(job.state.as_str())
                .push_bind(job.incident_id.map(|id| id.to_string()))
                .push_bind(job.obligation_id.map(|id| id.to_string()))
                .push_bind(job.obligation_due)
                .push_bind(job.step_order)
                .push_bind(job.late)
                .push_bind(now)
                .push_bind(now)
                .push_bind(done.then_some(now));
        });
        insert.push(" ON CONFLICT (key) DO NOTHING");
        inserted += insert.build().execute(&mut **tx).await?.rows_affected();
    }
    if inserted > 0 {
        notify(tx).await?;
    }
    Ok(inserted)
}

/// Tells every listening instance (on commit) that the schedule changed.
async fn notify(tx: &mut Tx) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(JOBS_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Cancels the scheduled jobs of obligations that are settled or whose due
/// time is no longer the one they were planned for.
pub(super) async fn cancel_stale(
    tx: &mut Tx,
    incident_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, locked_until = NULL
         WHERE state = 'scheduled' AND incident_id = $2 AND obligation_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM obligations o WHERE o.id = jobs.obligation_id
                             AND o.completed_at IS NULL AND o.waived_at IS NULL
                             AND o.due_at IS NOT DISTINCT FROM jobs.obligation_due)",
    )
    .bind(now)
    .bind(incident_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn claim(
    store: &PgStore,
    kinds: JobKinds,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    worker: &str,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    // SKIP LOCKED: concurrent claimers (other tasks, other instances) pass
    // over rows another claimer is locking instead of waiting for them or
    // claiming them twice. A row whose claim committed while we waited is
    // re-checked (READ COMMITTED) and no longer qualifies.
    let rows = sqlx::query(&format!(
        "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3
         WHERE id IN (SELECT id FROM jobs
                      WHERE state = 'scheduled' AND due_at <= $3 AND (locked_until IS NULL OR locked_until < $3){}
                      ORDER BY due_at LIMIT $4
                      FOR UPDATE SKIP LOCKED)
         RETURNING *",
        kinds.sql()
    ))
    .bind(lease_until)
    .bind(worker)
    .bind(now)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    crate::store::writes::jobs::claimed(&rows)
}

pub(super) async fn reschedule(
    store: &PgStore,
    id: Uuid,
    worker: &str,
    due_at: DateTime<Utc>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.pool.begin().await?;
    let statement = sql::reschedule(id, worker, due_at, error, now);
    let result = query(&statement).execute(&mut *tx).await?;
    // Should this instance die before the retry, another one must know
    // when to pick it up.
    if result.rows_affected() == 1 {
        notify(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(result.rows_affected() == 1)
}

pub(super) async fn renew_leases(
    store: &PgStore,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<u64> {
    // Only leases still held: one that ran out may be another instance's by
    // now, and is not ours to extend.
    let result = sqlx::query(
        "UPDATE jobs SET locked_until = $1
         WHERE locked_by = $2 AND state = 'scheduled' AND locked_until >= $3 AND locked_until < $1",
    )
    .bind(lease_until)
    .bind(worker)
    .bind(now)
    .execute(&store.pool)
    .await?;
    Ok(result.rows_affected())
}

pub(super) async fn of_incident(store: &PgStore, incident_id: Uuid) -> StoreResult<Vec<Job>> {
    // NULLS FIRST: SQLite sorts NULL before any value.
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE incident_id = $1
         ORDER BY obligation_id NULLS FIRST, step_order NULLS FIRST, due_at",
    )
    .bind(incident_id.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(rows::job).collect()
}

pub(super) async fn queue_depth(store: &PgStore, now: DateTime<Utc>) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) FILTER (WHERE due_at <= $1) AS due, COUNT(*) AS scheduled FROM jobs WHERE state = 'scheduled'",
    )
    .bind(now)
    .fetch_one(&store.pool)
    .await?;
    Ok((row.read("due")?, row.read("scheduled")?))
}

/// The LISTEN loop of `watch_jobs`: wakes the scheduler on every
/// notification, and once more after each reconnection, since
/// notifications sent while the connection was down are lost.
pub(super) async fn listen(pool: PgPool, wake: Wake, shutdown: CancellationToken) {
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        let connected = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(JOBS_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                failures += 1;
                tracing::warn!(
                    error = format!("{error:#}"),
                    "cannot LISTEN for planned jobs; retrying"
                );
                let pause = Duration::from_millis(500 * u64::from(failures.min(20)));
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        failures = 0;
        // Anything planned before LISTEN took effect is caught by this wake.
        wake.wake();
        loop {
            let received = tokio::select! {
                _ = shutdown.cancelled() => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(_)) => wake.wake(),
                // The connection was lost and re-established: notifications
                // may have been missed in between.
                Ok(None) => wake.wake(),
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "the LISTEN connection failed; reconnecting"
                    );
                    break;
                }
            }
        }
    }
}
