//! Messages on PostgreSQL: the fan-out's group commits of send attempts
//! (planning them is `store::writes::emails`, reading them
//! `store::reads::emails`).

use super::PgStore;
use crate::store::{Attempt, AttemptRecorder, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Postgres;
use uuid::Uuid;

pub(super) async fn record_attempts(store: &PgStore, attempts: &[Attempt]) -> StoreResult<()> {
    if attempts.is_empty() {
        return Ok(());
    }
    let mut connection = store.pool.acquire().await?;
    record_attempts_on(&mut connection, attempts).await
}

pub(super) async fn recorder(store: &PgStore) -> StoreResult<Box<dyn AttemptRecorder>> {
    Ok(Box::new(PgRecorder {
        connection: store.pool.acquire().await?,
    }))
}

/// Splits attempts into rounds in which each message appears once, so that
/// the multi-row UPDATE counts every attempt (the fan-out never
/// repeats a message in one group commit; a caller could).
fn attempt_rounds(attempts: &[Attempt]) -> Vec<Vec<&Attempt>> {
    let mut rounds: Vec<(std::collections::HashSet<Uuid>, Vec<&Attempt>)> = Vec::new();
    for attempt in attempts {
        match rounds
            .iter_mut()
            .find(|(seen, _)| !seen.contains(&attempt.email_id))
        {
            Some((seen, round)) => {
                seen.insert(attempt.email_id);
                round.push(attempt);
            }
            None => rounds.push((std::iter::once(attempt.email_id).collect(), vec![attempt])),
        }
    }
    rounds.into_iter().map(|(_, round)| round).collect()
}

/// A pool connection held by the fan-out's recorder.
struct PgRecorder {
    connection: sqlx::pool::PoolConnection<Postgres>,
}

#[async_trait]
impl AttemptRecorder for PgRecorder {
    async fn record(&mut self, attempts: &[Attempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        record_attempts_on(&mut self.connection, attempts).await
    }
}

async fn record_attempts_on(
    connection: &mut sqlx::PgConnection,
    attempts: &[Attempt],
) -> StoreResult<()> {
    use sqlx::Connection as _;
    let mut tx = connection.begin().await?;
    for round in attempt_rounds(attempts) {
        // Arrays unnested into rows: two statements per group commit,
        // whatever its size.
        let ids: Vec<String> = round.iter().map(|a| a.email_id.to_string()).collect();
        let outcomes: Vec<&str> = round.iter().map(|a| a.outcome.as_str()).collect();
        let replies: Vec<Option<String>> = round.iter().map(|a| a.reply.clone()).collect();
        let next: Vec<Option<DateTime<Utc>>> = round.iter().map(|a| a.next_attempt_at).collect();
        let at: Vec<DateTime<Utc>> = round.iter().map(|a| a.at).collect();
        let workers: Vec<&str> = round.iter().map(|a| a.worker.as_str()).collect();
        sqlx::query(
            "UPDATE emails AS e SET status = v.status, attempts = e.attempts + 1, last_reply = v.reply,
                    next_attempt_at = v.next_at,
                    sent_at = CASE WHEN v.status = 'sent' THEN v.at ELSE e.sent_at END, updated_at = v.at
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                  AS v (id, status, reply, next_at, at)
             WHERE e.id = v.id",
        )
        .bind(&ids)
        .bind(&outcomes)
        .bind(&replies)
        .bind(&next)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO email_attempts (email_id, at, outcome, reply, worker)
             SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])",
        )
        .bind(&ids)
        .bind(&at)
        .bind(&outcomes)
        .bind(&replies)
        .bind(&workers)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
