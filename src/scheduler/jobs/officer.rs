//! What every report to the privacy officer shares (a delivery that failed,
//! a job that died, a notice that could not be built, an agreement about to
//! expire): the link to the incident's page and one copy of the rendered
//! email for each privacy-officer address.

use super::delivery::Planned;
use crate::scheduler::Worker;
use crate::store::IncidentRecord;
use lettre::message::Mailbox;
use serde_json::Value;

/// The incident's title and the address of its page, for a report's
/// template (`incident_title`, `incident_url`; null when not known).
pub(super) fn incident_fields(
    worker: &Worker,
    incident: Option<&IncidentRecord>,
) -> (Option<String>, Option<String>) {
    let title = incident.map(|i| i.title.clone());
    let url = incident.and_then(|i| {
        worker
            .settings
            .public_url
            .as_ref()
            .map(|base| format!("{base}/incidents/{}", i.id))
    });
    (title, url)
}

/// `template` rendered once and addressed to every privacy officer that
/// `keep` lets through (a failure report leaves out an address that failed).
pub(super) fn to_privacy_officer(
    worker: &Worker,
    template: &str,
    context: &Value,
    keep: impl Fn(&Mailbox) -> bool,
) -> anyhow::Result<Vec<Planned>> {
    let rendered = worker
        .templates
        .render(template, context)
        .map_err(anyhow::Error::msg)?;
    Ok(worker
        .addresses(&["privacy_officer".to_owned()])
        .into_iter()
        .filter(|recipient| keep(recipient))
        .map(|recipient| Planned {
            recipient,
            subject: rendered.subject.clone(),
            body: rendered.body.clone(),
            obligations: Vec::new(),
        })
        .collect())
}
