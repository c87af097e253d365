//! Running due jobs: reminders, digests and delivery-failure reports.
//!
//! Each message is planned in the database (one row per recipient, with its
//! Message-ID) before it is sent, and every attempt is recorded. A temporary
//! failure is retried with backoff; a permanent one is recorded, reported to
//! the privacy officer and never retried. One failing recipient never holds
//! up the others: each recipient gets a message of its own.

use super::backoff::Backoff;
use super::escalation::{self, LATE_AFTER};
use super::planning::{self, DIGEST, FAILURE_REPORT, FAMILY_NOTICE, PUBLISH, REMINDER};
use crate::clock::Clock;
use crate::domain::timestamp::format_in_zone;
use crate::domain::ObligationStatus;
use crate::email::message::{self, Outgoing, KIND_DELIVERY_FAILURE, KIND_DIGEST, KIND_REMINDER};
use crate::email::{Mailer, SendOutcome, Templates};
use crate::settings::Settings;
use crate::store::{
    Attempt, EmailStatus, Job, JobKinds, JobState, NewEmail, NewJob, ObligationFilter, Store,
};
use crate::views::time_left;
use chrono::{DateTime, Duration, Utc};
use lettre::message::Mailbox;
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub mailer: Arc<Mailer>,
    pub templates: Arc<Templates>,
    pub clock: Arc<dyn Clock>,
    pub backoff: Backoff,
    /// Bounds concurrent sends to `email.max_connections`.
    pub sends: Arc<crate::email::permits::SendPermits>,
    /// `email.rate_per_second`, when set.
    pub limiter: Option<Arc<governor::DefaultDirectRateLimiter>>,
    pub publisher: Arc<dyn crate::site::Publisher>,
    /// Publications rebuild the index and feed: one at a time.
    pub publish_lock: tokio::sync::Mutex<()>,
}

/// A message to one recipient, before it is planned.
struct Planned {
    recipient: Mailbox,
    subject: String,
    body: String,
}

impl Worker {
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
        // Family-notice chunks are the fan-out runner's (`notices::fanout`).
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
                &job.kind,
                (now - job.due_at).num_milliseconds() as f64 / 1000.0,
            );
        }
        let mut running = tokio::task::JoinSet::new();
        for job in jobs {
            let worker = Arc::clone(self);
            // The scheduler's span (with this instance's id) on every job's lines.
            running.spawn(tracing::Instrument::instrument(async move {
                let (id, kind) = (job.id, job.kind.clone());
                if let Err(error) = worker.run(job).await {
                    // The lease runs out and the job is taken over later.
                    tracing::error!(job_id = %id, kind, %error, "job failed; it will be retried when its lease expires");
                }
            }, tracing::Span::current()));
        }
        while running.join_next().await.is_some() {}
        Ok(count)
    }

    async fn run(self: &Arc<Self>, job: Job) -> anyhow::Result<()> {
        match job.kind.as_str() {
            REMINDER => self.reminder(job).await,
            DIGEST => self.digest(job).await,
            FAILURE_REPORT => self.failure_report(job).await,
            // Claimed by the fan-out runner, never by a batch; released
            // at once should one ever get here.
            FAMILY_NOTICE => {
                let now = self.clock.now();
                self.store
                    .reschedule_job(job.id, self.id(), now, None, now)
                    .await?;
                Ok(())
            }
            PUBLISH => crate::notices::publishing::run(self, job).await,
            other => {
                tracing::error!(job_id = %job.id, kind = other, "unknown job kind");
                self.finish(&job, JobState::Failed, Some("unknown job kind"))
                    .await
            }
        }
    }

    async fn finish(&self, job: &Job, state: JobState, error: Option<&str>) -> anyhow::Result<()> {
        self.store
            .finish_job(job.id, self.id(), state, error, self.clock.now())
            .await?;
        Ok(())
    }

    fn addresses(&self, roles: &[String]) -> Vec<Mailbox> {
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

    async fn reminder(&self, job: Job) -> anyhow::Result<()> {
        let now = self.clock.now();
        let (Some(obligation_id), Some(order)) = (job.obligation_id, job.step_order) else {
            return self
                .finish(
                    &job,
                    JobState::Failed,
                    Some("a reminder without an obligation"),
                )
                .await;
        };
        let Some(obligation) = self.store.obligation(obligation_id).await? else {
            return self.finish(&job, JobState::Cancelled, None).await;
        };
        if obligation.status(now).is_settled() {
            self.store
                .cancel_obligation_jobs(obligation_id, now)
                .await?;
            return Ok(());
        }
        if obligation.due_at != job.obligation_due {
            // Re-planned for a new due time; the new plan has its own jobs.
            return self.finish(&job, JobState::Cancelled, None).await;
        }
        if self
            .store
            .later_reminder_due(obligation_id, order, now)
            .await?
        {
            tracing::info!(job_id = %job.id, %obligation_id, "reminder skipped: a later step is due");
            return self.finish(&job, JobState::Skipped, None).await;
        }
        let due = obligation.due_at.unwrap_or(now);
        let label = job.payload["label"]
            .as_str()
            .unwrap_or("reminder")
            .to_owned();
        let roles: Vec<String> =
            serde_json::from_value(job.payload["roles"].clone()).unwrap_or_default();
        // After the due time, the next overdue repeat is planned before this
        // one is sent, so that a crash cannot end the chain.
        if now >= due {
            if let Some(next) = escalation::next_repeat(&self.settings.escalation, due, now, &roles)
            {
                self.store
                    .enqueue(&[planning::reminder_job(&obligation, due, &next)])
                    .await?;
            }
        }
        let Some(incident) = self.store.incident(obligation.incident_id).await? else {
            return self.finish(&job, JobState::Cancelled, None).await;
        };
        let zone = self.settings.timezone;
        let late = job.late || now - job.due_at > LATE_AFTER;
        let status = obligation.status(now);
        let operative = obligation
            .sources
            .iter()
            .filter(|s| s.due_at.is_some())
            .min_by_key(|s| s.due_at)
            .map(|s| s.citation.clone())
            .unwrap_or_default();
        let context = json!({
            "district": self.settings.district_name,
            "district_zone": zone.name(),
            "step": label,
            "late": late,
            "overdue": status == ObligationStatus::Overdue,
            "time_text": time_left(due - now).trim_end_matches(" left").trim_end_matches(" overdue"),
            "incident": { "id": incident.id, "title": incident.title },
            "obligation": {
                "id": obligation.id,
                "kind": obligation.kind,
                "title": obligation.title,
                "party": obligation.party,
                "recipient": obligation.recipient,
                "due_local": format_in_zone(due, zone),
                "citation": operative,
                "sources": obligation.sources.iter().map(|s| json!({
                    "citation": s.citation,
                    "within": s.within.describe(),
                    "due_local": s.due_at.map(|d| format_in_zone(d, zone)),
                })).collect::<Vec<_>>(),
            },
        });
        let rendered = self
            .templates
            .render("reminder.txt", &context)
            .map_err(anyhow::Error::msg)?;
        let planned: Vec<Planned> = self
            .addresses(&roles)
            .into_iter()
            .map(|recipient| Planned {
                recipient,
                subject: rendered.subject.clone(),
                body: rendered.body.clone(),
            })
            .collect();
        self.deliver(&job, KIND_REMINDER, Some(incident.id), planned)
            .await
    }

    async fn digest(&self, job: Job) -> anyhow::Result<()> {
        let now = self.clock.now();
        // The next fire time is planned first: one digest per fire time,
        // and the chain survives a crash in the middle of this one.
        if let Some(schedule) = &self.settings.digest_schedule {
            if let Some(next) = schedule.next_after(job.due_at.max(now)) {
                self.store
                    .enqueue(&[planning::digest_job(schedule.expression(), next)])
                    .await?;
            }
        }
        let zone = self.settings.timezone;
        let rows = self
            .store
            .list_obligations(&ObligationFilter {
                statuses: vec![ObligationStatus::Overdue, ObligationStatus::Open],
                due_before: None,
                incident_id: None,
                now,
                limit: 1000,
            })
            .await?;
        let overdue = rows
            .iter()
            .filter(|r| r.obligation.status(now) == ObligationStatus::Overdue)
            .count();
        let rows: Vec<Value> = rows
            .iter()
            .map(|row| {
                let o = &row.obligation;
                let due = o.due_at.unwrap_or(now);
                json!({
                    "status": o.status(now),
                    "title": o.title,
                    "due_local": format_in_zone(due, zone),
                    "time_text": time_left(due - now),
                    "incident_title": row.incident_title,
                    "incident_id": o.incident_id,
                    "citation": o.sources.iter().filter(|s| s.due_at.is_some()).min_by_key(|s| s.due_at).map(|s| s.citation.clone()),
                })
            })
            .collect();
        let context = json!({
            "district": self.settings.district_name,
            "district_zone": zone.name(),
            "now_local": format_in_zone(now, zone),
            "overdue_count": overdue,
            "open_count": rows.len() - overdue,
            "rows": rows,
        });
        let rendered = self
            .templates
            .render("digest.txt", &context)
            .map_err(anyhow::Error::msg)?;
        let planned = self
            .addresses(&self.settings.digest_recipients)
            .into_iter()
            .map(|recipient| Planned {
                recipient,
                subject: rendered.subject.clone(),
                body: rendered.body.clone(),
            })
            .collect();
        self.deliver(&job, KIND_DIGEST, None, planned).await
    }

    async fn failure_report(&self, job: Job) -> anyhow::Result<()> {
        let failed: Vec<String> = job.payload["failed_recipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_lowercase))
            .collect();
        let context = json!({
            "district": self.settings.district_name,
            "failures": job.payload["failures"],
        });
        let rendered = self
            .templates
            .render("delivery-failure.txt", &context)
            .map_err(anyhow::Error::msg)?;
        // Never report a failure to the address that failed: no loops.
        let planned: Vec<Planned> = self
            .addresses(&["privacy_officer".to_owned()])
            .into_iter()
            .filter(|m| !failed.contains(&m.email.to_string().to_lowercase()))
            .map(|recipient| Planned {
                recipient,
                subject: rendered.subject.clone(),
                body: rendered.body.clone(),
            })
            .collect();
        if planned.is_empty() {
            tracing::error!(job_id = %job.id, "a delivery failure could not be reported: the privacy officer's own address failed");
        }
        let incident = job.incident_id;
        self.deliver(&job, KIND_DELIVERY_FAILURE, incident, planned)
            .await
    }

    /// Plans one message per recipient, sends those not yet final, records
    /// every attempt, and finishes or reschedules the job.
    async fn deliver(
        &self,
        job: &Job,
        kind: &'static str,
        incident_id: Option<Uuid>,
        planned: Vec<Planned>,
    ) -> anyhow::Result<()> {
        let from = &self.settings.email.from;
        let rows: Vec<NewEmail> = planned
            .iter()
            .map(|p| NewEmail {
                id: Uuid::now_v7(),
                job_id: Some(job.id),
                kind: kind.to_owned(),
                incident_id,
                recipient: p.recipient.email.to_string(),
                message_id: message::new_message_id(from),
            })
            .collect();
        self.store.ensure_emails(&rows, self.clock.now()).await?;
        let emails = self.store.job_emails(job.id).await?;
        let now = self.clock.now();
        let mut sends = Vec::new();
        for email in emails.iter().filter(|e| !e.status.is_final()) {
            if email.next_attempt_at.is_some_and(|at| at > now) {
                continue;
            }
            let Some(content) = planned
                .iter()
                .find(|p| p.recipient.email.to_string() == email.recipient)
            else {
                continue;
            };
            let outgoing = Outgoing {
                kind,
                incident_id,
                to: content.recipient.clone(),
                subject: content.subject.clone(),
                body: content.body.clone(),
                message_id: email.message_id.clone(),
            };
            sends.push((email.clone(), outgoing));
        }
        let mut attempts = Vec::new();
        let mut tasks = Vec::new();
        for (email, outgoing) in sends {
            let permits = Arc::clone(&self.sends);
            let mailer = Arc::clone(&self.mailer);
            let from = from.clone();
            let timeout = self.settings.email.timeout;
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire().await;
                let outcome = match message::build(&from, &outgoing) {
                    Ok(built) => mailer.send(built, timeout).await,
                    Err(reason) => SendOutcome::Permanent(reason),
                };
                (email, outcome)
            }));
        }
        for task in tasks {
            let (email, outcome) = task.await?;
            attempts.push(self.attempt_for(&email, outcome));
        }
        self.store.record_attempts(&attempts).await?;
        crate::metrics::emails_recorded(kind, &attempts);
        let sent = attempts
            .iter()
            .filter(|a| a.outcome == EmailStatus::Sent)
            .count();
        let failed = attempts
            .iter()
            .filter(|a| a.outcome == EmailStatus::Failed)
            .count();
        tracing::info!(job_id = %job.id, kind, sent, failed, deferred = attempts.len() - sent - failed, "delivery attempts recorded");

        let emails = self.store.job_emails(job.id).await?;
        let next_retry: Option<DateTime<Utc>> = emails
            .iter()
            .filter(|e| !e.status.is_final())
            .map(|e| e.next_attempt_at.unwrap_or(now))
            .min();
        if let Some(retry_at) = next_retry {
            self.store
                .reschedule_job(
                    job.id,
                    self.id(),
                    retry_at,
                    Some("deferred recipients"),
                    self.clock.now(),
                )
                .await?;
            return Ok(());
        }
        let failures: Vec<&crate::store::EmailRecord> = emails
            .iter()
            .filter(|e| e.status == EmailStatus::Failed)
            .collect();
        if !failures.is_empty() && job.kind != FAILURE_REPORT {
            self.store
                .enqueue(&[failure_report_job(
                    job,
                    kind,
                    incident_id,
                    &failures,
                    self.clock.now(),
                )])
                .await?;
        }
        self.finish(job, JobState::Done, None).await
    }
}

fn failure_report_job(
    job: &Job,
    kind: &str,
    incident_id: Option<Uuid>,
    failures: &[&crate::store::EmailRecord],
    now: DateTime<Utc>,
) -> NewJob {
    // Staff addresses of reminders and digests are named; a family's address
    // is personal data and stays in the deliveries listing.
    let named = kind != crate::email::message::KIND_FAMILY_NOTICE;
    let listed: Vec<Value> = failures
        .iter()
        .map(|e| {
            json!({
                "kind": kind,
                "incident_id": incident_id,
                "recipient": if named { e.recipient.clone() } else { "(a family; see the incident's deliveries)".into() },
                "reply": e.last_reply,
            })
        })
        .collect();
    NewJob {
        id: Uuid::now_v7(),
        kind: FAILURE_REPORT.into(),
        key: format!("failure-report:{}", job.id),
        payload: json!({
            "failures": listed,
            "failed_recipients": failures.iter().map(|e| e.recipient.clone()).collect::<Vec<_>>(),
        }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}
