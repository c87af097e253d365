//! Staff email (reminders, digests, failure reports): each message is
//! planned in the database, one row per recipient with its Message-ID,
//! before it is sent (through the staff lane, `fanout::staff`), and every
//! attempt is recorded before the job hears of it. A temporary failure is
//! retried with backoff; a permanent one is recorded, reported to the
//! privacy officer and never retried. One failing recipient never holds up
//! the others: each recipient gets a message of its own.

use super::fanout::staff::StaffMessage;
use super::fanout::Composed;
use crate::email::message::{self, Outgoing};
use crate::scheduler::planning::failure_report_job;
use crate::scheduler::Worker;
use crate::store::{EmailStatus, Job, JobKind, JobState, NewEmail};
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use std::sync::Arc;
use uuid::Uuid;

/// A message to one recipient, before it is planned.
pub(super) struct Planned {
    pub(super) recipient: Mailbox,
    pub(super) subject: String,
    pub(super) body: String,
    /// The obligations a reminder lists (its `X-Breachd-Obligation`).
    pub(super) obligations: Vec<Uuid>,
}

/// Plans one message per recipient, sends those not yet final through the
/// staff lane (the fan-out's pipelined sessions and group commits,
/// `fanout::staff`), whose attempts are recorded before they are told here,
/// and finishes or reschedules the job.
pub(super) async fn deliver(
    worker: &Arc<Worker>,
    job: &Job,
    kind: &'static str,
    incident_id: Option<Uuid>,
    planned: Vec<Planned>,
) -> anyhow::Result<()> {
    let from = &worker.settings.email.from;
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
    worker
        .store
        .ensure_emails(&rows, worker.clock.now())
        .await?;
    let emails = worker.store.job_emails(job.id).await?;
    let now = worker.clock.now();
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
            obligation_ids: content.obligations.clone(),
            to: content.recipient.clone(),
            subject: content.subject.clone(),
            body: content.body.clone(),
            message_id: email.message_id.clone(),
        };
        let composed = message::build(from, &outgoing).map(|built| Composed {
            envelope: built.envelope().clone(),
            bytes: built.formatted(),
        });
        sends.push(StaffMessage {
            email: email.clone(),
            kind,
            composed,
        });
    }
    let attempts = if sends.is_empty() {
        Vec::new()
    } else {
        worker.staff.send(worker, job.id, sends).await?
    };
    let sent = attempts
        .iter()
        .filter(|a| a.outcome == EmailStatus::Sent)
        .count();
    let failed = attempts
        .iter()
        .filter(|a| a.outcome == EmailStatus::Failed)
        .count();
    tracing::info!(job_id = %job.id, kind, sent, failed, deferred = attempts.len() - sent - failed, "delivery attempts recorded");

    let emails = worker.store.job_emails(job.id).await?;
    let next_retry: Option<DateTime<Utc>> = emails
        .iter()
        .filter(|e| !e.status.is_final())
        .map(|e| e.next_attempt_at.unwrap_or(now))
        .min();
    if let Some(retry_at) = next_retry {
        worker
            .store
            .reschedule_job(
                job.id,
                worker.id(),
                retry_at,
                Some("deferred recipients"),
                worker.clock.now(),
            )
            .await?;
        return Ok(());
    }
    let failures: Vec<&crate::store::EmailRecord> = emails
        .iter()
        .filter(|e| e.status == EmailStatus::Failed)
        .collect();
    if !failures.is_empty() && job.kind != JobKind::FailureReport {
        worker
            .store
            .enqueue(
                &[failure_report_job(
                    job,
                    kind,
                    incident_id,
                    &failures,
                    worker.clock.now(),
                )],
                worker.clock.now(),
            )
            .await?;
    }
    worker.finish(job, JobState::Done, None).await
}
