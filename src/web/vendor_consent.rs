//! The vendor page's consent campaigns (staff only): for each campaign the
//! students consented, declined and not answered, and the onboardable
//! students (the consented ones only), by name and student id.

use crate::cases::ServiceError;
use crate::domain::consent::StudentStatus;
use crate::domain::timestamp::readable_in_zone;
use crate::state::AppState;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
pub(super) struct OnboardableRow {
    student_id: String,
    name: String,
}

#[derive(Serialize)]
pub(super) struct CampaignBlock {
    started: String,
    description: String,
    privacy_policy_url: String,
    guardians: i64,
    students: usize,
    consented: usize,
    declined: usize,
    no_answer: usize,
    /// Students no guardian could be emailed about (staff record a paper
    /// answer through the API).
    unreachable: usize,
    onboardable: Vec<OnboardableRow>,
}

pub(super) async fn campaigns(
    state: &AppState,
    vendor_id: Uuid,
) -> Result<Vec<CampaignBlock>, ServiceError> {
    let zone = state.settings.timezone;
    let standings = state.cases.consent_campaigns(vendor_id).await?;
    Ok(standings
        .iter()
        .map(|standing| CampaignBlock {
            started: readable_in_zone(standing.campaign.created_at, zone),
            description: standing.campaign.description.clone(),
            privacy_policy_url: standing.campaign.privacy_policy_url.clone(),
            guardians: standing.campaign.guardians,
            students: standing.students.len(),
            consented: standing.count(StudentStatus::Consented),
            declined: standing.count(StudentStatus::Declined),
            no_answer: standing.count(StudentStatus::NoAnswer),
            unreachable: standing
                .students
                .iter()
                .filter(|s| s.guardians == 0)
                .count(),
            onboardable: standing
                .onboardable()
                .map(|s| OnboardableRow {
                    student_id: s.student.student_id.clone(),
                    name: s.student.name.clone(),
                })
                .collect(),
        })
        .collect())
}
