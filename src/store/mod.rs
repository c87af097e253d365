//! Persistence behind one trait, so that SQLite (the default) and PostgreSQL
//! implementations serve the same callers. Each implementation owns its SQL
//! and its migrations; callers see only records and outcomes.
//!
//! Writes that must not half-happen (an incident with its obligations and its
//! idempotency record; an event with the recomputed obligations) are single
//! methods, each one transaction.

pub mod migrate_data;
pub mod postgres;
pub mod sqlite;

use crate::domain::ObligationStatus;
use crate::rules::taxonomy::Classification;
use crate::rules::SourcePlan;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
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

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Scheduled,
    Done,
    /// Passed over: a later step was due at the same time.
    Skipped,
    /// No longer needed (the obligation was settled or re-planned).
    Cancelled,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Scheduled => "scheduled",
            JobState::Done => "done",
            JobState::Skipped => "skipped",
            JobState::Cancelled => "cancelled",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> StoreResult<Self> {
        [
            JobState::Scheduled,
            JobState::Done,
            JobState::Skipped,
            JobState::Cancelled,
            JobState::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("job state {text:?}")))
    }
}

/// Which jobs a claim (or the next-due question) is about. Family-notice
/// chunks are claimed by the fan-out runner, everything else by the
/// scheduler's batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKinds {
    All,
    FanOut,
    NotFanOut,
}

impl JobKinds {
    /// The condition on `jobs.kind`, as SQL both backends read.
    pub fn sql(self) -> &'static str {
        match self {
            JobKinds::All => "",
            JobKinds::FanOut => " AND kind = 'family_notice'",
            JobKinds::NotFanOut => " AND kind <> 'family_notice'",
        }
    }
}

/// A job to plan. Planning a job whose key exists already is a no-op.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub state: JobState,
    pub incident_id: Option<Uuid>,
    pub obligation_id: Option<Uuid>,
    pub obligation_due: Option<DateTime<Utc>>,
    pub step_order: Option<i64>,
    pub late: bool,
}

impl NewJob {
    /// The job as it will stand once stored (for answers given before a read).
    pub fn as_planned(&self, now: DateTime<Utc>) -> Job {
        Job {
            id: self.id,
            kind: self.kind.clone(),
            key: self.key.clone(),
            payload: self.payload.clone(),
            due_at: self.due_at,
            state: self.state,
            attempts: 0,
            locked_until: None,
            locked_by: None,
            last_error: None,
            incident_id: self.incident_id,
            obligation_id: self.obligation_id,
            obligation_due: self.obligation_due,
            step_order: self.step_order,
            late: self.late,
            created_at: now,
            updated_at: now,
            finished_at: (self.state != JobState::Scheduled).then_some(now),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub key: String,
    pub payload: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub state: JobState,
    pub attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub incident_id: Option<Uuid>,
    pub obligation_id: Option<Uuid>,
    pub obligation_due: Option<DateTime<Utc>>,
    pub step_order: Option<i64>,
    pub late: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    Queued,
    Sent,
    /// A temporary failure; retried at `next_attempt_at`.
    Deferred,
    /// A permanent failure, or temporary ones past the retry limit.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sent => "sent",
            EmailStatus::Deferred => "deferred",
            EmailStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> StoreResult<Self> {
        [
            EmailStatus::Queued,
            EmailStatus::Sent,
            EmailStatus::Deferred,
            EmailStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("email status {text:?}")))
    }

    pub fn is_final(self) -> bool {
        matches!(self, EmailStatus::Sent | EmailStatus::Failed)
    }
}

/// A message to one recipient, planned before it is sent.
#[derive(Debug, Clone)]
pub struct NewEmail {
    pub id: Uuid,
    pub job_id: Option<Uuid>,
    pub kind: String,
    pub incident_id: Option<Uuid>,
    pub recipient: String,
    pub message_id: String,
}

#[derive(Debug, Clone)]
pub struct EmailRecord {
    pub id: Uuid,
    pub job_id: Option<Uuid>,
    pub kind: String,
    pub incident_id: Option<Uuid>,
    pub recipient: String,
    pub message_id: String,
    pub status: EmailStatus,
    pub attempts: i64,
    pub last_reply: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A roster import's counts, kept with the incident.
#[derive(Debug, Clone, Serialize)]
pub struct RosterImportRecord {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub format: String,
    pub students: u64,
    pub recipients: u64,
    pub unreachable: u64,
    pub rejected_rows: u64,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// A guardian address to notify, with the children it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRecipient {
    pub email: String,
    pub name: String,
    pub language: Option<String>,
    pub children: Vec<NoticeChild>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeChild {
    pub student_id: String,
    pub name: String,
}

/// Where roster rows come from, page by page (the staged import).
#[async_trait]
pub trait RosterPages: Send {
    /// The next page of recipients; empty when done.
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>>;
    /// The next page of (student id, name) with no reachable guardian.
    async fn next_unreachable(&mut self) -> anyhow::Result<Vec<(String, String)>>;
}

/// The notice to families of one incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoticeRecord {
    pub incident_id: Uuid,
    pub what_happened: String,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    pub drafted_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub recipients: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_url: Option<String>,
}

/// What approving planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproveOutcome {
    pub recipients: u64,
    pub chunks: u64,
    /// It had been approved before; nothing new was planned.
    pub already: bool,
}

/// A planned family notice with what its message needs.
#[derive(Debug, Clone)]
pub struct FamilyDelivery {
    pub email: EmailRecord,
    pub recipient: NoticeRecipient,
}

/// A page of `family_deliveries_due` as both stores return it: one JSON
/// array built by the database, in address order. The SQLite driver hands
/// rows from its thread to the caller one at a time, which cost more than
/// the query itself for a page of hundreds; one row carries the page.
#[derive(Debug, Deserialize)]
pub(crate) struct DuePageRow {
    id: Uuid,
    job_id: Option<Uuid>,
    kind: String,
    incident_id: Option<Uuid>,
    recipient: String,
    message_id: String,
    status: String,
    attempts: i64,
    last_reply: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    r_email: String,
    r_name: String,
    r_language: Option<String>,
    r_children: Vec<NoticeChild>,
}

/// The deliveries of a page (see `DuePageRow`).
pub(crate) fn due_page(json: &str) -> StoreResult<Vec<FamilyDelivery>> {
    let rows: Vec<DuePageRow> = serde_json::from_str(json)
        .map_err(|error| StoreError::Corrupt(format!("a page of due deliveries: {error}")))?;
    rows.into_iter()
        .map(|row| {
            Ok(FamilyDelivery {
                email: EmailRecord {
                    id: row.id,
                    job_id: row.job_id,
                    kind: row.kind,
                    incident_id: row.incident_id,
                    recipient: row.recipient,
                    message_id: row.message_id,
                    status: EmailStatus::parse(&row.status)?,
                    attempts: row.attempts,
                    last_reply: row.last_reply,
                    next_attempt_at: row.next_attempt_at,
                    sent_at: row.sent_at,
                },
                recipient: NoticeRecipient {
                    email: row.r_email,
                    name: row.r_name,
                    language: row.r_language,
                    children: row.r_children,
                },
            })
        })
        .collect()
}

/// The outcome of one send attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub email_id: Uuid,
    pub at: DateTime<Utc>,
    pub outcome: EmailStatus,
    pub reply: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub worker: String,
}

/// Records attempts on a connection held for the purpose (see
/// `Store::attempt_recorder`).
#[async_trait]
pub trait AttemptRecorder: Send {
    async fn record(&mut self, attempts: &[Attempt]) -> StoreResult<()>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> StoreResult<()>;
    /// Ok when the database answers and every migration is applied.
    async fn ready(&self) -> StoreResult<()>;
    /// Wakes `wake` whenever another connection (another instance) plans a
    /// job, until `shutdown`. A single-instance store has nothing to watch.
    fn watch_jobs(&self, _wake: crate::wake::Wake, _shutdown: CancellationToken) {}
    /// Leaves the database tidy at the end of a graceful shutdown and closes
    /// the connections; nothing may use the store afterwards.
    async fn close(&self) {}

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
        jobs: &[NewJob],
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
    /// keeping ids, completions and waivers; plans `jobs` and cancels the
    /// scheduled reminders of obligations that are settled or whose due time
    /// changed. Fails with `Conflict` when the incident's version is no
    /// longer `expected_version`.
    async fn record_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()>;

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>>;
    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>>;
    /// Soonest due first; pending (no due time) last.
    async fn list_obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>>;
    /// Completes or waives an obligation and cancels its scheduled jobs.
    async fn settle_obligation(
        &self,
        id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SettleOutcome>;
    /// Obligations whose clock runs and that are not settled.
    async fn unsettled_obligations(&self) -> StoreResult<Vec<ObligationRecord>>;

    // ---- the job queue ----
    /// Plans jobs; a key that exists already is left alone. Returns how many
    /// were new.
    async fn enqueue(&self, jobs: &[NewJob]) -> StoreResult<u64>;
    /// Atomically leases up to `limit` scheduled jobs of `kinds` due at
    /// `now` (or whose lease expired) to `worker` until `lease_until`.
    async fn claim_jobs_where(
        &self,
        kinds: JobKinds,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
    ) -> StoreResult<Vec<Job>>;
    /// `claim_jobs_where` for jobs of every kind.
    async fn claim_jobs(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        self.claim_jobs_where(JobKinds::All, now, lease_until, worker, limit)
            .await
    }
    /// When the next scheduled job of `kinds` becomes claimable.
    async fn next_job_at_where(&self, kinds: JobKinds) -> StoreResult<Option<DateTime<Utc>>>;
    /// When the next scheduled job of any kind becomes claimable.
    async fn next_job_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        self.next_job_at_where(JobKinds::All).await
    }
    /// Ends a job the worker holds; false when it no longer holds it.
    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        state: JobState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Releases a job the worker holds to run again at `due_at`.
    async fn reschedule_job(
        &self,
        id: Uuid,
        worker: &str,
        due_at: DateTime<Utc>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Extends, to `lease_until`, every lease `worker` still holds at `now`
    /// (the scheduler calls it while a batch runs, so that a long job is not
    /// taken over by another instance). Returns how many were extended. A
    /// single-instance store has no one to take jobs over.
    async fn renew_leases(
        &self,
        _worker: &str,
        _now: DateTime<Utc>,
        _lease_until: DateTime<Utc>,
    ) -> StoreResult<u64> {
        Ok(0)
    }
    /// Extends the lease of a job the worker holds.
    async fn renew_lease(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Whether a later reminder step of the obligation is also due by `now`.
    async fn later_reminder_due(
        &self,
        obligation_id: Uuid,
        order: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Cancels every scheduled job of an obligation.
    async fn cancel_obligation_jobs(
        &self,
        obligation_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    async fn incident_jobs(&self, incident_id: Uuid) -> StoreResult<Vec<Job>>;

    // ---- email ----
    /// Plans messages; one that exists (same job and recipient) is kept.
    async fn ensure_emails(&self, emails: &[NewEmail], now: DateTime<Utc>) -> StoreResult<()>;
    async fn job_emails(&self, job_id: Uuid) -> StoreResult<Vec<EmailRecord>>;
    /// Records attempts and the messages' new status, in one transaction
    /// of a few round trips whatever their number (the fan-out's group
    /// commit).
    async fn record_attempts(&self, attempts: &[Attempt]) -> StoreResult<()>;
    /// A connection of its own for a stream of `record_attempts` (the
    /// fan-out's recorder). SQLite resets a connection's page cache whenever
    /// another connection wrote, so a pool handing out any connection makes
    /// every group commit read its pages again; one connection that is the
    /// only writer keeps them.
    async fn attempt_recorder(&self) -> StoreResult<Box<dyn AttemptRecorder>>;

    // ---- the notice to families ----
    /// Replaces the incident's roster (recipients and unreachable students)
    /// with the pages of `source`, in one transaction. Refused (false) once
    /// the notice has been approved.
    async fn replace_roster(
        &self,
        record: &RosterImportRecord,
        source: &mut dyn RosterPages,
    ) -> StoreResult<bool>;
    async fn latest_roster_import(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Option<RosterImportRecord>>;
    async fn unreachable_students(&self, incident_id: Uuid) -> StoreResult<Vec<(String, String)>>;
    /// Stores a draft unless the incident has one.
    async fn ensure_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<()>;
    /// Replaces the draft's wording (inserting it if missing); false once approved.
    async fn update_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<bool>;
    async fn notice(&self, incident_id: Uuid) -> StoreResult<Option<NoticeRecord>>;
    /// Approves the notice and plans, in one transaction, one message per
    /// recipient (kind family-notice, in chunks of `chunk_size`), a job per
    /// chunk and the publication job. A second approval plans nothing.
    async fn approve_notice(
        &self,
        incident_id: Uuid,
        by: &str,
        now: DateTime<Utc>,
        chunk_size: u64,
        message_domain: &str,
    ) -> StoreResult<ApproveOutcome>;
    /// Up to `limit` messages of a chunk that are due to be sent at `now`,
    /// by recipient address, after the address `after` (a page's last).
    async fn family_deliveries_due(
        &self,
        incident_id: Uuid,
        chunk: i64,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FamilyDelivery>>;
    /// Whether any family notice of the incident is still queued or
    /// deferred (an index lookup, not a count).
    async fn family_unsettled(&self, incident_id: Uuid) -> StoreResult<bool>;
    /// The next retry time of a chunk's deferred messages, and how many are not final.
    async fn family_chunk_pending(
        &self,
        incident_id: Uuid,
        chunk: i64,
    ) -> StoreResult<(i64, Option<DateTime<Utc>>)>;
    /// (status, count) of every family notice of the incident.
    async fn delivery_counts(&self, incident_id: Uuid) -> StoreResult<Vec<(EmailStatus, i64)>>;
    /// Family-notice deliveries, by recipient address, after `after`.
    async fn deliveries(
        &self,
        incident_id: Uuid,
        status: Option<EmailStatus>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EmailRecord>>;
    /// Marks the notice published with its public (personal-data-free) copy.
    async fn mark_published(
        &self,
        incident_id: Uuid,
        public: &serde_json::Value,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Every published notice's public copy, newest first.
    async fn published_notices(&self) -> StoreResult<Vec<serde_json::Value>>;

    /// (status, count) of every obligation at `now`.
    async fn obligation_counts(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(ObligationStatus, i64)>>;
    /// Scheduled jobs: (due by `now`, all).
    async fn queue_depth(&self, now: DateTime<Utc>) -> StoreResult<(i64, i64)>;

    // ---- the audit log ----
    /// Entries with `seq > after`, in order, at most `limit`.
    async fn audit_entries(
        &self,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::audit::AuditEntry>>;
    /// Every entry about one incident, in order.
    async fn incident_audit(&self, incident_id: Uuid)
        -> StoreResult<Vec<crate::audit::AuditEntry>>;
    /// Appends one entry on its own (for changes made outside the store's
    /// other writes, such as a roster rejected whole).
    async fn append_audit(&self, entry: &crate::audit::NewAudit) -> StoreResult<()>;
}

/// The id of the `row`-th (from 1) family notice planned at `approved_ms`
/// (milliseconds since the epoch), as both stores compute it in SQL: the
/// UUIDv7 layout (48-bit time, version 7, variant 10) with the row number in
/// the bits after the time and 36 random bits last. Ids sort in sending
/// order, so index insertions keyed by them append; the random tail keeps
/// two approvals in the same millisecond apart.
pub fn ordered_email_id(approved_ms: i64, row: i64, random: u64) -> String {
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:03x}{:09x}",
        (approved_ms >> 16) & 0xffff_ffff,
        approved_ms & 0xffff,
        (row >> 26) & 0xfff,
        0x8000 | ((row >> 12) & 0x3fff),
        row & 0xfff,
        random & 0xf_ffff_ffff,
    )
}

/// Opens the store named by a database URL.
pub async fn connect(url: &str) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::connect(url).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        Err(StoreError::NotReady(format!(
            "database URL scheme not supported by this build: {}",
            url.split(':').next().unwrap_or_default()
        )))
    }
}

/// The audit entries the stores append, built once for both backends so
/// that an entry means the same on either. Ids and counts only.
pub mod audit_entries {
    use super::*;
    use crate::audit::NewAudit;
    use serde_json::json;

    fn obligations_summary(obligations: &[ObligationRecord]) -> serde_json::Value {
        json!(obligations
            .iter()
            .map(|o| json!({"id": o.id, "kind": o.kind, "due_at": o.due_at}))
            .collect::<Vec<_>>())
    }

    pub fn incident_filed(incident: &IncidentRecord, obligations: &[ObligationRecord]) -> NewAudit {
        let details = json!({
            "classes": incident.classification.classes,
            "needs_review": incident.classification.needs_review.len(),
            "events": incident.events.iter().map(|e| (e.kind.clone(), e.at)).collect::<std::collections::BTreeMap<_, _>>(),
            "obligations": obligations_summary(obligations),
        });
        NewAudit::new(
            incident.created_at,
            &incident.filed_by,
            "incident_filed",
            Some(incident.id),
            Some(incident.id.to_string()),
            details,
        )
    }

    pub fn event_recorded(
        incident_id: Uuid,
        event: &EventRecord,
        obligations: &[ObligationRecord],
    ) -> NewAudit {
        let details = json!({"event": event.kind, "at": event.at, "obligations": obligations_summary(obligations)});
        NewAudit::new(
            event.recorded_at,
            &event.recorded_by,
            "event_recorded",
            Some(incident_id),
            Some(event.kind.clone()),
            details,
        )
    }

    pub fn obligation_settled(
        incident_id: Option<Uuid>,
        obligation_id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> NewAudit {
        let (action, details) = match settlement {
            Settlement::Complete { at, note } => (
                "obligation_completed",
                json!({"at": at, "note": note.is_some()}),
            ),
            Settlement::Waive { .. } => ("obligation_waived", json!({"reason_given": true})),
        };
        NewAudit::new(
            now,
            by,
            action,
            incident_id,
            Some(obligation_id.to_string()),
            details,
        )
    }

    pub fn roster_imported(record: &RosterImportRecord) -> NewAudit {
        let details = json!({
            "format": record.format, "students": record.students, "recipients": record.recipients,
            "students_without_reachable_guardian": record.unreachable, "rejected_rows": record.rejected_rows,
        });
        NewAudit::new(
            record.imported_at,
            &record.imported_by,
            "roster_imported",
            Some(record.incident_id),
            Some(record.id.to_string()),
            details,
        )
    }

    pub fn notice_approved(
        incident_id: Uuid,
        by: &str,
        now: DateTime<Utc>,
        recipients: u64,
        chunks: u64,
    ) -> NewAudit {
        NewAudit::new(
            now,
            by,
            "notice_approved",
            Some(incident_id),
            Some(incident_id.to_string()),
            json!({"recipients": recipients, "chunks": chunks}),
        )
    }

    /// Work a job did (a reminder or digest sent, a chunk of notices sent, a
    /// notice published); skips and cancellations are not audited.
    pub fn job_done(
        job_id: Uuid,
        kind: &str,
        key: &str,
        incident_id: Option<Uuid>,
        worker: &str,
        emails: Vec<(String, i64)>,
        now: DateTime<Utc>,
    ) -> NewAudit {
        let details = json!({"job": key, "emails": emails.into_iter().collect::<std::collections::BTreeMap<_, _>>()});
        NewAudit::new(
            now,
            &format!("breachd:{worker}"),
            &format!("{kind}_done"),
            incident_id,
            Some(job_id.to_string()),
            details,
        )
    }

    pub fn notice_published(incident_id: Uuid, url: &str, at: DateTime<Utc>) -> NewAudit {
        NewAudit::new(
            at,
            "breachd",
            "notice_published",
            Some(incident_id),
            Some(url.to_owned()),
            json!({"url": url}),
        )
    }
}
