//! The worker: the context every job handler runs in (the store, the
//! settings, the mailer and its send permits, the publisher, the clock), the
//! claim of due jobs in batches, and the dispatch of each job to its handler
//! in `jobs/`.

use super::backoff::Backoff;
use super::completions::{Completions, Folds, Plans};
use super::jobs;
use crate::clock::Clock;
use crate::domain::consent::token::ConsentTokens;
use crate::email::permits::SendPermits;
use crate::email::quota::{Limits, SendQuota};
use crate::email::verp::Verp;
use crate::email::{Mailer, SendOutcome, Templates};
use crate::settings::Settings;
use crate::site::Publisher;
use crate::store::{Attempt, EmailStatus, Job, JobEnd, JobKind, JobKinds, JobState, Store};
use chrono::Duration;
use lettre::message::Mailbox;
use std::sync::Arc;

pub struct Worker {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) mailer: Arc<Mailer>,
    pub(crate) templates: Arc<Templates>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) backoff: Backoff,
    /// Bounds concurrent sends to `email.max_connections`.
    pub(crate) sends: Arc<SendPermits>,
    /// `email.rate_per_second`, `max_per_minute`, `max_per_day` and the
    /// slowdown a rate-limited reply asks for, shared by every message.
    pub(crate) quota: Arc<SendQuota>,
    pub(crate) publisher: Arc<dyn Publisher>,
    /// Publications rebuild the index and feed: one at a time.
    pub(crate) publish_lock: tokio::sync::Mutex<()>,
    /// Job completions, committed in groups (`completions`).
    pub(crate) completions: Completions,
    /// Staff messages planned, committed in groups (`completions`).
    pub(crate) plans: Plans,
    /// Reminder steps folded into their incident's message, committed in
    /// groups (`completions`).
    pub(crate) folds: Folds,
    /// Each message's VERP envelope sender (`email.bounce_address`).
    pub(crate) verp: Option<Arc<Verp>>,
    /// Signs each guardian's consent link (`with_consent_key`).
    pub(crate) consent: Arc<ConsentTokens>,
    /// Where staff email goes out (`jobs::fanout::staff`), started with
    /// the scheduler.
    pub(crate) staff: std::sync::OnceLock<jobs::fanout::staff::StaffLane>,
}

impl Worker {
    /// The one place the email quotas and the publishing settings
    /// become the send quota and the publisher (`email.max_connections`
    /// became the mailer and `sends` in `email::sending`), and
    /// `email.bounce_address` the VERP senders, keyed by `verp_key` (the
    /// audit key's derivation, the same on every instance).
    pub(crate) fn new(
        store: Arc<dyn Store>,
        settings: Arc<Settings>,
        mailer: Arc<Mailer>,
        sends: Arc<SendPermits>,
        templates: Arc<Templates>,
        clock: Arc<dyn Clock>,
        verp_key: [u8; 32],
    ) -> Self {
        let verp = settings
            .email
            .bounce_address
            .as_ref()
            .map(|address| Arc::new(Verp::new(address, verp_key)));
        let quota = Arc::new(SendQuota::new(Limits::of(&settings.email)));
        let publisher = Arc::new(jobs::publish::directory_publisher(&settings));
        Self {
            completions: Completions::new(Arc::clone(&store), Arc::clone(&clock)),
            plans: Plans::new(Arc::clone(&store), Arc::clone(&clock)),
            folds: Folds::new(Arc::clone(&store), Arc::clone(&clock)),
            store,
            settings,
            mailer,
            templates,
            clock,
            backoff: Backoff::default(),
            sends,
            quota,
            publisher,
            publish_lock: tokio::sync::Mutex::new(()),
            verp,
            // Replaced by the audit key's derivation in `app`; a worker
            // built without one signs links no page will take.
            consent: Arc::new(ConsentTokens::new(rand::random())),
            staff: std::sync::OnceLock::new(),
        }
    }

    /// Consent links signed with `key`, the audit key's derivation for
    /// `"consent"` (the same on every instance, and the pages' key).
    pub(crate) fn with_consent_key(mut self, key: [u8; 32]) -> Self {
        self.consent = Arc::new(ConsentTokens::new(key));
        self
    }

    /// The envelope sender of the message `email_id`: its VERP address,
    /// or None for the From address (no `email.bounce_address`).
    pub fn envelope_sender(&self, email_id: uuid::Uuid) -> Option<lettre::Address> {
        self.verp.as_ref().map(|verp| verp.sender(email_id))
    }

    pub fn id(&self) -> &str {
        &self.settings.scheduler.instance_id
    }

    /// The record of one send: a temporary failure is deferred with backoff
    /// until the retry limit, after which it counts as permanent.
    pub fn attempt_for(&self, email: &crate::store::EmailRecord, outcome: SendOutcome) -> Attempt {
        let at = self.clock.now();
        let attempt_number = u32::try_from(email.attempts + 1).unwrap_or(u32::MAX);
        let (status, reply, next) = match outcome {
            SendOutcome::Sent(reply) => (EmailStatus::Sent, reply, None),
            SendOutcome::Permanent(reply) => (EmailStatus::Failed, reply, None),
            SendOutcome::Temporary(reply) if self.backoff.exhausted(attempt_number) => (
                EmailStatus::Failed,
                format!("gave up after {attempt_number} attempts: {reply}"),
                None,
            ),
            SendOutcome::Temporary(reply) => (
                EmailStatus::Deferred,
                reply,
                Some(at + self.backoff.delay(attempt_number)),
            ),
        };
        Attempt {
            email_id: email.id,
            at,
            outcome: status,
            reply: Some(reply),
            next_attempt_at: next,
            worker: self.id().to_owned(),
        }
    }

    /// Claims and runs every job due now, in batches; returns how many ran.
    pub async fn run_due(self: &Arc<Self>) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let lease =
            Duration::from_std(self.settings.scheduler.lease).unwrap_or(Duration::seconds(30));
        // Family-notice chunks are the fan-out runner's (`jobs::fanout`).
        let jobs = self
            .store
            .claim_jobs_where(
                JobKinds::NotFanOut,
                now,
                now + lease,
                self.id(),
                self.settings.scheduler.batch,
            )
            .await?;
        let count = jobs.len();
        for job in &jobs {
            crate::metrics::job_lateness(
                job.kind.as_str(),
                (now - job.due_at).num_milliseconds() as f64 / 1000.0,
            );
        }
        let mut running = tokio::task::JoinSet::new();
        for group in reminder_groups(jobs) {
            let worker = Arc::clone(self);
            // The scheduler's span (with this instance's id) on every job's lines.
            running.spawn(tracing::Instrument::instrument(
                async move {
                    // One after another: the first folds the others of its
                    // step into its messages, and they are then ended.
                    let mut folded: Vec<uuid::Uuid> = Vec::new();
                    for (index, job) in group.into_iter().enumerate() {
                        if folded.contains(&job.id) {
                            // Ended by the step that sent it: nothing to ask.
                            continue;
                        }
                        if index > 0 {
                            match worker
                                .store
                                .renew_lease(job.id, worker.id(), now + lease)
                                .await
                            {
                                Ok(true) => {}
                                Ok(false) => continue,
                                Err(error) => {
                                    tracing::error!(
                                        error = format!("{error:#}"),
                                        "reading a job's lease failed"
                                    );
                                    continue;
                                }
                            }
                        }
                        let (id, kind, attempts) = (job.id, job.kind.as_str(), job.attempts);
                        match worker.run(job).await {
                            Ok(ended) => folded.extend(ended),
                            Err(error) => worker.after_error(id, kind, attempts, &error).await,
                        }
                    }
                },
                tracing::Span::current(),
            ));
        }
        while running.join_next().await.is_some() {}
        Ok(count)
    }

    /// Runs one job; returns the other jobs it ended (the steps a reminder
    /// folded into its message), which its batch then skips.
    async fn run(self: &Arc<Self>, job: Job) -> anyhow::Result<Vec<uuid::Uuid>> {
        let ran = match job.kind {
            JobKind::Reminder => return jobs::reminder::run(self, job).await,
            JobKind::Digest => jobs::digest::run(self, job).await,
            JobKind::FailureReport => jobs::failure_report::run(self, job).await,
            // Claimed by the fan-out runner, never by a batch; released
            // at once should one ever get here.
            JobKind::FamilyNotice => {
                let now = self.clock.now();
                self.store
                    .reschedule_job(job.id, self.id(), now, None, now)
                    .await?;
                Ok(())
            }
            JobKind::Publish => jobs::publish::run(self, job).await,
            JobKind::WebsiteCheck => jobs::website_check::run(self, job).await,
            JobKind::DeadJobReport => jobs::dead_job_report::run(self, job).await,
            JobKind::RequestMail => jobs::request_mail::run(self, job).await,
            JobKind::PublishContract => jobs::publish_contract::run(self, job).await,
            JobKind::AgreementsDaily => jobs::agreements::run_daily(self, job).await,
            JobKind::AgreementExpiry => jobs::agreements::run_expiry(self, job).await,
            JobKind::ConsentRequest => jobs::consent_mail::run(self, job).await,
            JobKind::ContractNoticeMail => jobs::contract_mail::run(self, job).await,
            JobKind::Unknown => {
                tracing::error!(job_id = %job.id, "a job of a kind this version does not know");
                self.finish(&job, JobState::Failed, Some("unknown job kind"))
                    .await
            }
        };
        ran.map(|()| Vec::new())
    }

    /// A handler failed: the job is retried with backoff, or, past
    /// `scheduler.max_attempts` claims, parked as dead with its error, so
    /// that a job that cannot succeed does not run forever (the store plans
    /// its report to the privacy officer as it parks it; `breachd jobs
    /// retry` brings it back). Should recording
    /// that fail too, the lease runs out and the job is taken over later.
    async fn after_error(&self, id: uuid::Uuid, kind: &str, attempts: i64, error: &anyhow::Error) {
        let now = self.clock.now();
        let text = format!("{error:#}");
        let parked = attempts >= self.settings.scheduler.max_attempts;
        let recorded = if parked {
            crate::metrics::job_parked(kind);
            self.completions
                .finish(JobEnd {
                    id,
                    worker: self.id().to_owned(),
                    state: JobState::Dead,
                    error: Some(text.clone()),
                })
                .await
        } else {
            let attempt = u32::try_from(attempts).unwrap_or(u32::MAX);
            let retry_at = now + self.backoff.delay(attempt);
            self.store
                .reschedule_job(id, self.id(), retry_at, Some(&text), now)
                .await
        };
        match (parked, recorded) {
            (true, Ok(_)) => {
                tracing::error!(job_id = %id, kind, attempts, error = text, "job failed for good and is parked as dead")
            }
            (false, Ok(_)) => {
                tracing::error!(job_id = %id, kind, attempts, error = text, "job failed; it will be retried with backoff")
            }
            (_, Err(store_error)) => {
                tracing::error!(job_id = %id, kind, error = text, store_error = format!("{store_error:#}"), "job failed and the failure could not be recorded; it will be retried when its lease expires")
            }
        }
    }

    pub(crate) async fn finish(
        &self,
        job: &Job,
        state: JobState,
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        // With the other completions of the moment: one transaction, one
        // turn at the audit chain for all of them.
        self.completions
            .finish(JobEnd {
                id: job.id,
                worker: self.id().to_owned(),
                state,
                error: error.map(str::to_owned),
            })
            .await?;
        Ok(())
    }

    pub(crate) fn addresses(&self, roles: &[String]) -> Vec<Mailbox> {
        let mut out: Vec<Mailbox> = Vec::new();
        for role in roles {
            for mailbox in self.settings.contacts.get(role).into_iter().flatten() {
                if !out.iter().any(|m| m.email == mailbox.email) {
                    out.push(mailbox.clone());
                }
            }
        }
        out
    }
}

/// The claimed jobs in groups run one after another: the reminder steps of
/// one incident planned for the same instant and step (fixed-time steps
/// only) form a group, so that one message per person lists them all; every
/// other job is a group of its own.
fn reminder_groups(jobs: Vec<Job>) -> Vec<Vec<Job>> {
    let mut groups: Vec<Vec<Job>> = Vec::new();
    for job in jobs {
        let key = |job: &Job| {
            // A request's reminders (no incident) each stand alone.
            (job.kind == JobKind::Reminder
                && job.payload.get("asap_point").is_none()
                && job.incident_id.is_some())
            .then(|| {
                (
                    job.incident_id,
                    job.due_at,
                    job.payload["label"].as_str().map(str::to_owned),
                )
            })
        };
        let mine = key(&job);
        match groups
            .iter_mut()
            .find(|group| mine.is_some() && key(&group[0]) == mine)
        {
            Some(group) => group.push(job),
            None => groups.push(vec![job]),
        }
    }
    groups
}
