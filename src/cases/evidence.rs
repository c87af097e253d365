//! The evidence of one incident: its timeline from the audit log, its
//! obligations with their sources, the notice's approval, a summary of
//! deliveries and the publication (with the checks of the website notice at
//! its public address), with the whole audit chain verified as part of the
//! export; and for the zip, every send attempt and the page as published.
//! The API answers it as JSON or a zip, the API and the pages as a
//! printable record (`views::evidence_html`).

use super::{Context, ServiceError};
use crate::domain::coverage::CoverageReport;
use crate::store::DeliveryAttemptRecord;
use crate::views::{self, Ids};
use uuid::Uuid;

/// The evidence document of `id`, with the coverage report it was made
/// from (the zip's per-student CSV files are written from it).
pub async fn document(
    cases: &Context,
    id: Uuid,
) -> Result<(views::Evidence, CoverageReport), ServiceError> {
    let (incident, obligations) = cases.incident(id).await?;
    let jobs = cases.incident_jobs(id).await?;
    let now = cases.now();
    let zone = cases.settings.timezone;

    // The whole chain is checked, not only this incident's entries: an
    // entry removed elsewhere would break the proof as much as one here.
    let chain = cases.verify_audit().await?;
    let records = views::EvidenceRecords {
        district: cases.settings.district_name.clone(),
        jurisdiction: cases.settings.jurisdiction.clone(),
        timeline: cases.incident_audit(id).await?,
        audit_chain: views::AuditChain::new(chain),
        notice: cases.notice(id).await?,
        roster: cases.roster(id).await?.0,
        delivery_counts: cases.delivery_counts(id).await?,
        verify: cases.settings.publish_verify,
        website_checks: cases.website_checks(id).await?,
    };
    let incident = views::incident(&incident, &obligations, &jobs, now, zone, Ids::Shown);
    let coverage = cases.coverage(id).await?;
    let mut document = views::evidence(incident, records, now, zone);
    document.coverage = (!coverage.students.is_empty()).then(|| views::letters(&coverage, zone));
    document.bounces = views::evidence_bounces(&cases.bounces(id).await?, zone);
    Ok((document, coverage))
}

/// What the zip carries besides the document: every send attempt of the
/// family notice, and the website notice's page as published (from the
/// database, else from `publish.dir`).
pub async fn attachments(cases: &Context, id: Uuid) -> Result<Attachments, ServiceError> {
    let slug = crate::site::PublicNotice::slug_for(id);
    let name = format!("{slug}.html");
    let page = match cases.site_file(&name).await? {
        Some(file) => Some(file.body.into_bytes()),
        None => {
            let path = cases.settings.publish_dir.join(&name);
            tokio::task::spawn_blocking(move || std::fs::read(path).ok())
                .await
                .ok()
                .flatten()
        }
    };
    Ok(Attachments {
        attempts: cases.delivery_attempts(id).await?,
        notice_page: page,
    })
}

/// See [`attachments`].
pub struct Attachments {
    pub attempts: Vec<DeliveryAttemptRecord>,
    pub notice_page: Option<Vec<u8>>,
}
