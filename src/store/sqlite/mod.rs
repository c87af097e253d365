//! The SQLite store: one file, WAL journal, foreign keys on, a busy timeout,
//! created (with its folder) when missing. Write transactions start with
//! `BEGIN IMMEDIATE` so that two writers queue on the busy timeout instead of
//! failing when a read lock cannot be upgraded.
//!
//! The statements both backends share come from `store::statements`; the
//! files here hold SQLite's own, one per concept, and `impl Store` hands
//! each method to them.

mod audit;
mod emails;
mod incidents;
mod jobs;
mod notices;
mod obligations;
mod roster;

use super::statements::Statement;
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

/// A shared statement as a SQLite query.
fn query<'q>(statement: &'q Statement<'_>) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    statement.query()
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
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
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// How often the WAL is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the WAL (copies committed pages into the database file and
/// fsyncs) every `CHECKPOINT_EVERY`, instead of inside whichever commit
/// crosses SQLite's 1,000-page threshold: a commit then never waits for the
/// disk (the fan-out commits thousands of times a second), and the last
/// fsync is at most a second old in quiet times too. With `synchronous =
/// NORMAL` that second is what a power cut could lose; a crash of the
/// daemon loses nothing.
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

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ready(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&self.pool)
                .await
                .map_err(|_| StoreError::NotReady("migrations have not been applied".into()))?;
        check_applied(&MIGRATOR, &applied)
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

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        incidents::idempotent_response(self, caller, key).await
    }

    async fn create_incident(
        &self,
        incident: &IncidentRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<CreateOutcome> {
        incidents::create(self, incident, obligations, jobs, idempotency).await
    }

    async fn incident(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
        incidents::incident(self, id).await
    }

    async fn list_incidents(
        &self,
        status: Option<IncidentStatusFilter>,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<IncidentSummary>> {
        incidents::list(self, status, now, limit, offset).await
    }

    async fn record_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        incidents::record_event(
            self,
            incident_id,
            expected_version,
            event,
            obligations,
            jobs,
        )
        .await
    }

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
        obligations::obligation(self, id).await
    }

    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        obligations::of_incident(self, incident_id).await
    }

    async fn list_obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>> {
        obligations::list(self, filter).await
    }

    async fn settle_obligation(
        &self,
        id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SettleOutcome> {
        obligations::settle(self, id, settlement, by, now).await
    }

    async fn unsettled_obligations(&self) -> StoreResult<Vec<ObligationRecord>> {
        obligations::unsettled(self).await
    }

    async fn enqueue(&self, jobs: &[NewJob]) -> StoreResult<u64> {
        jobs::enqueue(self, jobs).await
    }

    async fn claim_jobs_where(
        &self,
        kinds: JobKinds,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        jobs::claim(self, kinds, now, lease_until, worker, limit).await
    }

    async fn next_job_at_where(&self, kinds: JobKinds) -> StoreResult<Option<DateTime<Utc>>> {
        jobs::next_at(self, kinds).await
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        state: JobState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        jobs::finish(self, id, worker, state, error, now).await
    }

    async fn reschedule_job(
        &self,
        id: Uuid,
        worker: &str,
        due_at: DateTime<Utc>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        jobs::reschedule(self, id, worker, due_at, error, now).await
    }

    async fn renew_lease(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        jobs::renew_lease(self, id, worker, lease_until).await
    }

    async fn later_reminder_due(
        &self,
        obligation_id: Uuid,
        order: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        jobs::later_reminder_due(self, obligation_id, order, now).await
    }

    async fn cancel_obligation_jobs(
        &self,
        obligation_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        jobs::cancel_for_obligation(self, obligation_id, now).await
    }

    async fn incident_jobs(&self, incident_id: Uuid) -> StoreResult<Vec<Job>> {
        jobs::of_incident(self, incident_id).await
    }

    async fn ensure_emails(&self, emails: &[NewEmail], now: DateTime<Utc>) -> StoreResult<()> {
        emails::ensure(self, emails, now).await
    }

    async fn job_emails(&self, job_id: Uuid) -> StoreResult<Vec<EmailRecord>> {
        emails::of_job(self, job_id).await
    }

    async fn record_attempts(&self, attempts: &[Attempt]) -> StoreResult<()> {
        emails::record_attempts(self, attempts).await
    }

    async fn attempt_recorder(&self) -> StoreResult<Box<dyn AttemptRecorder>> {
        emails::recorder(self).await
    }

    async fn replace_roster(
        &self,
        record: &RosterImportRecord,
        source: &mut dyn RosterPages,
    ) -> StoreResult<bool> {
        roster::replace(self, record, source).await
    }

    async fn latest_roster_import(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Option<RosterImportRecord>> {
        roster::latest_import(self, incident_id).await
    }

    async fn unreachable_students(&self, incident_id: Uuid) -> StoreResult<Vec<(String, String)>> {
        roster::unreachable(self, incident_id).await
    }

    async fn ensure_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<()> {
        notices::ensure_draft(self, draft).await
    }

    async fn update_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<bool> {
        notices::update_draft(self, draft).await
    }

    async fn notice(&self, incident_id: Uuid) -> StoreResult<Option<NoticeRecord>> {
        notices::notice(self, incident_id).await
    }

    async fn approve_notice(
        &self,
        incident_id: Uuid,
        by: &str,
        now: DateTime<Utc>,
        chunk_size: u64,
        message_domain: &str,
    ) -> StoreResult<ApproveOutcome> {
        notices::approve(self, incident_id, by, now, chunk_size, message_domain).await
    }

    async fn family_deliveries_due(
        &self,
        incident_id: Uuid,
        chunk: i64,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FamilyDelivery>> {
        notices::deliveries_due(self, incident_id, chunk, now, after, limit).await
    }

    async fn family_unsettled(&self, incident_id: Uuid) -> StoreResult<bool> {
        notices::family_unsettled(self, incident_id).await
    }

    async fn family_chunk_pending(
        &self,
        incident_id: Uuid,
        chunk: i64,
    ) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        notices::chunk_pending(self, incident_id, chunk).await
    }

    async fn delivery_counts(&self, incident_id: Uuid) -> StoreResult<Vec<(EmailStatus, i64)>> {
        notices::delivery_counts(self, incident_id).await
    }

    async fn deliveries(
        &self,
        incident_id: Uuid,
        status: Option<EmailStatus>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EmailRecord>> {
        notices::deliveries(self, incident_id, status, after, limit).await
    }

    async fn mark_published(
        &self,
        incident_id: Uuid,
        public: &serde_json::Value,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        notices::mark_published(self, incident_id, public, url, at).await
    }

    async fn published_notices(&self) -> StoreResult<Vec<serde_json::Value>> {
        notices::published(self).await
    }

    async fn obligation_counts(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(ObligationStatus, i64)>> {
        obligations::counts(self, now).await
    }

    async fn queue_depth(&self, now: DateTime<Utc>) -> StoreResult<(i64, i64)> {
        jobs::queue_depth(self, now).await
    }

    async fn audit_entries(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        audit::after(self, after, limit).await
    }

    async fn incident_audit(&self, incident_id: Uuid) -> StoreResult<Vec<AuditEntry>> {
        audit::of_incident(self, incident_id).await
    }

    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<()> {
        audit::append_alone(self, entry).await
    }
}
