//! Parental consent where a vendor will not sign (docs/vendors.md,
//! "Consent"): a campaign for a vendor whose agreement is `refused` takes
//! the roster of the students to onboard, keeps their guardians and emails
//! each one a consent request with a signed, single-use link; each answer
//! (through the link, or recorded by staff) is kept per student, and only
//! the consented students are onboardable. Every change is one transaction
//! with its audit entry, which carries ids and counts, never a name or an
//! address.

pub mod input;

use super::{Context, ServiceError};
use crate::audit::NewAudit;
use crate::domain::consent::{first_name, Answer, Received};
use crate::domain::vendor::AgreementStatus;
use crate::domain::FieldError;
use crate::roster::{ImportReport, StagedRoster};
use crate::scheduler::planning::consent_request_job;
use crate::store::{
    standing, AnswerOutcome, ConsentAnswerRecord, ConsentCampaignRecord, ConsentGuardianRecord,
    ConsentStudent,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use uuid::Uuid;

pub use crate::store::{CampaignStanding, StudentStanding};
pub use input::{CampaignInput, StaffAnswer};

/// The most guardians one campaign emails: a campaign is hundreds to a few
/// thousand, sent by one job (`scheduler::jobs::consent_mail`).
pub const MAX_GUARDIANS: u64 = 10_000;
/// Recipients read from the staged roster at a time.
const PAGE: u32 = 500;

/// A started campaign and what its roster import found.
#[derive(Debug, Clone)]
pub struct CampaignStarted {
    pub standing: CampaignStanding,
    pub report: ImportReport,
}

/// What a guardian's link shows: the campaign, the vendor's name, the
/// guardian's own children by first name, and, once answered, when.
#[derive(Debug, Clone)]
pub struct ConsentLink {
    pub campaign: ConsentCampaignRecord,
    pub vendor_name: String,
    pub guardian_name: String,
    /// First names, in the order the page's choices follow.
    pub children: Vec<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// What answering through a link came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAnswer {
    Recorded(DateTime<Utc>),
    /// The link was used before, at this time; nothing was stored.
    AlreadyAnswered(Option<DateTime<Utc>>),
}

impl Context {
    /// Starts a consent campaign for a vendor whose agreement is `refused`
    /// (409 otherwise): stages the roster at `roster` (the incident
    /// roster's parser; bad rows are reported with their line), stores its
    /// students and guardians and plans the consent requests, in one
    /// transaction. A roster that is not one, or lists no student, stores
    /// nothing.
    pub async fn start_consent_campaign(
        &self,
        vendor_id: Uuid,
        input: CampaignInput,
        roster: &Path,
        upload_name: &str,
        by: &str,
    ) -> Result<CampaignStarted, ServiceError> {
        let vendor = self
            .store
            .vendor(vendor_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let status = vendor.vendor.agreement.status;
        if status != AgreementStatus::Refused {
            return Err(ServiceError::Conflict(format!(
                "a consent campaign is for a vendor that refused to sign its agreement; this vendor's agreement is {}",
                status.label()
            )));
        }
        if self.settings.public_url.is_none() {
            return Err(ServiceError::Conflict(
                "server.public_url is not set, so the consent request cannot link to the page where guardians answer".into(),
            ));
        }
        let staged = stage(roster, upload_name).await?;
        let report = staged.report.clone();
        if report.students == 0 || report.recipients > MAX_GUARDIANS {
            staged.close().await;
            let reason = if report.students == 0 {
                format!(
                    "lists no student ({} rejected)",
                    crate::words::count(report.rejected_rows, "row", "rows")
                )
            } else {
                format!("has more than {MAX_GUARDIANS} guardian addresses; split it into several campaigns")
            };
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "roster", reason,
            )]));
        }
        let now = self.clock.now();
        let id = Uuid::now_v7();
        let (students, guardians) = read_staged(staged, id).await?;
        let campaign = ConsentCampaignRecord {
            id,
            vendor_id,
            privacy_policy_url: input.privacy_policy_url,
            description: input.description,
            students: students.len() as i64,
            guardians: guardians.len() as i64,
            rejected_rows: report.rejected_rows as i64,
            created_by: by.to_owned(),
            created_at: now,
        };
        let jobs = [consent_request_job(id, now)];
        let audit = NewAudit::new(
            now,
            by,
            "consent_campaign_started",
            None,
            Some(id.to_string()),
            json!({
                "vendor_id": vendor_id,
                "students": campaign.students,
                "guardians": campaign.guardians,
                "rejected_rows": campaign.rejected_rows,
            }),
        );
        self.store
            .create_consent_campaign(&campaign, &students, &guardians, &jobs, &audit)
            .await?;
        self.wake.wake();
        tracing::info!(campaign_id = %id, %vendor_id, students = campaign.students, guardians = campaign.guardians, "consent campaign started");
        let standing = standing(campaign, students, &guardians, Vec::new());
        Ok(CampaignStarted { standing, report })
    }

    /// A vendor's campaigns with their students' standing, newest first.
    pub async fn consent_campaigns(
        &self,
        vendor_id: Uuid,
    ) -> Result<Vec<CampaignStanding>, ServiceError> {
        self.store
            .vendor(vendor_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut standings = Vec::new();
        for campaign in self.store.consent_campaigns(vendor_id).await? {
            standings.push(self.read_standing(campaign).await?);
        }
        Ok(standings)
    }

    pub async fn consent_campaign(&self, id: Uuid) -> Result<CampaignStanding, ServiceError> {
        let campaign = self
            .store
            .consent_campaign(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.read_standing(campaign).await
    }

    async fn read_standing(
        &self,
        campaign: ConsentCampaignRecord,
    ) -> Result<CampaignStanding, ServiceError> {
        let students = self.store.consent_students(campaign.id).await?;
        let guardians = self.store.consent_guardians(campaign.id).await?;
        let answers = self.store.consent_answers(campaign.id).await?;
        Ok(standing(campaign, students, &guardians, answers))
    }

    /// Records an answer staff received (on paper, by telephone, ...) for
    /// one student of the campaign; audited.
    pub async fn record_consent_answer(
        &self,
        campaign_id: Uuid,
        answer: StaffAnswer,
        by: &str,
    ) -> Result<CampaignStanding, ServiceError> {
        let campaign = self
            .store
            .consent_campaign(campaign_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let students = self.store.consent_students(campaign_id).await?;
        if !students.iter().any(|s| s.student_id == answer.student_id) {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "student_id",
                "is not a student of this campaign's roster",
            )]));
        }
        let now = self.clock.now();
        let record = ConsentAnswerRecord {
            id: Uuid::now_v7(),
            campaign_id,
            student_id: answer.student_id,
            guardian_id: None,
            answer: answer.answer,
            received: answer.received,
            recorded_by: by.to_owned(),
            recorded_at: now,
        };
        let audit = answer_audit(
            now,
            by,
            &campaign,
            None,
            answer.received,
            std::slice::from_ref(&record),
        );
        self.store
            .record_consent_answers(None, &[record], &audit)
            .await?;
        tracing::info!(%campaign_id, received = answer.received.as_str(), "consent answer recorded by staff");
        self.read_standing(campaign).await
    }

    /// The guardian a link names and what its page shows; `NotFound` for a
    /// forged, altered or unknown token (nothing is looked up for a forged
    /// one).
    pub async fn consent_link(&self, token: &str) -> Result<ConsentLink, ServiceError> {
        let (guardian, campaign) = self.link_guardian(token).await?;
        let vendor_name = self
            .store
            .vendor(campaign.vendor_id)
            .await?
            .map(|record| record.vendor.name)
            .unwrap_or_default();
        let students = self.store.consent_students(campaign.id).await?;
        let children = guardian
            .student_ids
            .iter()
            .map(|id| {
                students
                    .iter()
                    .find(|s| &s.student_id == id)
                    .map(|s| first_name(&s.name).to_owned())
                    .unwrap_or_default()
            })
            .collect();
        Ok(ConsentLink {
            campaign,
            vendor_name,
            guardian_name: guardian.name,
            children,
            answered_at: guardian.answered_at,
        })
    }

    /// Records a guardian's answers through their link, one per child in
    /// the order `consent_link` gives them (every child must be answered),
    /// and uses the link up, in one transaction with its audit entry.
    pub async fn answer_consent_link(
        &self,
        token: &str,
        choices: &[Option<Answer>],
    ) -> Result<LinkAnswer, ServiceError> {
        let (guardian, campaign) = self.link_guardian(token).await?;
        if guardian.answered_at.is_some() {
            return Ok(LinkAnswer::AlreadyAnswered(guardian.answered_at));
        }
        let children = guardian.student_ids.len();
        let mut errors: Vec<FieldError> = (0..children.max(choices.len()))
            .filter(|&index| index >= children || choices.get(index).copied().flatten().is_none())
            .map(|index| {
                let reason = if index < children {
                    "choose consent or decline"
                } else {
                    "is not one of the children this link asks about"
                };
                FieldError::new(format!("child_{index}"), reason)
            })
            .collect();
        if !errors.is_empty() {
            errors.truncate(100);
            return Err(ServiceError::Invalid(errors));
        }
        let now = self.clock.now();
        let records: Vec<ConsentAnswerRecord> = guardian
            .student_ids
            .iter()
            .zip(choices.iter().flatten())
            .map(|(student_id, &answer)| ConsentAnswerRecord {
                id: Uuid::now_v7(),
                campaign_id: campaign.id,
                student_id: student_id.clone(),
                guardian_id: Some(guardian.id),
                answer,
                received: Received::Link,
                recorded_by: "guardian (consent link)".to_owned(),
                recorded_at: now,
            })
            .collect();
        let audit = answer_audit(
            now,
            "guardian (consent link)",
            &campaign,
            Some(guardian.id),
            Received::Link,
            &records,
        );
        match self
            .store
            .record_consent_answers(Some(&guardian), &records, &audit)
            .await?
        {
            AnswerOutcome::Recorded => {
                tracing::info!(campaign_id = %campaign.id, children = records.len(), "consent answered through the link");
                Ok(LinkAnswer::Recorded(now))
            }
            AnswerOutcome::AlreadyAnswered => {
                let at = self
                    .store
                    .consent_guardian(guardian.id)
                    .await?
                    .and_then(|g| g.answered_at);
                Ok(LinkAnswer::AlreadyAnswered(at))
            }
        }
    }

    async fn link_guardian(
        &self,
        token: &str,
    ) -> Result<(ConsentGuardianRecord, ConsentCampaignRecord), ServiceError> {
        let id = self.consent.guardian(token).ok_or(ServiceError::NotFound)?;
        let guardian = self
            .store
            .consent_guardian(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let campaign = self
            .store
            .consent_campaign(guardian.campaign_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((guardian, campaign))
    }
}

/// Stages an uploaded roster with the incident roster's parser: a file
/// that is not a roster is refused naming the `roster` field.
pub(crate) async fn stage(roster: &Path, upload_name: &str) -> Result<StagedRoster, ServiceError> {
    match StagedRoster::stage_as(roster, upload_name).await {
        Ok(staged) => Ok(staged),
        Err(rejected) if rejected.is_internal() => {
            tracing::error!(error = ?rejected, "staging an uploaded roster failed");
            Err(ServiceError::Store(crate::store::StoreError::NotReady(
                "staging the roster failed".into(),
            )))
        }
        Err(rejected) => Err(ServiceError::Invalid(vec![FieldError::new(
            "roster",
            format!("is not a roster: {rejected}"),
        )])),
    }
}

/// Reads a staged roster's students and guardians (for `owner_id`, the
/// campaign or contract they belong to) and closes it.
pub(crate) async fn read_staged(
    staged: StagedRoster,
    owner_id: Uuid,
) -> Result<(Vec<ConsentStudent>, Vec<ConsentGuardianRecord>), ServiceError> {
    let read = read_roster(&staged, owner_id).await;
    staged.close().await;
    read.map_err(|error| {
        tracing::error!(
            error = format!("{error:#}"),
            "reading a staged roster failed"
        );
        ServiceError::Store(crate::store::StoreError::NotReady(
            "reading the staged roster failed".into(),
        ))
    })
}

fn answer_audit(
    now: DateTime<Utc>,
    by: &str,
    campaign: &ConsentCampaignRecord,
    guardian: Option<Uuid>,
    received: Received,
    records: &[ConsentAnswerRecord],
) -> NewAudit {
    let count = |answer: Answer| records.iter().filter(|r| r.answer == answer).count();
    NewAudit::new(
        now,
        by,
        "consent_answered",
        None,
        Some(campaign.id.to_string()),
        json!({
            "vendor_id": campaign.vendor_id,
            "guardian_id": guardian,
            "received": received.as_str(),
            "consented": count(Answer::Consented),
            "declined": count(Answer::Declined),
            "answers": records.iter().map(|r| r.id).collect::<Vec<_>>(),
        }),
    )
}

/// The staged roster's students (reachable or not) and guardian addresses,
/// each guardian with the students it is asked about.
async fn read_roster(
    staged: &StagedRoster,
    campaign_id: Uuid,
) -> anyhow::Result<(Vec<ConsentStudent>, Vec<ConsentGuardianRecord>)> {
    let mut students: BTreeMap<String, String> = BTreeMap::new();
    let mut guardians = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = staged.recipients(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.email.clone());
        for recipient in page {
            let mut student_ids = Vec::with_capacity(recipient.children.len());
            for child in recipient.children {
                student_ids.push(child.student_id.clone());
                students.entry(child.student_id).or_insert(child.name);
            }
            guardians.push(ConsentGuardianRecord {
                id: Uuid::now_v7(),
                campaign_id,
                name: recipient.name,
                email: recipient.email,
                language: recipient.language,
                student_ids,
                answered_at: None,
            });
        }
    }
    let mut after: Option<String> = None;
    loop {
        let page = staged.unreachable_students(after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.student_id.clone());
        for student in page {
            students.entry(student.student_id).or_insert(student.name);
        }
    }
    let students = students
        .into_iter()
        .map(|(student_id, name)| ConsentStudent { student_id, name })
        .collect();
    Ok((students, guardians))
}
