//! Sending one chunk of a family-notice fan-out.
//!
//! `email.max_connections` senders each take a planned message and one of
//! the process's send permits (as many as SMTP connections), send it, then
//! hand the outcome to one recorder and wait until it is committed before
//! releasing the permit and taking the next. The recorder commits whatever outcomes are
//! waiting in one transaction (group commit): writes are batched, yet at any
//! moment at most one message per connection is sent but not yet recorded,
//! so a crash can repeat at most the messages in flight.

use crate::domain::timestamp::format_in_zone;
use crate::notify::message::{self, Outgoing, KIND_FAMILY_NOTICE};
use crate::notify::SendOutcome;
use crate::scheduler::Worker;
use crate::store::{Attempt, EmailStatus, FamilyDelivery, Job, JobState, NewJob};
use chrono::Duration;
use lettre::message::Mailbox;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

/// Messages read from the database at a time.
const PAGE: i64 = 256;

/// The context shared by every message of one incident's notice.
async fn notice_context(worker: &Worker, incident_id: Uuid) -> anyhow::Result<Option<Value>> {
    let store = &worker.store;
    let (Some(incident), Some(notice)) = (
        store.incident(incident_id).await?,
        store.notice(incident_id).await?,
    ) else {
        return Ok(None);
    };
    let zone = worker.settings.timezone;
    let discovered = incident
        .events
        .iter()
        .find(|e| e.kind == crate::domain::ClockEvent::DISCOVERED)
        .map(|e| e.at.with_timezone(&zone).format("%B %-d, %Y").to_string());
    Ok(Some(json!({
        "district": worker.settings.district_name,
        "incident_id": incident.id,
        "what_happened": notice.what_happened,
        "discovered_on": discovered,
        "data_classes": incident.classification.classes.iter().map(|c| json!({"code": c, "description": c.describe()})).collect::<Vec<_>>(),
        "what_we_are_doing": notice.what_we_are_doing,
        "what_families_can_do": notice.what_families_can_do,
        "contact": notice.contact,
        "notice_url": super::publishing::page_url(&worker.settings, incident.id),
        "approved_at": notice.approved_at.map(|at| format_in_zone(at, zone)),
    })))
}

fn outgoing(
    worker: &Worker,
    base: &Value,
    incident_id: Uuid,
    delivery: &FamilyDelivery,
) -> Result<Outgoing, String> {
    let mut context = base.clone();
    context["guardian"] = json!(delivery.recipient.name);
    context["children"] = json!(delivery
        .recipient
        .children
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>());
    let template = worker
        .templates
        .family_notice_for(delivery.recipient.language.as_deref());
    let rendered = worker.templates.render(&template, &context)?;
    let to: Mailbox = delivery
        .email
        .recipient
        .parse()
        .map_err(|_| "the recipient address is not valid".to_owned())?;
    Ok(Outgoing {
        kind: KIND_FAMILY_NOTICE,
        incident_id: Some(incident_id),
        to,
        subject: rendered.subject,
        body: rendered.body,
        message_id: delivery.email.message_id.clone(),
    })
}

/// Runs one chunk job to the end of what is due now.
pub async fn run_chunk(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
    let (Some(incident_id), Some(chunk)) = (job.incident_id, job.payload["chunk"].as_i64()) else {
        worker
            .store
            .finish_job(
                job.id,
                worker.id(),
                JobState::Failed,
                Some("a fan-out job without its chunk"),
                worker.clock.now(),
            )
            .await?;
        return Ok(());
    };
    let Some(context) = notice_context(worker, incident_id).await? else {
        worker
            .store
            .finish_job(
                job.id,
                worker.id(),
                JobState::Cancelled,
                None,
                worker.clock.now(),
            )
            .await?;
        return Ok(());
    };

    // Keep the lease while the chunk is being sent.
    let lease =
        Duration::from_std(worker.settings.scheduler.lease).unwrap_or(Duration::seconds(30));
    let renewer = {
        let worker = Arc::clone(worker);
        let job_id = job.id;
        tokio::spawn(async move {
            let every = (lease / 3)
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(10));
            loop {
                tokio::time::sleep(every).await;
                let until = worker.clock.now() + lease;
                if !matches!(
                    worker.store.renew_lease(job_id, worker.id(), until).await,
                    Ok(true)
                ) {
                    break;
                }
            }
        })
    };
    let result = send_due(worker, incident_id, chunk, &context).await;
    renewer.abort();
    let (sent, failed) = result?;

    let now = worker.clock.now();
    let (pending, next_retry) = worker
        .store
        .family_chunk_pending(incident_id, chunk)
        .await?;
    if pending > 0 {
        let retry_at = next_retry.unwrap_or(now).max(now);
        worker
            .store
            .reschedule_job(
                job.id,
                worker.id(),
                retry_at,
                Some("deferred recipients"),
                now,
            )
            .await?;
        tracing::info!(job_id = %job.id, %incident_id, chunk, sent, failed, pending, "fan-out chunk deferred");
        return Ok(());
    }
    worker
        .store
        .finish_job(job.id, worker.id(), JobState::Done, None, now)
        .await?;
    tracing::info!(job_id = %job.id, %incident_id, chunk, sent, failed, "fan-out chunk done");
    complete_if_finished(worker, incident_id).await
}

/// Sends every message of the chunk that is due; returns (sent, failed).
async fn send_due(
    worker: &Arc<Worker>,
    incident_id: Uuid,
    chunk: i64,
    context: &Value,
) -> anyhow::Result<(u64, u64)> {
    let connections = worker.settings.email.max_connections.max(1) as usize;
    let (work_tx, work_rx) = mpsc::channel::<FamilyDelivery>(connections * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (record_tx, mut record_rx) =
        mpsc::channel::<(Attempt, oneshot::Sender<()>)>(connections * 2);

    // The recorder: group-commits outcomes, then releases their senders.
    let recorder = {
        let store = Arc::clone(&worker.store);
        tokio::spawn(async move {
            let (mut sent, mut failed) = (0u64, 0u64);
            while let Some(first) = record_rx.recv().await {
                let mut batch = vec![first];
                while let Ok(more) = record_rx.try_recv() {
                    batch.push(more);
                }
                let attempts: Vec<Attempt> = batch.iter().map(|(a, _)| a.clone()).collect();
                store.record_attempts(&attempts).await?;
                for (attempt, ack) in batch {
                    match attempt.outcome {
                        EmailStatus::Sent => sent += 1,
                        EmailStatus::Failed => failed += 1,
                        _ => {}
                    }
                    let _ = ack.send(());
                }
            }
            anyhow::Ok((sent, failed))
        })
    };

    let mut senders = Vec::new();
    for _ in 0..connections {
        let worker = Arc::clone(worker);
        let work_rx = Arc::clone(&work_rx);
        let record_tx = record_tx.clone();
        let context = context.clone();
        senders.push(tokio::spawn(async move {
            loop {
                let next = work_rx.lock().await.recv().await;
                let Some(delivery) = next else { break };
                // The process-wide send permits (email.max_connections) are
                // held until the outcome is committed: however many chunks
                // run at once, at most that many messages are ever sent
                // and not yet recorded.
                let Ok(_permit) = Arc::clone(&worker.sends).acquire_owned().await else {
                    break;
                };
                let outcome = match outgoing(&worker, &context, incident_id, &delivery) {
                    Ok(outgoing) => match message::build(&worker.settings.email.from, &outgoing) {
                        Ok(built) => {
                            if let Some(limiter) = &worker.limiter {
                                limiter.until_ready().await;
                            }
                            worker
                                .mailer
                                .send(built, worker.settings.email.timeout)
                                .await
                        }
                        Err(reason) => SendOutcome::Permanent(reason),
                    },
                    Err(reason) => SendOutcome::Permanent(reason),
                };
                let attempt = worker.attempt_for(&delivery.email, outcome);
                let (ack_tx, ack_rx) = oneshot::channel();
                if record_tx.send((attempt, ack_tx)).await.is_err() {
                    break;
                }
                // Wait for the commit: at most one unrecorded send per connection.
                if ack_rx.await.is_err() {
                    break;
                }
            }
        }));
    }
    drop(record_tx);

    // The feeder: reads due messages page by page (keyset by address is not
    // needed: a message leaves the due set once its outcome is recorded).
    let mut fed = std::collections::HashSet::new();
    loop {
        let page = worker
            .store
            .family_deliveries_due(incident_id, chunk, worker.clock.now(), PAGE)
            .await?;
        let fresh: Vec<FamilyDelivery> = page
            .into_iter()
            .filter(|d| fed.insert(d.email.id))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for delivery in fresh {
            if work_tx.send(delivery).await.is_err() {
                break;
            }
        }
    }
    drop(work_tx);
    for sender in senders {
        sender.await?;
    }
    recorder.await?
}

/// Completes the families' obligation once every message of the incident is
/// sent or has failed for good, and reports failures (as a count: families'
/// addresses stay in the deliveries listing).
async fn complete_if_finished(worker: &Worker, incident_id: Uuid) -> anyhow::Result<()> {
    let counts = worker.store.delivery_counts(incident_id).await?;
    let count = |status: EmailStatus| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    if count(EmailStatus::Queued) + count(EmailStatus::Deferred) > 0 {
        return Ok(());
    }
    let (sent, failed) = (count(EmailStatus::Sent), count(EmailStatus::Failed));
    let now = worker.clock.now();
    let note = format!("family notice sent to {sent} address(es); {failed} failed permanently");
    if super::complete_work(
        worker.store.as_ref(),
        incident_id,
        super::is_families_kind,
        note,
        now,
    )
    .await?
    {
        tracing::info!(%incident_id, sent, failed, "families' obligation completed by the fan-out");
    }
    if failed > 0 {
        let report = NewJob {
            id: Uuid::now_v7(),
            kind: crate::scheduler::planning::FAILURE_REPORT.into(),
            key: format!("failure-report:family-notice:{incident_id}"),
            payload: json!({
                "failures": [{
                    "kind": KIND_FAMILY_NOTICE,
                    "incident_id": incident_id,
                    "recipient": format!("{failed} famil{} (see GET /api/v1/incidents/{incident_id}/deliveries?status=failed)", if failed == 1 { "y" } else { "ies" }),
                    "reply": "permanent failure",
                }],
                "failed_recipients": [],
            }),
            due_at: now,
            state: JobState::Scheduled,
            incident_id: Some(incident_id),
            obligation_id: None,
            obligation_due: None,
            step_order: None,
            late: false,
        };
        worker.store.enqueue(&[report]).await?;
    }
    Ok(())
}
