//! A consent campaign's requests: one message per guardian, in the
//! guardian's language when the district has a `consent-request` variant
//! for it, each with the guardian's own signed link
//! (`{server.public_url}/consent/{token}`). Sent through `delivery`, the
//! path of the privacy requests' mail: every message is planned in the
//! database before the first is sent, a temporary failure is retried, a
//! permanent one reported to the privacy officer without the address. A
//! campaign is hundreds to a few thousand guardians, which that path
//! carries in one job; the family fan-out's chunks are for an incident's
//! whole roster.

use super::delivery::{deliver, Planned};
use crate::domain::consent::first_name;
use crate::email::message::KIND_CONSENT_REQUEST;
use crate::scheduler::Worker;
use crate::store::{Job, JobState};
use lettre::message::Mailbox;
use serde_json::json;
use std::collections::HashMap;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let campaign_id = job.payload_id("campaign_id");
    let Some(campaign_id) = campaign_id else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a consent request without its campaign"),
            )
            .await;
    };
    let Some(campaign) = worker.store.consent_campaign(campaign_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let Some(vendor) = worker.store.vendor(campaign.vendor_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let Some(base) = worker.settings.public_url.as_deref() else {
        // Checked when the campaign started; without it no link can be given.
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("server.public_url is not set, so the consent link cannot be built"),
            )
            .await;
    };
    let base = base.trim_end_matches('/');
    let names: HashMap<String, String> = worker
        .store
        .consent_students(campaign_id)
        .await?
        .into_iter()
        .map(|student| (student.student_id, student.name))
        .collect();
    let guardians = worker.store.consent_guardians(campaign_id).await?;
    let mut planned = Vec::with_capacity(guardians.len());
    for guardian in &guardians {
        // The roster's addresses were checked when the campaign started; one
        // that no longer parses is skipped (never logged: it is personal).
        let Ok(address) = guardian.email.parse() else {
            continue;
        };
        let children: Vec<&str> = guardian
            .student_ids
            .iter()
            .filter_map(|id| names.get(id).map(|name| first_name(name)))
            .collect();
        let context = json!({
            "district": worker.settings.district_name,
            "guardian": guardian.name,
            "vendor": vendor.vendor.name,
            "children": children,
            "description": campaign.description,
            "privacy_policy_url": campaign.privacy_policy_url,
            "consent_url": format!("{base}/consent/{}", worker.consent.token(guardian.id)),
        });
        let template = worker
            .templates
            .for_language("consent-request", guardian.language.as_deref());
        let rendered = worker
            .templates
            .render_private(&template, &context)
            .map_err(anyhow::Error::msg)?;
        planned.push(Planned {
            recipient: Mailbox::new(Some(guardian.name.clone()), address),
            subject: rendered.subject,
            body: rendered.body,
            obligations: Vec::new(),
        });
    }
    deliver(worker, &job, KIND_CONSENT_REQUEST, None, planned).await
}
