//! The job queue on SQLite. One writer at a time (`BEGIN IMMEDIATE`), so a
//! claim needs no row locks.

use super::{query, SqliteStore, Tx};
use crate::store::rows::{self, Columns};
use crate::store::statements::jobs as sql;
use crate::store::{Job, JobKinds, NewJob, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Plans jobs one row at a time; a key that exists is left alone.
pub(super) async fn insert(tx: &mut Tx, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64> {
    let mut inserted = 0;
    for job in jobs {
        let statement = sql::insert(job, now);
        inserted += query(&statement).execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

/// Cancels the scheduled jobs of obligations that are settled or whose due
/// time is no longer the one they were planned for.
pub(super) async fn cancel_stale(
    tx: &mut Tx,
    incident_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = ?1, updated_at = ?1, locked_until = NULL
         WHERE state = 'scheduled' AND incident_id = ?2 AND obligation_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM obligations o WHERE o.id = jobs.obligation_id
                             AND o.completed_at IS NULL AND o.waived_at IS NULL
                             AND o.due_at IS jobs.obligation_due)",
    )
    .bind(now)
    .bind(incident_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn claim(
    store: &SqliteStore,
    kinds: JobKinds,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    worker: &str,
    limit: i64,
) -> StoreResult<Vec<Job>> {
    let (mut tx, _turn) = store.write().await?;
    let rows = sqlx::query(&format!(
        "UPDATE jobs SET locked_until = ?1, locked_by = ?2, attempts = attempts + 1, updated_at = ?3
         WHERE id IN (SELECT id FROM jobs
                      WHERE state = 'scheduled' AND due_at <= ?3 AND (locked_until IS NULL OR locked_until < ?3){}
                      ORDER BY due_at LIMIT ?4)
         RETURNING *",
        kinds.sql()
    ))
    .bind(lease_until)
    .bind(worker)
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    crate::store::writes::jobs::claimed(&rows)
}

pub(super) async fn reschedule(
    store: &SqliteStore,
    id: Uuid,
    worker: &str,
    due_at: DateTime<Utc>,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let statement = sql::reschedule(id, worker, due_at, error, now);
    let result = query(&statement).execute(&store.pool).await?;
    Ok(result.rows_affected() == 1)
}

pub(super) async fn of_incident(store: &SqliteStore, incident_id: Uuid) -> StoreResult<Vec<Job>> {
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE incident_id = ? ORDER BY obligation_id, step_order, due_at",
    )
    .bind(incident_id.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(rows::job).collect()
}

pub(super) async fn queue_depth(
    store: &SqliteStore,
    now: DateTime<Utc>,
) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN due_at <= ? THEN 1 ELSE 0 END), 0) AS due, COUNT(*) AS scheduled
         FROM jobs WHERE state = 'scheduled'",
    )
    .bind(now)
    .fetch_one(&store.pool)
    .await?;
    Ok((row.read("due")?, row.read("scheduled")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reminder step's lookups of its obligation's later steps and of
    /// its incident's other steps use their own indexes (migrations 0025
    /// and 0026), not the queue's (state, due_at), through which every step
    /// of a burst due at one instant read all the others.
    #[tokio::test]
    async fn a_reminder_steps_lookups_use_their_indexes() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("plans.db").display());
        let store = SqliteStore::connect(&url).await.expect("SQLite opens");
        crate::store::Store::migrate(&store)
            .await
            .expect("SQLite migrates");
        let now = Utc::now();
        let id = Uuid::now_v7();
        for (statement, index) in [
            (sql::later_reminders_due(id, 1, now), "jobs_obligation"),
            (
                sql::reminder_siblings(id, now, id, "instance", now),
                "jobs_incident",
            ),
        ] {
            let explained = statement.explained();
            let plan: Vec<String> = query(&explained)
                .fetch_all(&store.pool)
                .await
                .expect("the plan is read")
                .iter()
                .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
                .collect();
            assert!(
                plan.iter().any(|step| step.contains(index)),
                "{index} unused: {plan:?}"
            );
        }
    }
}
