//! The PostgreSQL store, for districts (or regions) that run several
//! instances of breachd against one database.
//!
//! It runs the statements `store::statements` shares with SQLite, the
//! plain reads of `store::reads` and the write transactions of
//! `store::writes`, so that users see the same behaviour on either backend (tests/store_conformance.rs
//! runs one suite against both). Where the two databases differ, the
//! difference is handled here, in a file per concept:
//!
//! - Instants are `timestamptz` (microsecond precision); ids stay text, so
//!   that `breachd migrate-data` copies SQLite rows unchanged. Text columns
//!   use the "C" collation, so ordering and `>` follow byte order, as
//!   SQLite's BINARY collation does; NULL placement is spelled out where
//!   SQLite's (NULLs smallest) differs from PostgreSQL's (NULLs largest).
//! - SQLite serialises writers with `BEGIN IMMEDIATE`; PostgreSQL runs them
//!   concurrently under READ COMMITTED. Each conditional write re-checks its
//!   condition on the row it locks (version bumps, approvals, settlements);
//!   jobs are claimed with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//!   (in one instance or several) never get the same job; roster
//!   replacement and notice approval of one incident take a transaction
//!   advisory lock so that they cannot interleave.
//! - Planning a job sends `NOTIFY breachd_jobs` (delivered on commit), and
//!   `watch_jobs` LISTENs, so an instance whose scheduler sleeps wakes when
//!   another instance plans nearer work.

mod audit;
mod emails;
mod jobs;
mod notices;
mod obligations;
mod roster;

use super::statements::{Placeholders, Statement};
use super::*;
use crate::audit::{AuditEntry, NewAudit};
use crate::wake::Wake;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::query::Query;
use sqlx::{Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A transaction (READ COMMITTED, as every write here).
type Tx = Transaction<'static, Postgres>;

/// A shared statement as a PostgreSQL query.
fn query<'q>(statement: &'q Statement<'_>) -> Query<'q, Postgres, PgArguments> {
    statement.query()
}

/// The channel on which planned jobs are announced to every instance.
pub const JOBS_CHANNEL: &str = "breachd_jobs";

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// What audit appends are MACed and anchored with.
    seal: std::sync::Arc<crate::audit::Seal>,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::connect_with(url, 16).await
    }

    /// `max_connections` (`database.max_connections`, 16 by default) is
    /// enough for a batch of jobs, the API and the listener without
    /// exhausting a server that several instances share.
    pub async fn connect_with(url: &str, max_connections: u32) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("breachd");
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            seal: crate::audit::Seal::ephemeral(),
        })
    }

    /// This store with the daemon's audit seal (an ephemeral one until then).
    pub fn sealed(self, seal: std::sync::Arc<crate::audit::Seal>) -> Self {
        Self { seal, ..self }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction: READ COMMITTED, writers run concurrently; each
    /// conditional write re-checks its condition on the row it locks, and
    /// the writes that must take turns take advisory locks.
    /// No turn to take: PostgreSQL runs writers side by side.
    async fn write(&self) -> StoreResult<(Tx, Option<tokio::sync::OwnedMutexGuard<()>>)> {
        Ok((self.pool.begin().await?, None))
    }
}

write_tx_impl!(
    PgStore,
    Postgres,
    Placeholders::Numbered,
    one_writer = false,
    {
        async fn lock_notice(&mut self, incident: &str) -> StoreResult<()> {
            notices::lock_incident_notice(self, incident).await
        }

        async fn lock_audit_chain(&mut self) -> StoreResult<()> {
            audit::lock_chain(self).await
        }
    }
);

reader_impl!(PgStore, Postgres);

store_impl!(PgStore, {
    async fn migrate(&self) -> StoreResult<()> {
        // sqlx takes an advisory lock: instances starting together migrate once.
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ready(&self) -> StoreResult<()> {
        crate::store::ready(
            self,
            &MIGRATOR,
            "SELECT version FROM _sqlx_migrations WHERE success",
        )
        .await
    }

    fn watch_jobs(&self, wake: Wake, shutdown: CancellationToken) {
        tokio::spawn(jobs::listen(self.pool.clone(), wake, shutdown));
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn renew_leases(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<u64> {
        jobs::renew_leases(self, worker, now, lease_until).await
    }
});
