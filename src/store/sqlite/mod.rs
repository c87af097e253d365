//! The SQLite store: one file, WAL journal, foreign keys on, a busy timeout,
//! created (with its folder) when missing. Write transactions start with
//! `BEGIN IMMEDIATE` so that two writers queue on the busy timeout instead of
//! failing when a read lock cannot be upgraded, and the writers of this
//! process first take turns in memory (`take_turn`), so that they do not
//! meet in SQLite's busy handler at all.
//!
//! The statements both backends share come from `store::statements`, the
//! plain reads both run from `store::reads`, and the write transactions
//! both run from `store::writes`, begun here with `BEGIN IMMEDIATE`; the
//! files here hold SQLite's own statements, one per concept, and `impl
//! Store` hands each method to them.

mod emails;
mod jobs;
mod notices;
mod obligations;
mod roster;

use super::statements::{Placeholders, Statement};
use super::*;
use crate::audit::{AuditEntry, NewAudit};
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// A write transaction (begun with `SqliteStore::write`).
type Tx = Transaction<'static, Sqlite>;

/// This process's turn at SQLite's write lock, held until the write ends.
pub(super) type Turn = tokio::sync::OwnedMutexGuard<()>;

/// How long a writer waits for its turn, and then for SQLite's lock (the
/// busy timeout): a writer still waiting after that fails as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A shared statement as a SQLite query.
fn query<'q>(statement: &'q Statement<'_>) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    statement.query()
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Writers of this process waiting for SQLite's write lock (`write`),
    /// for a roster copy to let in between its pages (`roster`).
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// What audit appends are MACed and anchored with.
    seal: std::sync::Arc<crate::audit::Seal>,
    /// The writers of this process take turns here (`take_turn`).
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, true).await
    }

    /// `durable`: `synchronous = FULL`, so that a committed delivery record
    /// or audit entry survives a power cut (the fan-out's group commits
    /// keep the cost of the extra fsyncs small).
    pub async fn connect_with(url: &str, durable: bool) -> StoreResult<Self> {
        let synchronous = if durable {
            SqliteSynchronous::Full
        } else {
            SqliteSynchronous::Normal
        };
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Checkpoints run in the background (`spawn_checkpointer`).
            .pragma("wal_autocheckpoint", "0");
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|error| {
                    StoreError::NotReady(format!("cannot create {}: {error}", parent.display()))
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        spawn_checkpointer(pool.clone());
        Ok(Self {
            pool,
            waiting: Default::default(),
            seal: crate::audit::Seal::ephemeral(),
            turn: Default::default(),
        })
    }

    /// This store with the daemon's audit seal (an ephemeral one until then).
    pub fn sealed(self, seal: std::sync::Arc<crate::audit::Seal>) -> Self {
        Self { seal, ..self }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write(&self) -> StoreResult<(Tx, Option<Turn>)> {
        let turn = {
            let _waiting = roster::Waiting::enter(&self.waiting);
            self.take_turn().await?
        };
        Ok((self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn)))
    }

    /// Waits for this process's turn to write, in arrival order. SQLite
    /// lets one writer in at a time, and a connection that finds the lock
    /// taken sleeps in its busy handler (1, 2, 5, 10, … up to 100 ms
    /// between tries): writers of one process meeting there slept
    /// milliseconds for locks held a fraction of that (a reminder burst's
    /// group commits took 2.7 ms each, mostly such sleeps, for an fsync of
    /// 0.3 ms; `benches/reminders`). In turn, each takes the lock as soon
    /// as the one before lets go of it; the busy handler is left for other
    /// processes (the command line's).
    async fn take_turn(&self) -> StoreResult<Turn> {
        tokio::time::timeout(BUSY_TIMEOUT, std::sync::Arc::clone(&self.turn).lock_owned())
            .await
            .map_err(|_| {
                StoreError::NotReady(format!(
                    "the database was busy with other writers for {} s",
                    BUSY_TIMEOUT.as_secs()
                ))
            })
    }
}

/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the WAL (copies committed pages into the database file and
/// fsyncs) every `CHECKPOINT_EVERY`, instead of inside whichever commit
/// crosses SQLite's 1,000-page threshold: a commit then never waits for the
/// disk (the fan-out commits thousands of times a second), and the last
/// fsync is at most a second old in quiet times too. With `synchronous =
/// NORMAL` that second is what a power cut could lose (and the audit anchor,
/// written after each commit, could then name an entry the database lost);
/// a crash of the daemon loses nothing.
fn spawn_checkpointer(pool: SqlitePool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CHECKPOINT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                break;
            }
            // PASSIVE: copies what it can without waiting for readers or
            // the writer.
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "checkpointing the SQLite WAL failed"
                );
            }
        }
    });
}

// No steps of its own: `BEGIN IMMEDIATE` already makes writers take turns.
write_tx_impl!(
    SqliteStore,
    Sqlite,
    Placeholders::Anonymous,
    one_writer = true,
    {}
);

reader_impl!(SqliteStore, Sqlite);

store_impl!(SqliteStore, {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ready(&self) -> StoreResult<()> {
        crate::store::ready(
            self,
            &MIGRATOR,
            "SELECT version FROM _sqlx_migrations WHERE success = 1",
        )
        .await
    }

    async fn close(&self) {
        // The background checkpointer runs once a second: copy what the
        // last second wrote into the database file and empty the WAL.
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(
                error = format!("{error:#}"),
                "the final WAL checkpoint failed; the WAL is replayed at the next start"
            );
        }
        self.pool.close().await;
    }
});
