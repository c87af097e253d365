//! A reminder step: one email per contact of the step's roles, listing every
//! duty of the incident whose reminder falls at the same step and instant
//! (one message per person per step, not one per obligation). A step is
//! skipped when a later one is already due and cancelled when the obligation
//! was settled or re-planned. Past the due time the next overdue repeat is
//! planned before this one is sent, so a crash cannot end the chain.
//!
//! The steps folded into this one's message are named in its payload, then
//! ended (`Store::fold_reminders`, one row per statement, so it cannot
//! deadlock with a re-plan; on SQLite a group of folds shares a commit); a
//! re-run after a crash sends those it had ended (`Store::folded_by`), so
//! none is lost, and a step another instance had leased is left to it, so
//! none is sent twice.

use super::delivery::{deliver, Planned};
use crate::domain::timestamp::readable_in_zone;
use crate::domain::{ObligationStatus, Party, Subject};
use crate::email::message::KIND_REMINDER;
use crate::scheduler::escalation::{self, LATE_AFTER};
use crate::scheduler::planning;
use crate::scheduler::Worker;
use crate::store::{FoldedReminder, Job, JobState, ObligationRecord};
use crate::views::time_left;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::Mailbox;
use serde_json::{json, Value};

/// What one step's checks decided.
enum Check {
    Send(Box<ObligationRecord>),
    /// Ended with this state (the obligation gone, re-planned, on hold or
    /// passed over by a later step).
    End(JobState),
    /// Settled: every planned job of the obligation was cancelled.
    Settled,
}

/// The checks every step passes before it is sent, its own or folded.
async fn check(
    worker: &Worker,
    obligation_id: uuid::Uuid,
    order: i64,
    planned_due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Check> {
    let Some(obligation) = worker.store.obligation(obligation_id).await? else {
        return Ok(Check::End(JobState::Cancelled));
    };
    if obligation.status(now).is_settled() {
        worker
            .store
            .cancel_obligation_jobs(obligation_id, now)
            .await?;
        return Ok(Check::Settled);
    }
    if obligation.due_at != planned_due {
        // Re-planned for a new due time; the new plan has its own jobs.
        return Ok(Check::End(JobState::Cancelled));
    }
    if worker
        .store
        .later_reminder_due(obligation_id, order, now)
        .await?
    {
        tracing::info!(%obligation_id, "reminder skipped: a later step is due");
        return Ok(Check::End(JobState::Skipped));
    }
    if obligation.on_hold {
        // A law-enforcement delay holds the clock: nothing is due to remind of.
        return Ok(Check::End(JobState::Skipped));
    }
    Ok(Check::Send(Box::new(obligation)))
}

fn roles_of(payload: &Value) -> Vec<String> {
    serde_json::from_value(payload["roles"].clone()).unwrap_or_default()
}

/// After the due time, the next overdue repeat is planned before this step
/// is sent, so that a crash cannot end the chain.
async fn plan_next_repeat(
    worker: &Worker,
    obligation: &ObligationRecord,
    roles: &[String],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let Some(due) = obligation.due_at else {
        return Ok(());
    };
    if now >= due {
        if let Some(next) = escalation::next_repeat(&worker.settings.escalation, due, now, roles) {
            worker
                .store
                .enqueue(&[planning::reminder_job(obligation, due, &next)], now)
                .await?;
        }
    }
    Ok(())
}

/// One duty as the message lists it.
fn duty(obligation: &ObligationRecord, no_fixed_time: bool, now: DateTime<Utc>, zone: Tz) -> Value {
    let due = obligation.due_at.unwrap_or(now);
    let operative = obligation
        .sources
        .iter()
        .filter(|s| s.due_at.is_some())
        .min_by_key(|s| s.due_at)
        .map(|s| s.citation.clone())
        .unwrap_or_default();
    json!({
        "id": obligation.id,
        "kind": obligation.kind,
        "title": obligation.title,
        "party": obligation.party,
        "recipient": obligation.recipient,
        "no_fixed_time": no_fixed_time,
        "overdue": obligation.status(now) == ObligationStatus::Overdue,
        "time_text": time_left(due - now).trim_end_matches(" left").trim_end_matches(" overdue"),
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
    })
}

/// Runs one step; returns the steps it folded into its message (ended, so
/// the rest of its batch's group skips them without asking the database).
pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<Vec<uuid::Uuid>> {
    let mut folded = Vec::new();
    send(worker, job, &mut folded).await?;
    Ok(folded)
}

async fn send(worker: &Worker, job: Job, ended: &mut Vec<uuid::Uuid>) -> anyhow::Result<()> {
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
    let obligation = match check(worker, obligation_id, order, job.obligation_due, now).await? {
        Check::Send(obligation) => *obligation,
        Check::End(state) => return worker.finish(&job, state, None).await,
        Check::Settled => return Ok(()),
    };
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
    let label = job.payload["label"]
        .as_str()
        .unwrap_or("reminder")
        .to_owned();
    let roles = roles_of(&job.payload);
    if !no_fixed_time {
        plan_next_repeat(worker, &obligation, &roles, now).await?;
    }
    let subject = obligation.subject;
    // What the duty is owed about, in words: a request's title is its kind
    // and reference, never the requester's name; a contract's, its title.
    let title = match subject {
        Subject::Incident(id) => worker.store.incident(id).await?.map(|i| i.title),
        Subject::Request(id) => worker.store.privacy_request(id).await?.map(|r| r.title()),
        Subject::Contract(id) => worker.store.contract(id).await?.map(|c| c.contract.title),
    };
    let Some(title) = title else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let zone = worker.settings.timezone;
    // Every duty of this step: this one, then those folded into it (read
    // back from the payload after a crash, then newly folded).
    let mut duties: Vec<(ObligationRecord, Vec<String>)> = vec![(obligation, roles)];
    if !no_fixed_time {
        // After a crash, the steps this one had already folded (named in
        // its payload and ended); then those folded now.
        let named: Vec<FoldedReminder> =
            serde_json::from_value(job.payload["folded"].clone()).unwrap_or_default();
        let mut folded = if named.is_empty() {
            Vec::new()
        } else {
            worker.store.folded_by(&job, named).await?
        };
        // With the other steps folding at this moment: one commit for all.
        folded.extend(
            worker
                .folds
                .write((job.clone(), worker.id().to_owned()))
                .await?,
        );
        ended.extend(folded.iter().map(|step| step.job_id));
        for step in folded {
            let planned = step.obligation_due;
            if let Check::Send(other) =
                check(worker, step.obligation_id, step.step_order, planned, now).await?
            {
                let roles = roles_of(&step.payload);
                plan_next_repeat(worker, &other, &roles, now).await?;
                if !duties.iter().any(|(o, _)| o.id == other.id) {
                    duties.push((*other, roles));
                }
            }
        }
    }
    // A cadence point has no step to be late for.
    let late = !no_fixed_time && (job.late || now - job.due_at > LATE_AFTER);
    // One message per person, listing the duties whose roles name them.
    let mut people: Vec<(Mailbox, Vec<usize>)> = Vec::new();
    for (index, (_, roles)) in duties.iter().enumerate() {
        for mailbox in worker.addresses(roles) {
            match people.iter_mut().find(|(m, _)| m.email == mailbox.email) {
                Some((_, listed)) => listed.push(index),
                None => people.push((mailbox, vec![index])),
            }
        }
    }
    let mut planned = Vec::with_capacity(people.len());
    for (recipient, listed) in people {
        let items: Vec<Value> = listed
            .iter()
            .map(|&i| duty(&duties[i].0, no_fixed_time, now, zone))
            .collect();
        let first = items[0].clone();
        let context = json!({
            "district": worker.settings.district_name,
            "district_zone": zone.name(),
            "step": label,
            "late": late,
            // When the step was planned for, said when it is sent late.
            "planned_local": readable_in_zone(job.due_at, zone),
            "overdue": items.iter().any(|o| o["overdue"] == true),
            "no_fixed_time": no_fixed_time,
            "time_text": first["time_text"],
            "incident": { "title": title },
            "is_request": matches!(subject, Subject::Request(_)),
            "is_contract": matches!(subject, Subject::Contract(_)),
            // The page where the person acts (`server.public_url`), if known:
            // the incident's, the request's or the contract's.
            "incident_url": worker
                .settings
                .public_url
                .as_ref()
                .map(|base| format!("{base}{}", subject.page_path())),
            "has_contractor_duty": listed.iter().any(|&i| duties[i].0.party == Party::Contractor),
            "has_district_duty": listed.iter().any(|&i| duties[i].0.party != Party::Contractor),
            "obligation": first,
            "obligations": items,
        });
        let rendered = worker
            .templates
            .render("reminder.txt", &context)
            .map_err(anyhow::Error::msg)?;
        planned.push(Planned {
            recipient,
            subject: rendered.subject,
            body: rendered.body,
            obligations: listed.iter().map(|&i| duties[i].0.id).collect(),
        });
    }
    deliver(worker, &job, KIND_REMINDER, subject.incident(), planned).await
}
