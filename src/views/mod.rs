//! The JSON shapes users and scripts rely on (CONTRACT.md): an incident with
//! its classification and obligations, and an obligation with its sources.
//! Shared by the HTTP API and the CLI so that both answer alike. Every
//! timestamp is shown in the district's zone.

use crate::domain::timestamp::format_in_zone;
use crate::rules::SourcePlan;
use crate::store::{IncidentRecord, Job, JobState, ObligationRecord};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

/// How ids appear: the API shows them, `breachd deadlines` has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    Shown,
    Hidden,
}

fn time(instant: Option<DateTime<Utc>>, zone: Tz) -> Value {
    instant.map_or(Value::Null, |at| Value::String(format_in_zone(at, zone)))
}

/// `jobs` are the incident's jobs: each obligation lists its reminders.
pub fn incident(
    record: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[Job],
    now: DateTime<Utc>,
    zone: Tz,
    ids: Ids,
) -> Value {
    let mut body = Map::new();
    if ids == Ids::Shown {
        body.insert("id".into(), json!(record.id));
    }
    let events: Map<String, Value> = record
        .events
        .iter()
        .map(|event| (event.kind.clone(), time(Some(event.at), zone)))
        .collect();
    let settled = obligations.iter().all(|o| o.status(now).is_settled());
    body.insert("title".into(), json!(record.title));
    body.insert("description".into(), json!(record.description));
    body.insert("contractor".into(), json!(record.contractor));
    body.insert("own_systems".into(), json!(record.own_systems));
    body.insert("affected_students".into(), json!(record.affected_students));
    body.insert("data_elements".into(), json!(record.data_elements));
    body.insert(
        "status".into(),
        json!(if settled { "closed" } else { "open" }),
    );
    if ids == Ids::Shown {
        body.insert("filed_by".into(), json!(record.filed_by));
        body.insert("created_at".into(), time(Some(record.created_at), zone));
    }
    body.insert("events".into(), Value::Object(events));
    body.insert("classification".into(), json!(record.classification));
    body.insert(
        "obligations".into(),
        Value::Array(
            obligations
                .iter()
                .map(|o| {
                    let mut view = obligation(o, now, zone, ids);
                    if ids == Ids::Shown {
                        view["reminders"] =
                            reminders(jobs.iter().filter(|j| j.obligation_id == Some(o.id)), zone);
                    }
                    view
                })
                .collect(),
        ),
    );
    Value::Object(body)
}

/// An obligation's reminders: planned, sent, skipped or cancelled.
pub fn reminders<'a>(jobs: impl Iterator<Item = &'a Job>, zone: Tz) -> Value {
    let mut list: Vec<&Job> = jobs
        .filter(|j| j.kind == crate::scheduler::planning::REMINDER)
        .collect();
    list.sort_by_key(|j| (j.step_order, j.due_at));
    Value::Array(
        list.into_iter()
            .map(|job| {
                let state = match job.state {
                    JobState::Scheduled => "planned",
                    JobState::Done => "sent",
                    JobState::Skipped => "skipped",
                    JobState::Cancelled => "cancelled",
                    JobState::Failed => "failed",
                };
                let sent_late = job.state == JobState::Done
                    && job.finished_at.is_some_and(|at| {
                        at - job.due_at > crate::scheduler::escalation::LATE_AFTER
                    });
                json!({
                    "step": job.payload["label"],
                    "planned_at": time(Some(job.due_at), zone),
                    "state": state,
                    "late": job.late || sent_late,
                    "roles": job.payload["roles"],
                    "finished_at": time(job.finished_at, zone),
                })
            })
            .collect(),
    )
}

pub fn obligation(record: &ObligationRecord, now: DateTime<Utc>, zone: Tz, ids: Ids) -> Value {
    let status = record.status(now);
    let mut body = Map::new();
    if ids == Ids::Shown {
        body.insert("id".into(), json!(record.id));
        body.insert("incident_id".into(), json!(record.incident_id));
    }
    body.insert("kind".into(), json!(record.kind));
    body.insert("title".into(), json!(record.title));
    body.insert("party".into(), json!(record.party));
    body.insert("recipient".into(), json!(record.recipient));
    body.insert("status".into(), json!(status));
    body.insert("clock".into(), json!(record.clock));
    body.insert(
        "clock_started_at".into(),
        time(record.clock_started_at, zone),
    );
    body.insert("due_at".into(), time(record.due_at, zone));
    if let (Some(due), false) = (record.due_at, status.is_settled()) {
        body.insert("time_left".into(), json!(time_left(due - now)));
    }
    body.insert(
        "sources".into(),
        Value::Array(record.sources.iter().map(|s| source(s, zone)).collect()),
    );
    body.insert("completed_at".into(), time(record.completed_at, zone));
    body.insert("completion_note".into(), json!(record.completion_note));
    body.insert("waived_at".into(), time(record.waived_at, zone));
    body.insert("waive_reason".into(), json!(record.waive_reason));
    Value::Object(body)
}

fn source(source: &SourcePlan, zone: Tz) -> Value {
    json!({
        "rule": source.rule,
        "citation": source.citation,
        "source_url": source.source_url,
        "description": source.description,
        "within": source.within,
        "within_description": source.within.describe(),
        "clock": source.clock,
        "clock_started_at": time(source.clock_started_at, zone),
        "due_at": time(source.due_at, zone),
    })
}

/// "2d 3h left", "5h 12m overdue": coarse enough to read at a glance.
pub fn time_left(remaining: Duration) -> String {
    let (magnitude, suffix) = if remaining < Duration::zero() {
        (-remaining, "overdue")
    } else {
        (remaining, "left")
    };
    let days = magnitude.num_days();
    let hours = magnitude.num_hours() % 24;
    let minutes = magnitude.num_minutes() % 60;
    let text = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m")
    };
    format!("{text} {suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_at_a_glance() {
        assert_eq!(time_left(Duration::hours(51)), "2d 3h left");
        assert_eq!(time_left(Duration::minutes(-312)), "5h 12m overdue");
        assert_eq!(time_left(Duration::seconds(30)), "0m left");
    }
}
