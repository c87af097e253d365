//! A write transaction of either backend, as the bodies in `store::writes`
//! see it. The shared statements run on it alike; the few steps each
//! backend writes its own way (its job insert and NOTIFY, its advisory
//! locks, the statements with arrays or JSON functions) are methods each
//! backend implements. The transaction bodies are then written once,
//! generic over the backend, and a backend only says how its write
//! transactions begin (`Writer`) and what its own steps run.

use super::rows::{Columns, Value};
use super::statements::{Placeholders, Statement};
use super::{NewJob, ObligationRecord, Store, StoreResult};
use crate::audit::{Anchor, Seal};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;
use std::sync::Arc;
use uuid::Uuid;

/// A row read by position as well as by name: some shared statements'
/// columns (`COUNT(*)`) have no name both databases give alike.
pub(crate) trait Cells: Columns + Send + Sync {
    fn read_at<T: Value>(&self, index: usize) -> StoreResult<T>;
}

impl Cells for SqliteRow {
    fn read_at<T: Value>(&self, index: usize) -> StoreResult<T> {
        Ok(self.try_get(index)?)
    }
}

impl Cells for PgRow {
    fn read_at<T: Value>(&self, index: usize) -> StoreResult<T> {
        Ok(self.try_get(index)?)
    }
}

/// A backend's write transaction. Dropped without `commit`, it rolls back.
/// Every method is also forwarded by `Sealed`, the wrapper stores hand out:
/// a method added here with a default body must be forwarded there too, or
/// sealed transactions would silently run the default.
#[async_trait]
pub(crate) trait WriteTx: Send + Sized {
    type Row: Cells;
    /// How the backend spells a multi-row insert's placeholders.
    const PLACEHOLDERS: Placeholders;

    /// Runs a statement; how many rows it changed.
    async fn execute(&mut self, statement: &Statement<'_>) -> StoreResult<u64>;
    async fn fetch_optional(&mut self, statement: &Statement<'_>)
        -> StoreResult<Option<Self::Row>>;
    async fn fetch_all(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<Self::Row>>;
    async fn commit(self) -> StoreResult<()>;

    /// Makes the roster and approval writes of one incident take turns.
    /// SQLite's writer lock (`BEGIN IMMEDIATE`) does that already.
    async fn lock_notice(&mut self, _incident: &str) -> StoreResult<()> {
        Ok(())
    }
    /// Makes audit appenders take turns, before one reads the chain's head,
    /// so that the chain stays linear. SQLite's writer lock does already.
    async fn lock_audit_chain(&mut self) -> StoreResult<()> {
        Ok(())
    }
    /// The key and anchor audit appends are sealed with; None for a bare
    /// backend transaction (only `Sealed` carries one).
    fn seal(&self) -> Option<&Arc<Seal>> {
        None
    }
    /// Records that this transaction appended `head`, to anchor at commit.
    fn appended(&mut self, _head: Anchor) {}
    /// Plans jobs (a key that exists is left alone); how many were new.
    /// Where other instances listen, they learn of them on commit.
    async fn insert_jobs(&mut self, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64>;
    /// Cancels the scheduled jobs of the incident's obligations that are
    /// settled or whose due time is no longer the one they were planned for.
    async fn cancel_stale_jobs(&mut self, incident_id: Uuid, now: DateTime<Utc>)
        -> StoreResult<()>;
    /// Deletes the incident's obligations of kinds not in `obligations`,
    /// unless someone acted on them.
    async fn delete_dropped_obligations(
        &mut self,
        incident_id: Uuid,
        obligations: &[ObligationRecord],
    ) -> StoreResult<()>;
    /// Plans one family notice per recipient of the approved incident, in
    /// chunks of `chunk_size`; how many were planned.
    async fn plan_family_notices(
        &mut self,
        incident: &str,
        message_domain: &str,
        now: DateTime<Utc>,
        chunk_size: i64,
    ) -> StoreResult<u64>;
}

/// A backend's transaction with the store's audit seal: appends in it are
/// MACed with the key, and once it has committed the head it appended is
/// anchored outside the database.
pub(crate) struct Sealed<T> {
    tx: T,
    seal: Arc<Seal>,
    head: Option<Anchor>,
    /// The backend's turn at writing (SQLite's writers of one process take
    /// turns), let go once the transaction ends, its anchor written.
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<T> Sealed<T> {
    pub(crate) fn new(
        (tx, turn): (T, Option<tokio::sync::OwnedMutexGuard<()>>),
        seal: Arc<Seal>,
    ) -> Self {
        Self {
            tx,
            seal,
            head: None,
            _turn: turn,
        }
    }
}

#[async_trait]
impl<T: WriteTx> WriteTx for Sealed<T> {
    type Row = T::Row;
    const PLACEHOLDERS: Placeholders = T::PLACEHOLDERS;

    async fn execute(&mut self, statement: &Statement<'_>) -> StoreResult<u64> {
        self.tx.execute(statement).await
    }
    async fn fetch_optional(
        &mut self,
        statement: &Statement<'_>,
    ) -> StoreResult<Option<Self::Row>> {
        self.tx.fetch_optional(statement).await
    }
    async fn fetch_all(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<Self::Row>> {
        self.tx.fetch_all(statement).await
    }
    /// The anchor is written only after the commit returned, so it never
    /// names an entry that a crash could still take back.
    async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        if let Some(head) = self.head {
            self.seal.advance(head).await;
        }
        Ok(())
    }
    async fn lock_notice(&mut self, incident: &str) -> StoreResult<()> {
        self.tx.lock_notice(incident).await
    }
    async fn lock_audit_chain(&mut self) -> StoreResult<()> {
        self.tx.lock_audit_chain().await
    }
    fn seal(&self) -> Option<&Arc<Seal>> {
        Some(&self.seal)
    }
    fn appended(&mut self, head: Anchor) {
        self.head = Some(head);
    }
    async fn insert_jobs(&mut self, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64> {
        self.tx.insert_jobs(jobs, now).await
    }
    async fn cancel_stale_jobs(
        &mut self,
        incident_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.tx.cancel_stale_jobs(incident_id, now).await
    }
    async fn delete_dropped_obligations(
        &mut self,
        incident_id: Uuid,
        obligations: &[ObligationRecord],
    ) -> StoreResult<()> {
        self.tx
            .delete_dropped_obligations(incident_id, obligations)
            .await
    }
    async fn plan_family_notices(
        &mut self,
        incident: &str,
        message_domain: &str,
        now: DateTime<Utc>,
        chunk_size: i64,
    ) -> StoreResult<u64> {
        self.tx
            .plan_family_notices(incident, message_domain, now, chunk_size)
            .await
    }
}

/// A store that begins write transactions, each backend its own way.
#[async_trait]
pub(crate) trait Writer: Store {
    type Tx: WriteTx;
    /// Whether the backend lets one writer in at a time (SQLite): writes
    /// that would otherwise commit one by one then share a transaction.
    const ONE_WRITER: bool;
    async fn begin_write(&self) -> StoreResult<Self::Tx>;
    /// Copies the staged roster in the SQLite file `file` (see
    /// `RosterPages::sqlite_file`) under `version`, each page in a short
    /// write transaction of its own, without the rows passing through Rust;
    /// false when the backend cannot read such a file (the pages are copied
    /// instead).
    async fn copy_staged_roster(
        &self,
        file: &std::path::Path,
        incident: &str,
        version: &str,
    ) -> StoreResult<bool>;
}

/// `Writer` for a backend's store (through its own `write()`) and
/// `WriteTx` for its `sqlx::Transaction`: the statement methods, alike for
/// both, and the backend's own steps, which the macro names so that each
/// backend resolves them in its own folder (`jobs::insert`, …); then
/// whatever else the backend writes itself (its locks).
macro_rules! write_tx_impl {
    ($store:ty, $db:ty, $placeholders:expr, one_writer = $one_writer:expr, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::tx::Writer for $store {
            type Tx = $crate::store::tx::Sealed<sqlx::Transaction<'static, $db>>;
            const ONE_WRITER: bool = $one_writer;

            async fn begin_write(&self) -> StoreResult<Self::Tx> {
                Ok($crate::store::tx::Sealed::new(
                    self.write().await?,
                    std::sync::Arc::clone(&self.seal),
                ))
            }

            async fn copy_staged_roster(
                &self,
                file: &std::path::Path,
                incident: &str,
                version: &str,
            ) -> StoreResult<bool> {
                roster::copy_staged(self, file, incident, version).await
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::tx::WriteTx for sqlx::Transaction<'static, $db> {
            type Row = <$db as sqlx::Database>::Row;
            const PLACEHOLDERS: $crate::store::statements::Placeholders = $placeholders;

            async fn execute(&mut self, statement: &Statement<'_>) -> StoreResult<u64> {
                let done = statement.query::<$db>().execute(&mut **self).await?;
                Ok(done.rows_affected())
            }

            async fn fetch_optional(
                &mut self,
                statement: &Statement<'_>,
            ) -> StoreResult<Option<Self::Row>> {
                Ok(statement.query::<$db>().fetch_optional(&mut **self).await?)
            }

            async fn fetch_all(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<Self::Row>> {
                Ok(statement.query::<$db>().fetch_all(&mut **self).await?)
            }

            async fn commit(self) -> StoreResult<()> {
                Ok(sqlx::Transaction::commit(self).await?)
            }

            async fn insert_jobs(
                &mut self,
                new: &[NewJob],
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                jobs::insert(self, new, now).await
            }

            async fn cancel_stale_jobs(
                &mut self,
                incident_id: Uuid,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                jobs::cancel_stale(self, incident_id, now).await
            }

            async fn delete_dropped_obligations(
                &mut self,
                incident_id: Uuid,
                kept: &[ObligationRecord],
            ) -> StoreResult<()> {
                obligations::delete_dropped(self, incident_id, kept).await
            }

            async fn plan_family_notices(
                &mut self,
                incident: &str,
                message_domain: &str,
                now: DateTime<Utc>,
                chunk_size: i64,
            ) -> StoreResult<u64> {
                notices::plan_family(self, incident, message_domain, now, chunk_size).await
            }

            $($own)*
        }
    };
}
