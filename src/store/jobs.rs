//! The job queue's records: what a planned job is, where it stands, and
//! which jobs a claim is about.

use super::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    /// Ended without its work done and never retried (a job of a kind this
    /// version does not know, a publication without its incident).
    Failed,
    /// Its handler kept failing past `scheduler.max_attempts`: parked with
    /// its last error until an administrator retries it (docs/operations.md).
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Scheduled => "scheduled",
            JobState::Done => "done",
            JobState::Skipped => "skipped",
            JobState::Cancelled => "cancelled",
            JobState::Failed => "failed",
            JobState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> StoreResult<Self> {
        [
            JobState::Scheduled,
            JobState::Done,
            JobState::Skipped,
            JobState::Cancelled,
            JobState::Failed,
            JobState::Dead,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("job state {text:?}")))
    }
}

/// A job run within this long after its planned instant is on time; a
/// reminder run later says it is late.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::minutes(2);

/// What a job does. Stored as its name; a name this version does not know
/// (a job planned by a newer breachd) reads as `Unknown`, which the worker
/// refuses to run and marks failed instead of guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// One escalation step of an obligation's reminders.
    Reminder,
    /// The cron digest of open obligations.
    Digest,
    /// Permanent delivery failures, reported to the privacy officer.
    FailureReport,
    /// One chunk of the family fan-out.
    FamilyNotice,
    /// The website notice's publication.
    Publish,
    /// A fetch of a published notice page at its public address
    /// (`publish.verify`), repeated with backoff until it is seen.
    WebsiteCheck,
    /// A job that died, reported to the privacy officer.
    DeadJobReport,
    /// The receipt or the answer of a family's privacy request, emailed to
    /// its requester.
    RequestMail,
    /// A contract's notice published in the website's contracts section
    /// (the contract's id in the payload).
    PublishContract,
    /// The day's look at the vendor registry: the public list of agreements
    /// rewritten (one may have expired overnight) and expiry reminders planned.
    AgreementsDaily,
    /// One reminder to the privacy officer that an agreement expires soon.
    AgreementExpiry,
    /// The consent request of a campaign, emailed to each of its guardians
    /// (the campaign's id in the payload).
    ConsentRequest,
    /// A contract's notice, emailed to each guardian of its roster (the
    /// contract's id in the payload).
    ContractNoticeMail,
    Unknown,
}

impl JobKind {
    const KNOWN: [JobKind; 13] = [
        JobKind::Reminder,
        JobKind::Digest,
        JobKind::FailureReport,
        JobKind::FamilyNotice,
        JobKind::Publish,
        JobKind::DeadJobReport,
        JobKind::WebsiteCheck,
        JobKind::RequestMail,
        JobKind::PublishContract,
        JobKind::AgreementsDaily,
        JobKind::AgreementExpiry,
        JobKind::ConsentRequest,
        JobKind::ContractNoticeMail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Reminder => "reminder",
            JobKind::Digest => "digest",
            JobKind::FailureReport => "failure_report",
            JobKind::FamilyNotice => "family_notice",
            JobKind::Publish => "publish",
            JobKind::WebsiteCheck => "website_check",
            JobKind::DeadJobReport => "dead_job_report",
            JobKind::RequestMail => "request_mail",
            JobKind::PublishContract => "publish_contract",
            JobKind::AgreementsDaily => "agreements_daily",
            JobKind::AgreementExpiry => "agreement_expiry",
            JobKind::ConsentRequest => "consent_request",
            JobKind::ContractNoticeMail => "contract_notice_mail",
            JobKind::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .unwrap_or(JobKind::Unknown)
    }
}

impl JobKind {
    /// The kind of work in words, for people (the board, the CLI, the
    /// privacy officer's report), never the stored name.
    pub fn in_words(self) -> &'static str {
        match self {
            JobKind::Reminder => "a reminder of a duty",
            JobKind::Digest => "the digest of open duties",
            JobKind::FailureReport => "a report of failed deliveries",
            JobKind::FamilyNotice => "a batch of notices to families",
            JobKind::Publish => "the website notice",
            JobKind::WebsiteCheck => "the check that the website notice is online",
            JobKind::DeadJobReport => "a report of work that stopped",
            JobKind::RequestMail => "an email to a family about their privacy request",
            JobKind::PublishContract => "a contract's website notice",
            JobKind::AgreementsDaily => "the daily update of the list of agreements",
            JobKind::AgreementExpiry => "a reminder that an agreement expires",
            JobKind::ConsentRequest => "the consent requests of a campaign to families",
            JobKind::ContractNoticeMail => "a contract's notice to families",
            JobKind::Unknown => "work of a kind this version does not know",
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    pub fn sql(self) -> String {
        let fan_out = JobKind::FamilyNotice.as_str();
        match self {
            JobKinds::All => String::new(),
            JobKinds::FanOut => format!(" AND kind = '{fan_out}'"),
            JobKinds::NotFanOut => format!(" AND kind <> '{fan_out}'"),
        }
    }
}

/// A job to plan. Planning a job whose key exists already is a no-op.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: JobKind,
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
            kind: self.kind,
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

/// One job to end, as `Store::finish_jobs` takes them: which, by whom
/// (only its lease holder may end it), how, and the error it ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnd {
    pub id: Uuid,
    pub worker: String,
    pub state: JobState,
    pub error: Option<String>,
}

/// A reminder step folded into another's message (same incident, same
/// step, same planned instant): what its own run would have needed, kept in
/// the message's job so that a crash before sending loses none of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoldedReminder {
    pub job_id: Uuid,
    pub obligation_id: Uuid,
    pub obligation_due: Option<DateTime<Utc>>,
    pub step_order: i64,
    pub late: bool,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub kind: JobKind,
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

impl Job {
    /// The id its payload holds under `key`, if it holds one that parses
    /// (the subject of a job planned about a request, a contract, ...).
    pub fn payload_id(&self, key: &str) -> Option<Uuid> {
        self.payload[key]
            .as_str()
            .and_then(|text| Uuid::parse_str(text).ok())
    }
}

/// The report to the privacy officer that `job` died: planned in the same
/// transaction that parks it, keyed on the job and the moment it died, so a
/// death is reported once however often the parking is retried, and a job
/// retried and dying again is reported again.
pub(crate) fn dead_job_report(
    job_id: Uuid,
    kind: &str,
    error: Option<&str>,
    incident_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::DeadJobReport,
        key: format!("dead-job-report:{job_id}:{}", now.timestamp_micros()),
        payload: serde_json::json!({ "job": job_id, "kind": kind, "error": error, "died_at": now }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The jobs an approved notice plans: one per chunk of family notices, and
/// the publication.
pub(crate) fn notice_jobs(incident_id: Uuid, chunks: u64, now: DateTime<Utc>) -> Vec<NewJob> {
    let job = |kind: JobKind, key: String, payload: serde_json::Value| NewJob {
        id: Uuid::now_v7(),
        kind,
        key,
        payload,
        due_at: now,
        state: JobState::Scheduled,
        incident_id: Some(incident_id),
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    };
    (0..chunks)
        .map(|chunk| {
            job(
                JobKind::FamilyNotice,
                format!("family-notice:{incident_id}:{chunk}"),
                serde_json::json!({ "chunk": chunk }),
            )
        })
        .chain(std::iter::once(job(
            JobKind::Publish,
            format!("publish:{incident_id}"),
            serde_json::json!({}),
        )))
        .collect()
}
