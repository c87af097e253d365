//! Staff email (reminders, digests, failure reports): each message is
//! planned in the database, one row per recipient with its Message-ID,
//! before it is sent, and every attempt is recorded. A temporary failure is
//! retried with backoff; a permanent one is recorded, reported to the
//! privacy officer and never retried. One failing recipient never holds up
//! the others: each recipient gets a message of its own.

use super::fanout::compose::Composed;
use crate::email::message::{self, Outgoing};
use crate::email::SendOutcome;
use crate::scheduler::planning::failure_report_job;
use crate::scheduler::Worker;
use crate::store::{EmailStatus, Job, JobKind, JobState, NewEmail};
use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use uuid::Uuid;

/// A message to one recipient, before it is planned.
pub(super) struct Planned {
    pub(super) recipient: Mailbox,
    pub(super) subject: String,
    pub(super) body: String,
    /// The obligations a reminder lists (its `X-Breachd-Obligation`).
    pub(super) obligations: Vec<Uuid>,
}

/// Plans one message per recipient, sends those not yet final, records
/// every attempt, and finishes or reschedules the job.
pub(super) async fn deliver(
    worker: &Worker,
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
    // With the other jobs' messages of the moment: one commit for all.
    worker.plans.write(rows).await?;
    let mut emails = worker.store.job_emails(job.id).await?;
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
        sends.push((email.clone(), outgoing));
    }
    // Handed to the staff lane (`fanout::staff`): the messages of every job
    // of the moment share its pipelined connections and group commits.
    let lane = worker
        .staff
        .get()
        .ok_or_else(|| anyhow::anyhow!("staff email is sent only while the scheduler runs"))?;
    let mut attempts = Vec::new();
    let mut handed = Vec::new();
    for (email, outgoing) in sends {
        match compose(worker, from, email.id, &outgoing) {
            Ok(composed) => match lane.send(job.id, email, composed).await {
                Some(one) => handed.push(one),
                // Stopping: the rest stay planned.
                None => break,
            },
            Err(reason) => {
                attempts.push(worker.attempt_for(&email, SendOutcome::Permanent(reason)))
            }
        }
    }
    // Those that cannot be made are recorded here; the lane recorded the
    // others before answering.
    worker.store.record_attempts(&attempts).await?;
    for one in handed {
        if let Some(attempt) = lane.recorded(one).await {
            attempts.push(attempt);
        }
    }
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

    // The rows as recorded, without reading them again.
    for attempt in &attempts {
        if let Some(email) = emails.iter_mut().find(|e| e.id == attempt.email_id) {
            email.status = attempt.outcome;
            email.attempts += 1;
            email.last_reply.clone_from(&attempt.reply);
            email.next_attempt_at = attempt.next_attempt_at;
        }
    }
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

/// The message's bytes and envelope: from its VERP sender when
/// `email.bounce_address` is set (a bounce names this message), else from
/// the From address.
fn compose(
    worker: &Worker,
    from: &Mailbox,
    email_id: Uuid,
    outgoing: &Outgoing,
) -> Result<Composed, String> {
    let built = message::build(from, outgoing)?;
    let envelope = match worker.envelope_sender(email_id) {
        Some(sender) => {
            lettre::address::Envelope::new(Some(sender), built.envelope().to().to_vec())
                .map_err(|error| format!("the message cannot be addressed: {error}"))?
        }
        None => built.envelope().clone(),
    };
    Ok(Composed {
        envelope,
        bytes: built.formatted(),
    })
}
