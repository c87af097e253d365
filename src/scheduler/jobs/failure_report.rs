//! Reporting permanent delivery failures to the privacy officer, never to
//! the address that failed (no loops), and never naming a family's address.

use super::delivery::{deliver, Planned};
use crate::email::message::KIND_DELIVERY_FAILURE;
use crate::scheduler::Worker;
use crate::store::Job;
use serde_json::json;
use std::sync::Arc;

pub(crate) async fn run(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
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
    let context = json!({
        "district": worker.settings.district_name,
        "failures": failures,
        "incident_title": incident.as_ref().map(|i| i.title.clone()),
        "incident_url": incident.as_ref().and_then(|i| {
            worker
                .settings
                .public_url
                .as_ref()
                .map(|base| format!("{base}/incidents/{}", i.id))
        }),
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
            obligations: Vec::new(),
        })
        .collect();
    if planned.is_empty() {
        tracing::error!(job_id = %job.id, "a delivery failure could not be reported: the privacy officer's own address failed");
    }
    let incident = job.incident_id;
    deliver(worker, &job, KIND_DELIVERY_FAILURE, incident, planned).await
}
