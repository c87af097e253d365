//! A consent campaign as the API answers it (staff only: it names students
//! and counts guardians), with each student's standing and the onboardable
//! students (the consented ones only).

use super::{time, RejectedRow};
use crate::roster::ImportReport;
use crate::store::{CampaignStanding, StudentStanding};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentCounts {
    pub students: usize,
    /// Guardian addresses asked (each was sent one consent request).
    pub guardians: i64,
    pub consented: usize,
    pub declined: usize,
    pub no_answer: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentAnswerView {
    /// `consented` or `declined`.
    #[schema(example = "consented")]
    pub answer: &'static str,
    /// `link` (the guardian, through the emailed link), `paper`, `phone`,
    /// `email` or `in_person` (recorded by staff).
    #[schema(example = "link")]
    pub received: &'static str,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentStudentView {
    /// The district's student id, as the roster gave it.
    pub student_id: String,
    pub name: String,
    /// `consented`, `declined` (any guardian's decline wins) or `no_answer`.
    #[schema(example = "no_answer")]
    pub status: &'static str,
    /// Guardians asked about the student (0: none could be emailed).
    pub guardians: usize,
    pub answers: Vec<ConsentAnswerView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnboardableStudent {
    pub student_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentCampaignView {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub privacy_policy_url: String,
    /// What the vendor will receive, as the email and the page say it.
    pub description: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub created_by: String,
    /// Roster rows rejected when it was started.
    pub rejected_rows: i64,
    pub counts: ConsentCounts,
    /// Every student of the roster, by student id.
    pub students: Vec<ConsentStudentView>,
    /// The students the vendor may be given: the consented ones only.
    pub onboardable: Vec<OnboardableStudent>,
}

/// A vendor's campaigns, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentCampaignList {
    pub campaigns: Vec<ConsentCampaignView>,
}

/// What the roster of a new campaign held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentRosterImport {
    /// `plain-csv`, or `oneroster-1.1` / `oneroster-1.2`.
    pub format: &'static str,
    pub students: u64,
    /// Distinct guardian addresses; each gets one consent request.
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    pub rejected_rows: u64,
    /// The first rejected rows, in file order, with their line numbers.
    pub rejected: Vec<RejectedRow>,
}

/// A started campaign and its roster import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentCampaignStarted {
    #[serde(flatten)]
    pub campaign: ConsentCampaignView,
    pub import: ConsentRosterImport,
}

fn student(standing: &StudentStanding, zone: Tz) -> ConsentStudentView {
    ConsentStudentView {
        student_id: standing.student.student_id.clone(),
        name: standing.student.name.clone(),
        status: standing.status.as_str(),
        guardians: standing.guardians,
        answers: standing
            .answers
            .iter()
            .map(|a| ConsentAnswerView {
                answer: a.answer.as_str(),
                received: a.received.as_str(),
                recorded_at: time(a.recorded_at, zone),
            })
            .collect(),
    }
}

pub fn consent_campaign(standing: &CampaignStanding, zone: Tz) -> ConsentCampaignView {
    use crate::domain::consent::StudentStatus;
    let campaign = &standing.campaign;
    ConsentCampaignView {
        id: campaign.id,
        vendor_id: campaign.vendor_id,
        privacy_policy_url: campaign.privacy_policy_url.clone(),
        description: campaign.description.clone(),
        created_at: time(campaign.created_at, zone),
        created_by: campaign.created_by.clone(),
        rejected_rows: campaign.rejected_rows,
        counts: ConsentCounts {
            students: standing.students.len(),
            guardians: campaign.guardians,
            consented: standing.count(StudentStatus::Consented),
            declined: standing.count(StudentStatus::Declined),
            no_answer: standing.count(StudentStatus::NoAnswer),
        },
        students: standing.students.iter().map(|s| student(s, zone)).collect(),
        onboardable: standing
            .onboardable()
            .map(|s| OnboardableStudent {
                student_id: s.student.student_id.clone(),
                name: s.student.name.clone(),
            })
            .collect(),
    }
}

pub fn consent_roster_import(report: &ImportReport) -> ConsentRosterImport {
    ConsentRosterImport {
        format: report.format.as_str(),
        students: report.students,
        recipients: report.recipients,
        students_without_reachable_guardian: report.students_without_reachable_guardian,
        rejected_rows: report.rejected_rows,
        rejected: report
            .rejected
            .iter()
            .cloned()
            .map(RejectedRow::from)
            .collect(),
    }
}
