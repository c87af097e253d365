//! Persistence behind one trait, so that SQLite (the default) and PostgreSQL
//! implementations serve the same callers. Each implementation owns its
//! migrations and the SQL where the two databases really differ; callers
//! see only records and outcomes.
//!
//! Writes that must not half-happen (an incident with its obligations and its
//! idempotency record; an event with the recomputed obligations) are single
//! methods, each one transaction.
//!
//! How the pieces depend on each other, one way: `records` and `jobs` are
//! plain data; `rows` reads them out of either backend's rows and
//! `statements` holds the SQL both backends run alike, with its parameters;
//! `tx` is a write transaction of either backend, and `writes` the
//! transaction bodies both run, written once over it; `read` is either
//! backend's pool, and `reads` the plain reads both run, written once over
//! it; `sqlite` and `postgres` begin those transactions their own way and
//! run the shared statements and their own.
//!
//! SQL is built at run time with `sqlx::query`, not checked at build time
//! with the `query!` macros: those need a live database (or an offline
//! cache kept in step) for each of the two backends at every build. What
//! checks the SQL instead is the conformance suite
//! (tests/store_conformance.rs), which runs every behaviour against both.

mod access;
pub mod audit_entries;
mod bounce_records;
mod jobs;
pub mod migrate_data;
// The forwarding half of each backend's `impl Store`, declared before the
// backends so that their modules see the macro.
#[macro_use]
mod forward;
// Likewise `impl WriteTx` for each backend's transaction, and `impl
// Reader` for each backend's store.
#[macro_use]
mod tx;
#[macro_use]
mod read;
mod consent_records;
mod contract_records;
mod document_records;
pub mod postgres;
mod reads;
mod records;
mod request_records;
mod rows;
mod site_records;
pub mod sqlite;
mod statements;
mod vendor_records;
mod writes;

pub use access::{SessionRecord, SignInAttempt, TokenCreated, TokenRecord};
pub use bounce_records::{BounceRecord, NewBounce};
pub use consent_records::{
    standing, AnswerOutcome, CampaignStanding, ConsentAnswerRecord, ConsentCampaignRecord,
    ConsentGuardianRecord, ConsentStudent, StudentStanding,
};
pub use contract_records::{
    Amendment, Contract, ContractGuardian, ContractRecord, ContractRosterRecord,
};
pub use document_records::{Document, DocumentOwner};
pub use jobs::{FoldedReminder, Job, JobEnd, JobKind, JobKinds, JobState, NewJob, LATE_AFTER};
pub use records::{
    ApproveOutcome, Attempt, CreateOutcome, EmailRecord, EmailStatus, EventRecord, FamilyDelivery,
    IdempotencyRecord, IncidentRecord, IncidentStatusFilter, IncidentSummary, NewEmail,
    NoticeChild, NoticeRecipient, NoticeRecord, NoticeWording, ObligationFilter, ObligationRecord,
    ObligationWithIncident, RosterImportRecord, SettleOutcome, Settlement, StoredResponse,
    EVENT_COMPLETION_NOTE,
};
pub use request_records::PrivacyRequestRecord;
pub use site_records::{DeliveryAttemptRecord, SiteFileRecord, WebsiteCheckRecord};
pub use vendor_records::{Agreement, BreachNotice, Vendor, VendorRecord};

use crate::domain::incident::ReportedFacts;
use crate::domain::ObligationStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
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

/// Where roster rows come from, page by page (the staged import).
#[async_trait]
pub trait RosterPages: Send {
    /// The next page of recipients; empty when done.
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>>;
    /// The next page of (student id, name) with no reachable guardian.
    async fn next_unreachable(&mut self) -> anyhow::Result<Vec<(String, String)>>;
    /// The next page of (student id, mailing address); empty when done (a
    /// roster without addresses has none).
    async fn next_addresses(
        &mut self,
    ) -> anyhow::Result<Vec<(String, crate::domain::coverage::MailingAddress)>> {
        Ok(Vec::new())
    }
    /// The same rows as a SQLite database file, when the source is one: the
    /// SQLite store then copies them inside SQLite (`ATTACH`, one
    /// `INSERT … SELECT` a page), with no row passing through Rust, and
    /// reads no page. The file holds three tables (or views), each keyed by
    /// its first column (byte order), in the columns and encodings of the
    /// store's own tables: `recipient (email_key, email, name, language,
    /// children)` (`email_key` the address in lower case; `children` a JSON
    /// array of `{"student_id", "name"}` sorted by student id), `unreachable
    /// (id, name)` and `student_address (id, address)` (`address` a
    /// `MailingAddress` as JSON); and `recipient_child`, keyed by
    /// `(email_key, …)`, one row or more per recipient, whose keys size the
    /// copy's pages (a view's rows cost too much to count).
    fn sqlite_file(&self) -> Option<&std::path::Path> {
        None
    }
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
        facts: Option<&ReportedFacts>,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()>;

    /// As `record_event` (whose `facts`, when given, replace the incident's:
    /// a delay's details come with its `delay_requested`), for an event already recorded: moves it to
    /// `event.at` and audits the previous time and the reason.
    #[allow(clippy::too_many_arguments)]
    async fn correct_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        previous: DateTime<Utc>,
        reason: &str,
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
    /// `now` stamps the jobs' `created_at`: the caller's clock, not the
    /// wall clock, so a test's or a replay's record reads as it happened.
    async fn enqueue(&self, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64>;
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
    /// Ends many jobs in one transaction, each as `finish_job` would, their
    /// audit entries appended together in one turn at the chain (so that
    /// completions do not take a turn each); for each, in order, whether
    /// its worker still held it.
    async fn finish_jobs(&self, ends: &[JobEnd], now: DateTime<Utc>) -> StoreResult<Vec<bool>>;
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
    /// Folds the reminder steps planned for the same instant as each leader
    /// into its message (see `writes::jobs::fold_reminders`), in one
    /// transaction where the backend has one writer at a time
    /// (`writes::jobs::fold_reminders_many`).
    async fn fold_reminders(
        &self,
        leaders: &[Job],
        worker: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Vec<FoldedReminder>>>;
    /// Of the steps a leader's payload names, those folded into it.
    async fn folded_by(
        &self,
        leader: &Job,
        named: Vec<FoldedReminder>,
    ) -> StoreResult<Vec<FoldedReminder>>;
    /// Cancels every scheduled job of an obligation.
    async fn cancel_obligation_jobs(
        &self,
        obligation_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
    async fn incident_jobs(&self, incident_id: Uuid) -> StoreResult<Vec<Job>>;
    /// Jobs in any of `states`, the dead first (most recent death first).
    async fn jobs_in(&self, states: &[JobState]) -> StoreResult<Vec<Job>>;
    /// Puts a dead job back as due now, attempts reset, audited as `by`'s;
    /// false when there is no such dead job.
    async fn retry_job(&self, id: Uuid, by: &str, now: DateTime<Utc>) -> StoreResult<bool>;

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

    // ---- bounces (DSNs read from the bounce mailbox) ----
    /// One message by its id (a bounce's VERP token names it).
    async fn email(&self, id: Uuid) -> StoreResult<Option<EmailRecord>>;
    /// Marks a sent message bounced with what its DSN said, audited, in one
    /// transaction; false (nothing written) when the message is not `sent`
    /// (bounced already, or never accepted).
    async fn record_bounce(&self, bounce: &NewBounce) -> StoreResult<bool>;
    /// The incident's bounces with their addresses, oldest first.
    async fn incident_bounces(&self, incident_id: Uuid) -> StoreResult<Vec<BounceRecord>>;
    /// The incidents with a bounce read after their families' duty was
    /// complete (a follow-up), for the board and the digest.
    async fn follow_up_incidents(&self) -> StoreResult<std::collections::BTreeSet<Uuid>>;

    // ---- the notice to families ----
    /// Replaces the incident's roster (recipients, unreachable students and
    /// addresses) with the pages of `source`: copied in short transactions
    /// (other writers are served meanwhile), visible all at once when the
    /// import is recorded (`store::writes::roster`). Refused (false) once the
    /// notice has been approved; `Conflict` when an import of the incident
    /// that started later finished first.
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
    /// The distinct languages of the roster's guardians as imported (none
    /// where a guardian gave none), for the approval's preflight.
    async fn roster_languages(&self, incident_id: Uuid) -> StoreResult<Vec<Option<String>>>;
    /// Every affected student's coverage: reached by email, pending, a
    /// letter needed, a letter mailed or an exception.
    async fn notice_coverage(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<crate::domain::coverage::CoverageReport>;
    /// The incidents that have a roster import (one query, for the board and
    /// the digest).
    async fn incidents_with_roster(&self) -> StoreResult<std::collections::BTreeSet<Uuid>>;
    /// Records letters mailed or exceptions (a student recorded before gets
    /// the newer record), audited, in one transaction.
    async fn record_student_marks(
        &self,
        incident_id: Uuid,
        marks: &[crate::domain::coverage::StudentMark],
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
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

    // ---- access: API tokens and sign-in sessions ----
    /// Stores a token's hash with its audit entry; a name used before
    /// (even by a revoked token) is refused.
    async fn create_token(
        &self,
        token: &TokenRecord,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<TokenCreated>;
    /// Every token, revoked ones too, oldest first.
    async fn tokens(&self) -> StoreResult<Vec<TokenRecord>>;
    /// The live token whose SHA-256 is `sha256` (hex).
    async fn active_token(&self, sha256: &str) -> StoreResult<Option<TokenRecord>>;
    /// Revokes a live token and ends its sessions; false when none is live
    /// under that name.
    async fn revoke_token(
        &self,
        name: &str,
        at: DateTime<Utc>,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<bool>;
    /// Opens a session, clearing those ended at its `created_at` (absolute
    /// end passed, or idle since `idle_since`).
    async fn create_session(
        &self,
        session: &SessionRecord,
        idle_since: DateTime<Utc>,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    /// The current session whose cookie hashes to `secret_sha256`.
    async fn current_session(
        &self,
        secret_sha256: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>>;
    /// Marks a session used at `now` (never moving it back).
    async fn touch_session(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// The current sessions, most recently used first.
    async fn sessions(
        &self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Ends one session by its handle; what it was, if it existed.
    async fn end_session(
        &self,
        id: &str,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<Option<SessionRecord>>;
    /// Ends every session of `subject`; how many.
    async fn end_subject_sessions(
        &self,
        subject: &str,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<u64>;
    /// Keeps an OpenID sign-in under way, clearing those begun before
    /// `stale_before`.
    async fn begin_sign_in(
        &self,
        attempt: &SignInAttempt,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Takes, once, the sign-in begun with the state hashing to `state_sha256`.
    async fn take_sign_in(&self, state_sha256: &str) -> StoreResult<Option<SignInAttempt>>;

    // ---- the vendor registry ----
    /// Stores a new vendor and its audit entry in one transaction.
    async fn create_vendor(
        &self,
        record: &VendorRecord,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    /// Replaces a vendor whose stored version is `record.version - 1`, with
    /// its audit entry; `Conflict` when another edit came first.
    async fn update_vendor(
        &self,
        record: &VendorRecord,
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    async fn vendor(&self, id: Uuid) -> StoreResult<Option<VendorRecord>>;
    /// Every vendor, by name.
    async fn vendors(&self) -> StoreResult<Vec<VendorRecord>>;

    // ---- privacy requests from families ----
    /// Stores a request, the duties it starts, their reminder jobs (and
    /// the receipt's) and its audit entry in one transaction.
    async fn create_privacy_request(
        &self,
        record: &PrivacyRequestRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    /// Stores a staff change to a request whose stored version is
    /// `record.version - 1` (`Conflict` otherwise); with `settle`, completes
    /// its open duties and cancels their reminders; plans `jobs`; audited;
    /// one transaction.
    async fn update_privacy_request(
        &self,
        record: &PrivacyRequestRecord,
        settle: Option<&Settlement>,
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn privacy_request(&self, id: Uuid) -> StoreResult<Option<PrivacyRequestRecord>>;
    /// Newest received first.
    async fn privacy_requests(
        &self,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<PrivacyRequestRecord>>;
    async fn request_obligations(&self, request_id: Uuid) -> StoreResult<Vec<ObligationRecord>>;

    // ---- parental consent campaigns (a vendor that will not sign) ----
    /// Stores a campaign, its students and guardians (each with the
    /// students it is asked about), the job that emails them and the audit
    /// entry, in one transaction.
    async fn create_consent_campaign(
        &self,
        campaign: &ConsentCampaignRecord,
        students: &[ConsentStudent],
        guardians: &[ConsentGuardianRecord],
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    async fn consent_campaign(&self, id: Uuid) -> StoreResult<Option<ConsentCampaignRecord>>;
    /// A vendor's campaigns, newest first.
    async fn consent_campaigns(&self, vendor_id: Uuid) -> StoreResult<Vec<ConsentCampaignRecord>>;
    /// A campaign's students, by student id.
    async fn consent_students(&self, campaign_id: Uuid) -> StoreResult<Vec<ConsentStudent>>;
    /// A campaign's guardians, by address, each with its students.
    async fn consent_guardians(&self, campaign_id: Uuid)
        -> StoreResult<Vec<ConsentGuardianRecord>>;
    async fn consent_guardian(&self, id: Uuid) -> StoreResult<Option<ConsentGuardianRecord>>;
    /// A campaign's answers, oldest first.
    async fn consent_answers(&self, campaign_id: Uuid) -> StoreResult<Vec<ConsentAnswerRecord>>;
    /// Stores answers with their audit entry, in one transaction; with
    /// `link_of`, they come through that guardian's link, used up at once
    /// (`AlreadyAnswered`, nothing stored, when it was used before).
    async fn record_consent_answers(
        &self,
        link_of: Option<&ConsentGuardianRecord>,
        answers: &[ConsentAnswerRecord],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<AnswerOutcome>;

    /// Stores a signed document of a vendor or a contract (replacing the
    /// owner's earlier one) with the jobs it plans (a republication) and
    /// its audit entry, in one transaction.
    async fn put_document(
        &self,
        owner: DocumentOwner,
        document: &Document,
        content: &[u8],
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    /// Every document of that kind of owner, without the bytes.
    async fn documents(&self, owner: DocumentOwner) -> StoreResult<Vec<Document>>;
    /// One owner's document with its bytes.
    async fn document(
        &self,
        owner: DocumentOwner,
        owner_id: Uuid,
    ) -> StoreResult<Option<(Document, Vec<u8>)>>;

    // ---- a contract's roster for its emailed notice ----
    /// Stores a contract's roster, its guardians, the job that emails them
    /// and the audit entry, in one transaction.
    async fn create_contract_roster(
        &self,
        roster: &ContractRosterRecord,
        guardians: &[ContractGuardian],
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    async fn contract_roster(&self, contract_id: Uuid)
        -> StoreResult<Option<ContractRosterRecord>>;
    /// A contract's guardians, by address.
    async fn contract_guardians(&self, contract_id: Uuid) -> StoreResult<Vec<ContractGuardian>>;

    // ---- contracts with vendors ----
    /// Stores a contract, its duties (their subject is the contract), the
    /// jobs it plans (their reminders, its publication) and its audit
    /// entry, in one transaction.
    async fn create_contract(
        &self,
        record: &ContractRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        audit: &crate::audit::NewAudit,
    ) -> StoreResult<()>;
    async fn contract(&self, id: Uuid) -> StoreResult<Option<ContractRecord>>;
    /// Every contract, most recently executed first.
    async fn contracts(&self) -> StoreResult<Vec<ContractRecord>>;
    /// A contract's duties, soonest first.
    async fn contract_obligations(&self, contract_id: Uuid) -> StoreResult<Vec<ObligationRecord>>;
    /// Records where the contract's notice was published, and audits it.
    async fn mark_contract_published(
        &self,
        contract_id: Uuid,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Settles one of a contract's duties (never one already settled);
    /// false when it was settled already or is not the contract's.
    async fn settle_contract_obligation(
        &self,
        contract_id: Uuid,
        obligation_id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Records the board's notice to amend the contract (once), completes
    /// the duties `completes` names at `at`, and audits it; false when a
    /// notice was recorded already.
    #[allow(clippy::too_many_arguments)] // the notice, what it completes, who and when
    async fn request_contract_amendment(
        &self,
        contract_id: Uuid,
        at: DateTime<Utc>,
        note: Option<&str>,
        completes: &[Uuid],
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Stores the amendment `record` carries, if the contract is still at
    /// `record.version`; waives `waives` with `reason`; audits it. False
    /// when another change came first.
    async fn amend_contract(
        &self,
        record: &ContractRecord,
        waives: &[Uuid],
        reason: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The chain's last entry as an anchor (seq and MAC), None when empty.
    async fn audit_head(&self) -> StoreResult<Option<crate::audit::Anchor>>;
    /// Checks the whole chain with the store's audit key and anchor:
    /// `Err(Broken)` names the first bad entry.
    async fn verify_audit(
        &self,
    ) -> StoreResult<Result<crate::audit::Checked, crate::audit::Broken>>;

    // ---- the public website kept in the database ----
    /// Replaces these files of the notices site, all in one transaction.
    async fn put_site_files(&self, files: &[SiteFileRecord]) -> StoreResult<()>;
    /// A file of the notices site by its name (`index.html`, …).
    async fn site_file(&self, name: &str) -> StoreResult<Option<SiteFileRecord>>;
    /// Keeps one fetch of a notice page at its public address.
    async fn record_website_check(&self, check: &WebsiteCheckRecord) -> StoreResult<()>;
    /// The incident's checks of its notice page, oldest first.
    async fn website_checks(&self, incident_id: Uuid) -> StoreResult<Vec<WebsiteCheckRecord>>;
    /// Every send attempt of the incident's family notices, oldest first.
    async fn delivery_attempts(&self, incident_id: Uuid)
        -> StoreResult<Vec<DeliveryAttemptRecord>>;
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
    connect_with(url, ConnectOptions::default()).await
}

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// PostgreSQL's pool size.
    pub max_connections: u32,
    /// SQLite's `synchronous = FULL` (a commit survives a power cut) rather
    /// than `NORMAL` (the last second of commits may be lost).
    pub sqlite_durable: bool,
    /// The audit key and anchor appends are sealed with (the default, an
    /// ephemeral key and no anchor, is for tests and for tools that append
    /// nothing).
    pub seal: std::sync::Arc<crate::audit::Seal>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            sqlite_durable: true,
            seal: crate::audit::Seal::ephemeral(),
        }
    }
}

pub async fn connect_with(
    url: &str,
    options: ConnectOptions,
) -> StoreResult<std::sync::Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::connect_with(url, options.sqlite_durable)
                .await?
                .sealed(options.seal),
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(
            postgres::PgStore::connect_with(url, options.max_connections)
                .await?
                .sealed(options.seal),
        ))
    } else {
        Err(StoreError::NotReady(format!(
            "database URL scheme not supported by this build: {}",
            url.split(':').next().unwrap_or_default()
        )))
    }
}

/// Readiness of either backend: the database answers and every migration
/// `migrator` knows is applied. `applied` is the backend's query of the
/// applied versions (booleans are spelt differently).
pub(crate) async fn ready<S: read::Reader>(
    store: &S,
    migrator: &sqlx::migrate::Migrator,
    applied: &'static str,
) -> StoreResult<()> {
    use tx::Cells;
    store
        .execute(&statements::Statement::new("SELECT 1"))
        .await?;
    let rows = store
        .fetch_all(&statements::Statement::new(applied))
        .await
        .map_err(|_| StoreError::NotReady("migrations have not been applied".into()))?;
    let versions = rows
        .iter()
        .map(|row| row.read_at::<i64>(0))
        .collect::<StoreResult<Vec<i64>>>()?;
    check_applied(migrator, &versions)
}

/// Ok when every migration `migrator` knows is among the `applied` versions.
fn check_applied(migrator: &sqlx::migrate::Migrator, applied: &[i64]) -> StoreResult<()> {
    match migrator
        .iter()
        .find(|migration| !applied.contains(&migration.version))
    {
        Some(missing) => Err(StoreError::NotReady(format!(
            "migration {} is not applied",
            missing.version
        ))),
        None => Ok(()),
    }
}
