//! Reporting permanent delivery failures to the privacy officer, never to
//! the address that failed (no loops), and never naming a family's address.

use super::delivery::deliver;
use super::officer::{incident_fields, to_privacy_officer};
use crate::email::message::KIND_DELIVERY_FAILURE;
use crate::scheduler::Worker;
use crate::store::Job;
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    // A fault alert rides on this job kind; it has its own wording.
    if super::fault_report::is_fault_report(&job) {
        return super::fault_report::run(worker, job).await;
    }
    let failed: Vec<String> = job.payload["failed_recipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_lowercase))
        .collect();
    // People read this: the kind of message in words, the incident by its
    // title and page, never raw ids.
    let incident = match job.incident_id {
        Some(id) => worker.store.incident(id).await?,
        None => None,
    };
    let failures: Vec<serde_json::Value> = job.payload["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|failure| {
            json!({
                "what": match failure["kind"].as_str() {
                    Some(crate::email::message::KIND_REMINDER) => "a reminder",
                    Some(crate::email::message::KIND_DIGEST) => "the daily digest",
                    Some(crate::email::message::KIND_FAMILY_NOTICE) => "the notice to a family",
                    _ => "a message",
                },
                "recipient": failure["recipient"],
                "reply": failure["reply"],
            })
        })
        .collect();
    let (incident_title, incident_url) = incident_fields(worker, incident.as_ref());
    let context = json!({
        "district": worker.settings.district_name,
        "failures": failures,
        "incident_title": incident_title,
        "incident_url": incident_url,
    });
    // Never report a failure to the address that failed: no loops.
    let planned = to_privacy_officer(worker, "delivery-failure.txt", &context, |m| {
        !failed.contains(&m.email.to_string().to_lowercase())
    })?;
    if planned.is_empty() {
        tracing::error!(job_id = %job.id, "a delivery failure could not be reported: the privacy officer's own address failed");
    }
    let incident = job.incident_id;
    deliver(worker, &job, KIND_DELIVERY_FAILURE, incident, planned).await
}
