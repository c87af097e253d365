//! Reporting permanent delivery failures to the privacy officer, never to
//! the address that failed (no loops), and never naming a family's address.

use super::delivery::{deliver, Planned};
use crate::email::message::KIND_DELIVERY_FAILURE;
use crate::scheduler::Worker;
use crate::store::Job;
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let failed: Vec<String> = job.payload["failed_recipients"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_lowercase))
        .collect();
    let context = json!({
        "district": worker.settings.district_name,
        "failures": job.payload["failures"],
    });
    let rendered = worker
        .templates
        .render("delivery-failure.txt", &context)
        .map_err(anyhow::Error::msg)?;
    // Never report a failure to the address that failed: no loops.
    let planned: Vec<Planned> = worker
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
    deliver(worker, &job, KIND_DELIVERY_FAILURE, incident, planned).await
}
