//! The evidence of one incident: its timeline from the audit log, its
//! obligations with their sources, the notice's approval, a summary of
//! deliveries and the publication, with the whole audit chain verified as
//! part of the export. The API answers it as JSON or a zip, the API and the
//! pages as a printable record (`views::evidence_html`).

use super::{Context, ServiceError};
use crate::domain::coverage::CoverageReport;
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
    };
    let incident = views::incident(&incident, &obligations, &jobs, now, zone, Ids::Shown);
    let coverage = cases.coverage(id).await?;
    let mut document = views::evidence(incident, records, now, zone);
    document.coverage = (!coverage.students.is_empty()).then(|| views::letters(&coverage, zone));
    document.bounces = views::evidence_bounces(&cases.bounces(id).await?, zone);
    Ok((document, coverage))
}
