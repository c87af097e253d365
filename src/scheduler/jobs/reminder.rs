//! A reminder step: one email per contact of the step's roles about one
//! obligation, skipped when a later step is already due and cancelled when
//! the obligation was settled or re-planned. Past the due time the next
//! overdue repeat is planned before this one is sent, so a crash cannot end
//! the chain.

use super::delivery::{deliver, Planned};
use crate::domain::timestamp::readable_in_zone;
use crate::domain::ObligationStatus;
use crate::email::message::KIND_REMINDER;
use crate::scheduler::escalation::{self, LATE_AFTER};
use crate::scheduler::planning;
use crate::scheduler::Worker;
use crate::store::{Job, JobState};
use crate::views::time_left;
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let (Some(obligation_id), Some(order)) = (job.obligation_id, job.step_order) else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a reminder without an obligation"),
            )
            .await;
    };
    let Some(obligation) = worker.store.obligation(obligation_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    if obligation.status(now).is_settled() {
        worker
            .store
            .cancel_obligation_jobs(obligation_id, now)
            .await?;
        return Ok(());
    }
    if obligation.due_at != job.obligation_due {
        // Re-planned for a new due time; the new plan has its own jobs.
        return worker.finish(&job, JobState::Cancelled, None).await;
    }
    if worker
        .store
        .later_reminder_due(obligation_id, order, now)
        .await?
    {
        tracing::info!(job_id = %job.id, %obligation_id, "reminder skipped: a later step is due");
        return worker.finish(&job, JobState::Skipped, None).await;
    }
    if obligation.on_hold {
        // A law-enforcement delay holds the clock: nothing is due to remind of.
        return worker.finish(&job, JobState::Skipped, None).await;
    }
    let asap_point = job.payload["asap_point"].as_i64();
    if let (Some(point), Some(start)) = (asap_point, obligation.clock_started_at) {
        // The next point of the cadence is planned before this one is sent,
        // so that a crash cannot end the chain.
        worker
            .store
            .enqueue(
                &[planning::asap_reminder_job(
                    &obligation,
                    &worker.settings.escalation,
                    start,
                    point + 1,
                )],
                now,
            )
            .await?;
    }
    let no_fixed_time = asap_point.is_some();
    let due = obligation.due_at.unwrap_or(now);
    let label = job.payload["label"]
        .as_str()
        .unwrap_or("reminder")
        .to_owned();
    let roles: Vec<String> =
        serde_json::from_value(job.payload["roles"].clone()).unwrap_or_default();
    // After the due time, the next overdue repeat is planned before this
    // one is sent, so that a crash cannot end the chain.
    if now >= due && !no_fixed_time {
        if let Some(next) = escalation::next_repeat(&worker.settings.escalation, due, now, &roles) {
            worker
                .store
                .enqueue(&[planning::reminder_job(&obligation, due, &next)], now)
                .await?;
        }
    }
    let Some(incident) = worker.store.incident(obligation.incident_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let zone = worker.settings.timezone;
    // A cadence point has no step to be late for.
    let late = !no_fixed_time && (job.late || now - job.due_at > LATE_AFTER);
    let status = obligation.status(now);
    let operative = obligation
        .sources
        .iter()
        .filter(|s| s.due_at.is_some())
        .min_by_key(|s| s.due_at)
        .map(|s| s.citation.clone())
        .unwrap_or_default();
    let context = json!({
        "district": worker.settings.district_name,
        "district_zone": zone.name(),
        "step": label,
        "late": late,
        // When the step was planned for, said when it is sent late.
        "planned_local": readable_in_zone(job.due_at, zone),
        "overdue": status == ObligationStatus::Overdue,
        "no_fixed_time": no_fixed_time,
        "time_text": time_left(due - now).trim_end_matches(" left").trim_end_matches(" overdue"),
        "incident": { "id": incident.id, "title": incident.title },
        // The page where the person acts (`server.public_url`), if known.
        "incident_url": worker
            .settings
            .public_url
            .as_ref()
            .map(|base| format!("{base}/incidents/{}", incident.id)),
        "obligation": {
            "id": obligation.id,
            "kind": obligation.kind,
            "title": obligation.title,
            "party": obligation.party,
            "recipient": obligation.recipient,
            "due_local": if no_fixed_time {
                "as soon as practicable (the law sets no fixed time)".to_owned()
            } else {
                readable_in_zone(due, zone)
            },
            "citation": operative,
            "sources": obligation.sources.iter().map(|s| json!({
                "citation": s.citation,
                "within": s.within.describe(),
                "due_local": s.due_at.map(|d| readable_in_zone(d, zone)),
            })).collect::<Vec<_>>(),
        },
    });
    let rendered = worker
        .templates
        .render("reminder.txt", &context)
        .map_err(anyhow::Error::msg)?;
    let planned: Vec<Planned> = worker
        .addresses(&roles)
        .into_iter()
        .map(|recipient| Planned {
            recipient,
            subject: rendered.subject.clone(),
            body: rendered.body.clone(),
        })
        .collect();
    deliver(worker, &job, KIND_REMINDER, Some(incident.id), planned).await
}
