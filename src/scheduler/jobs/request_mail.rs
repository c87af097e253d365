//! The receipt and the answer of a family's privacy request, emailed to its
//! requester through `delivery` (planned in the database first, retried on
//! a temporary failure, a permanent one reported to the privacy officer).
//! The message names the request by its reference, never by its id, and
//! gives times in the district's zone.

use super::delivery::{deliver, Planned};
use crate::domain::timestamp::readable_in_zone;
use crate::email::message::{KIND_REQUEST_ANSWER, KIND_REQUEST_RECEIPT};
use crate::scheduler::planning::RequestMail;
use crate::scheduler::Worker;
use crate::store::{Job, JobState};
use lettre::message::Mailbox;
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let request_id = job.payload_id("request_id");
    let mail = job.payload["mail"].as_str().and_then(RequestMail::parse);
    let (Some(request_id), Some(mail)) = (request_id, mail) else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a request email without its request"),
            )
            .await;
    };
    let Some(request) = worker.store.privacy_request(request_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let Ok(address) = request.requester_email.parse() else {
        // Checked when the request was filed; a stored address that no
        // longer parses cannot be sent to. The address is not logged.
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("the requester's address does not parse"),
            )
            .await;
    };
    let zone = worker.settings.timezone;
    let obligations = worker.store.request_obligations(request_id).await?;
    let due = obligations.iter().filter_map(|o| o.due_at).min();
    let context = json!({
        "district": worker.settings.district_name,
        "name": request.requester_name,
        "reference": request.reference.as_str(),
        "kind_noun": request.kind.noun(),
        "received_local": readable_in_zone(request.received_at, zone),
        "due_local": due.map(|due| readable_in_zone(due, zone)),
        "summary": request.summary,
        "answer": request.answer,
        "answered_local": request.answered_at.map(|at| readable_in_zone(at, zone)),
    });
    let (template, kind) = match mail {
        RequestMail::Receipt => ("request-receipt.txt", KIND_REQUEST_RECEIPT),
        RequestMail::Answer => ("request-answer.txt", KIND_REQUEST_ANSWER),
    };
    let rendered = worker
        .templates
        .render(template, &context)
        .map_err(anyhow::Error::msg)?;
    let recipient = Mailbox::new(Some(request.requester_name.clone()), address);
    let planned = vec![Planned {
        recipient,
        subject: rendered.subject,
        body: rendered.body,
        obligations: Vec::new(),
    }];
    deliver(worker, &job, kind, None, planned).await
}
