//! Reporting a job that died (its handler kept failing past
//! `scheduler.max_attempts`) to the privacy officer: what kind of work, for
//! which incident by title and page, when it stopped and the last error.
//! The store plans this report in the transaction that parks the job, so a
//! death is reported once; a report that itself dies is not reported.

use super::delivery::deliver;
use super::officer::{incident_fields, to_privacy_officer};
use crate::email::message::KIND_DEAD_JOB;
use crate::scheduler::Worker;
use crate::store::{Job, JobKind};
use chrono::{DateTime, Utc};
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    // People read this: the work in words, the incident by its title and
    // page, the time in the district's zone, never raw ids or kind names.
    let what = JobKind::parse(job.payload["kind"].as_str().unwrap_or_default()).in_words();
    let died_at = job.payload["died_at"]
        .as_str()
        .and_then(|at| at.parse::<DateTime<Utc>>().ok())
        .unwrap_or(job.due_at)
        .with_timezone(&worker.settings.timezone)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string();
    let incident = match job.incident_id {
        Some(id) => worker.store.incident(id).await?,
        None => None,
    };
    let (incident_title, incident_url) = incident_fields(worker, incident.as_ref());
    let context = json!({
        "district": worker.settings.district_name,
        "what": what,
        "died_at": died_at,
        "error": job.payload["error"].as_str().unwrap_or("(none recorded)"),
        "incident_title": incident_title,
        "incident_url": incident_url,
    });
    let planned = to_privacy_officer(worker, "dead-job.txt", &context, |_| true)?;
    if planned.is_empty() {
        tracing::error!(job_id = %job.id, "a job that stopped could not be reported: no privacy officer is configured");
    }
    let incident = job.incident_id;
    deliver(worker, &job, KIND_DEAD_JOB, incident, planned).await
}
