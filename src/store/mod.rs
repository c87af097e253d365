//! Persistence behind one trait, so that SQLite (the default) and PostgreSQL
//! implementations serve the same callers. Each implementation owns its SQL
//! and its migrations; callers see only records and outcomes.
//!
//! Writes that must not half-happen (an incident with its obligations and its
//! idempotency record; an event with the recomputed obligations) are single
//! methods, each one transaction.

pub mod sqlite;

use crate::domain::ObligationStatus;
use crate::rules::taxonomy::Classification;
use crate::rules::SourcePlan;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A concurrent writer changed the record first; re-read and retry.
    #[error("the record was changed concurrently")]
    Conflict,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("database not ready: {0}")]
    NotReady(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub contractor: Option<String>,
    pub own_systems: bool,
    pub data_elements: Vec<String>,
    pub classification: Classification,
    pub affected_students: Option<u64>,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObligationRecord {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub kind: String,
    pub title: String,
    pub party: String,
    pub recipient: String,
    pub clock: String,
    pub clock_started_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourcePlan>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completion_note: Option<String>,
    pub completed_by: Option<String>,
    pub waived_at: Option<DateTime<Utc>>,
    pub waive_reason: Option<String>,
    pub waived_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl ObligationRecord {
    pub fn status(&self, now: DateTime<Utc>) -> ObligationStatus {
        ObligationStatus::at(
            now,
            self.due_at,
            self.completed_at,
            self.waived_at.is_some(),
        )
    }
}

/// An answer kept for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub caller: String,
    pub key: String,
    pub response: StoredResponse,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The idempotency key was used before; here is the first answer.
    Replayed(StoredResponse),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentStatusFilter {
    /// Some obligation is not done, late or waived.
    Open,
    /// Some obligation is overdue.
    Overdue,
    /// Every obligation is done, late or waived.
    Closed,
}

#[derive(Debug, Clone)]
pub struct IncidentSummary {
    pub incident: IncidentRecord,
    pub unsettled: i64,
    pub next_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ObligationFilter {
    /// Empty: every status.
    pub statuses: Vec<ObligationStatus>,
    pub due_before: Option<DateTime<Utc>>,
    pub incident_id: Option<Uuid>,
    pub now: DateTime<Utc>,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct ObligationWithIncident {
    pub obligation: ObligationRecord,
    pub incident_title: String,
}

/// How an obligation is settled by an administrator.
#[derive(Debug, Clone)]
pub enum Settlement {
    Complete {
        at: DateTime<Utc>,
        note: Option<String>,
    },
    Waive {
        reason: String,
    },
}

#[derive(Debug)]
pub enum SettleOutcome {
    Settled(ObligationRecord),
    NotFound,
    /// Already completed or waived; the record as it stands.
    AlreadySettled(ObligationRecord),
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> StoreResult<()>;
    /// Ok when the database answers and every migration is applied.
    async fn ready(&self) -> StoreResult<()>;

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>>;
    /// Stores an incident, its obligations and (optionally) the answer for its
    /// idempotency key in one transaction. A key already used answers
    /// `Replayed` and stores nothing.
    async fn create_incident(
        &self,
        incident: &IncidentRecord,
        obligations: &[ObligationRecord],
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<CreateOutcome>;
    async fn incident(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>>;
    async fn list_incidents(
        &self,
        status: Option<IncidentStatusFilter>,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<IncidentSummary>>;
    /// Records an event and replaces the incident's derived obligations,
    /// keeping ids, completions and waivers. Fails with `Conflict` when the
    /// incident's version is no longer `expected_version`.
    async fn record_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        obligations: &[ObligationRecord],
    ) -> StoreResult<()>;

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>>;
    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>>;
    /// Soonest due first; pending (no due time) last.
    async fn list_obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>>;
    async fn settle_obligation(
        &self,
        id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SettleOutcome>;
}

/// Opens the store named by a database URL.
pub async fn connect(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::connect(url).await?,
        ))
    } else {
        Err(StoreError::NotReady(format!(
            "database URL scheme not supported by this build: {}",
            url.split(':').next().unwrap_or_default()
        )))
    }
}
