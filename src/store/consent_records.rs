//! What the store keeps of a consent campaign: the campaign, its students
//! and guardians as the roster gave them, and every answer. Names and
//! addresses are personal data: shown to staff and used to send the consent
//! request, never logged, counted or published (the audit carries ids and
//! counts only).

use crate::domain::consent::{Answer, Received, StudentStatus};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct ConsentCampaignRecord {
    pub id: Uuid,
    pub vendor_id: Uuid,
    /// The vendor's privacy policy, linked from the email and the page.
    pub privacy_policy_url: String,
    /// What the vendor will receive, in words for families.
    pub description: String,
    pub students: i64,
    pub guardians: i64,
    /// Roster rows rejected when the campaign was started.
    pub rejected_rows: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentStudent {
    /// The district's student id, as the roster gave it.
    pub student_id: String,
    pub name: String,
}

/// One guardian address of a campaign and the students it is asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentGuardianRecord {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub name: String,
    pub email: String,
    /// The language tag the roster gave, which picks the email's template.
    pub language: Option<String>,
    /// Sorted by student id.
    pub student_ids: Vec<String>,
    /// When the guardian answered through the link (which then answers no
    /// more).
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsentAnswerRecord {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub student_id: String,
    /// The guardian who answered through the link; none for an answer staff
    /// recorded.
    pub guardian_id: Option<Uuid>,
    pub answer: Answer,
    pub received: Received,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// What recording answers came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    Recorded,
    /// The guardian's link was used already; nothing was stored.
    AlreadyAnswered,
}

/// One student of a campaign and where it stands.
#[derive(Debug, Clone)]
pub struct StudentStanding {
    pub student: ConsentStudent,
    pub status: StudentStatus,
    /// How many guardians were asked about this student (0: none could be
    /// emailed; staff record a paper answer).
    pub guardians: usize,
    pub answers: Vec<ConsentAnswerRecord>,
}

/// A campaign with every student's standing.
#[derive(Debug, Clone)]
pub struct CampaignStanding {
    pub campaign: ConsentCampaignRecord,
    pub students: Vec<StudentStanding>,
}

impl CampaignStanding {
    pub fn count(&self, status: StudentStatus) -> usize {
        self.students.iter().filter(|s| s.status == status).count()
    }

    /// The students the vendor may be given: the consented ones only.
    pub fn onboardable(&self) -> impl Iterator<Item = &StudentStanding> {
        self.students
            .iter()
            .filter(|s| s.status == StudentStatus::Consented)
    }
}

/// Each student's standing from the answers (`StudentStatus::of`).
pub fn standing(
    campaign: ConsentCampaignRecord,
    students: Vec<ConsentStudent>,
    guardians: &[ConsentGuardianRecord],
    answers: Vec<ConsentAnswerRecord>,
) -> CampaignStanding {
    let mut by_student: BTreeMap<String, Vec<ConsentAnswerRecord>> = BTreeMap::new();
    for answer in answers {
        by_student
            .entry(answer.student_id.clone())
            .or_default()
            .push(answer);
    }
    let students = students
        .into_iter()
        .map(|student| {
            let answers = by_student.remove(&student.student_id).unwrap_or_default();
            StudentStanding {
                status: StudentStatus::of(answers.iter().map(|a| a.answer)),
                guardians: guardians
                    .iter()
                    .filter(|g| g.student_ids.contains(&student.student_id))
                    .count(),
                answers,
                student,
            }
        })
        .collect();
    CampaignStanding { campaign, students }
}
