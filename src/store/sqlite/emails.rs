//! Messages on SQLite: the fan-out's group commits of send attempts
//! (planning them is `store::writes::emails`, reading them
//! `store::reads::emails`).

use super::SqliteStore;
use crate::store::{Attempt, AttemptRecorder, EmailStatus, StoreResult};
use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};

/// Attempts per round trip of a group commit: 11 bound values each, far
/// below SQLite's 32,766 host parameters.
const RECORD_CHUNK: usize = 1000;

pub(super) async fn record_attempts(store: &SqliteStore, attempts: &[Attempt]) -> StoreResult<()> {
    if attempts.is_empty() {
        return Ok(());
    }
    // The turn first, as every writer takes it, so that no one waits for
    // it while holding a connection the turn's holder may need.
    let _turn = store.take_turn().await?;
    let mut connection = store.pool.acquire().await?;
    record_attempts_on(&mut connection, attempts).await
}

pub(super) async fn recorder(store: &SqliteStore) -> StoreResult<Box<dyn AttemptRecorder>> {
    Ok(Box::new(SqliteRecorder {
        connection: store.pool.acquire().await?,
        store: store.clone(),
    }))
}

/// A pool connection held by the fan-out's recorder, and the store whose
/// writers it takes turns with.
struct SqliteRecorder {
    connection: sqlx::pool::PoolConnection<Sqlite>,
    store: SqliteStore,
}

#[async_trait]
impl AttemptRecorder for SqliteRecorder {
    async fn record(&mut self, attempts: &[Attempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let _turn = self.store.take_turn().await?;
        record_attempts_on(&mut self.connection, attempts).await
    }
}

async fn record_attempts_on(
    connection: &mut sqlx::SqliteConnection,
    attempts: &[Attempt],
) -> StoreResult<()> {
    // A group commit is one round trip to SQLite's thread per
    // RECORD_CHUNK attempts: BEGIN, an UPDATE by primary key per message
    // (cheaper than one UPDATE ... FROM (VALUES ...), which SQLite
    // materializes first; a message twice in a group is updated twice, in
    // order), one INSERT for the attempts, COMMIT. Anonymous parameters are
    // bound in order across the statements.
    let chunks: Vec<&[Attempt]> = attempts.chunks(RECORD_CHUNK).collect();
    let last = chunks.len().saturating_sub(1);
    for (index, rows) in chunks.into_iter().enumerate() {
        let mut query =
            QueryBuilder::<Sqlite>::new(if index == 0 { "BEGIN IMMEDIATE;" } else { "" });
        for attempt in rows {
            let sent = (attempt.outcome == EmailStatus::Sent).then_some(attempt.at);
            query
                .push("UPDATE emails SET status = ")
                .push_bind(attempt.outcome.as_str())
                .push(", attempts = attempts + 1, last_reply = ")
                .push_bind(&attempt.reply)
                .push(", next_attempt_at = ")
                .push_bind(attempt.next_attempt_at)
                .push(", sent_at = COALESCE(")
                .push_bind(sent)
                .push(", sent_at), updated_at = ")
                .push_bind(attempt.at)
                .push(" WHERE id = ")
                .push_bind(attempt.email_id.to_string())
                .push(";");
        }
        query.push("INSERT INTO email_attempts (email_id, at, outcome, reply, worker) ");
        query.push_values(rows, |mut row, attempt| {
            row.push_bind(attempt.email_id.to_string())
                .push_bind(attempt.at)
                .push_bind(attempt.outcome.as_str())
                .push_bind(&attempt.reply)
                .push_bind(&attempt.worker);
        });
        query.push(if index == last { ";COMMIT;" } else { ";" });
        if let Err(error) = query.build().execute(&mut *connection).await {
            // Whatever statement failed, leave no transaction open on the
            // connection (it goes back to the pool).
            let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
            return Err(error.into());
        }
    }
    Ok(())
}
