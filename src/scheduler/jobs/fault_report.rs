//! A family notice that could not be built during the fan-out: breachd's
//! fault (a template that fails for some family's data), not a delivery
//! failure. Nobody is marked failed; the chunk's unsent messages stay
//! planned; the chunk job is retried with backoff like any job whose handler
//! failed and, past `scheduler.max_attempts` claims, parked as dead (the
//! store then plans the dead-job report). The privacy officer is told at the
//! first fault of an incident's notice, by email, with the error (which
//! names the template and its line, never a family).

use super::delivery::deliver;
use super::officer::{incident_fields, to_privacy_officer};
use crate::email::message::KIND_NOTICE_FAULT;
use crate::scheduler::{planning, Worker};
use crate::store::{Job, JobState};
use serde_json::json;
use uuid::Uuid;

/// Retries the faulted chunk later or parks it, and plans the alert.
pub(crate) async fn chunk_faulted(
    worker: &Worker,
    job: &Job,
    incident_id: Uuid,
    chunk: i64,
    fault: &str,
) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let text = format!("a family notice could not be built: {fault}");
    let parked = job.attempts >= worker.settings.scheduler.max_attempts;
    if parked {
        crate::metrics::job_parked(job.kind.as_str());
        worker
            .store
            .finish_job(job.id, worker.id(), JobState::Dead, Some(&text), now)
            .await?;
        tracing::error!(job_id = %job.id, %incident_id, chunk, attempts = job.attempts, error = text, "fan-out chunk kept failing to build its messages and is parked as dead");
        return Ok(());
    }
    let attempt = u32::try_from(job.attempts).unwrap_or(u32::MAX);
    let retry_at = now + worker.backoff.delay(attempt);
    worker
        .store
        .reschedule_job(job.id, worker.id(), retry_at, Some(&text), now)
        .await?;
    tracing::error!(job_id = %job.id, %incident_id, chunk, attempts = job.attempts, error = text, "fan-out chunk stopped on a message it could not build; it will be retried with backoff");
    let report = planning::fault_report(incident_id, fault, retry_at, now);
    worker.store.enqueue(&[report], now).await?;
    Ok(())
}

/// The alert to the privacy officer (a `failure_report` job whose payload
/// carries `fault`).
pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    // People read this: the incident by its title and page, times in the
    // district's zone, never raw ids or kind names.
    let incident = match job.incident_id {
        Some(id) => worker.store.incident(id).await?,
        None => None,
    };
    let retry_local = job.payload["retry_at"]
        .as_str()
        .and_then(|at| at.parse::<chrono::DateTime<chrono::Utc>>().ok())
        .map(|at| crate::domain::timestamp::readable_in_zone(at, worker.settings.timezone));
    let (incident_title, incident_url) = incident_fields(worker, incident.as_ref());
    let context = json!({
        "district": worker.settings.district_name,
        "error": job.payload["fault"].as_str().unwrap_or("(none recorded)"),
        "retry_local": retry_local,
        "incident_title": incident_title,
        "incident_url": incident_url,
    });
    let planned = to_privacy_officer(worker, "notice-fault.txt", &context, |_| true)?;
    if planned.is_empty() {
        tracing::error!(job_id = %job.id, "a family notice that could not be built was not reported: no privacy officer is configured");
    }
    let incident = job.incident_id;
    deliver(worker, &job, KIND_NOTICE_FAULT, incident, planned).await
}

/// Whether a failure-report job is a fault alert.
pub(crate) fn is_fault_report(job: &Job) -> bool {
    job.payload.get("fault").is_some()
}
