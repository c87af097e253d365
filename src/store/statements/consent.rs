//! Consent campaigns: their students, guardians and answers.

use super::Statement;
use crate::store::{ConsentAnswerRecord, ConsentCampaignRecord, ConsentGuardianRecord};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) fn insert_campaign(record: &ConsentCampaignRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO consent_campaigns (id, vendor_id, privacy_policy_url, description, students, guardians,
                                        rejected_rows, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(record.id)
    .bind(record.vendor_id)
    .bind(&record.privacy_policy_url)
    .bind(&record.description)
    .bind(record.students)
    .bind(record.guardians)
    .bind(record.rejected_rows)
    .bind(&record.created_by)
    .bind(record.created_at)
}

pub(crate) fn insert_student<'a>(
    campaign_id: Uuid,
    student_id: &'a str,
    name: &'a str,
) -> Statement<'a> {
    Statement::new(
        "INSERT INTO consent_students (campaign_id, student_id, name) VALUES ($1, $2, $3)",
    )
    .bind(campaign_id)
    .bind(student_id)
    .bind(name)
}

pub(crate) fn insert_guardian(record: &ConsentGuardianRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO consent_guardians (id, campaign_id, name, email, language, answered_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.id)
    .bind(record.campaign_id)
    .bind(&record.name)
    .bind(&record.email)
    .bind(record.language.as_deref())
    .bind(record.answered_at)
}

pub(crate) fn insert_link(guardian_id: Uuid, student_id: &str) -> Statement<'_> {
    Statement::new(
        "INSERT INTO consent_guardian_students (guardian_id, student_id) VALUES ($1, $2)",
    )
    .bind(guardian_id)
    .bind(student_id)
}

pub(crate) fn insert_answer(record: &ConsentAnswerRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO consent_answers (id, campaign_id, student_id, guardian_id, answer, received, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(record.id)
    .bind(record.campaign_id)
    .bind(record.student_id.as_str())
    .bind(record.guardian_id)
    .bind(record.answer.as_str())
    .bind(record.received.as_str())
    .bind(record.recorded_by.as_str())
    .bind(record.recorded_at)
}

/// Uses the guardian's link: rows affected 0 when it was used already.
pub(crate) fn mark_answered(guardian_id: Uuid, at: DateTime<Utc>) -> Statement<'static> {
    Statement::new(
        "UPDATE consent_guardians SET answered_at = $2 WHERE id = $1 AND answered_at IS NULL",
    )
    .bind(guardian_id)
    .bind(at)
}

pub(crate) fn campaign(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM consent_campaigns WHERE id = $1").bind(id)
}

/// A vendor's campaigns, newest first.
pub(crate) fn campaigns_of(vendor_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM consent_campaigns WHERE vendor_id = $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(vendor_id)
}

pub(crate) fn students(campaign_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT student_id, name FROM consent_students WHERE campaign_id = $1 ORDER BY student_id",
    )
    .bind(campaign_id)
}

pub(crate) fn guardians(campaign_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM consent_guardians WHERE campaign_id = $1 ORDER BY email")
        .bind(campaign_id)
}

pub(crate) fn guardian(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM consent_guardians WHERE id = $1").bind(id)
}

/// (guardian id, student id) of every guardian of a campaign.
pub(crate) fn links(campaign_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT l.guardian_id, l.student_id FROM consent_guardian_students l
         JOIN consent_guardians g ON g.id = l.guardian_id
         WHERE g.campaign_id = $1 ORDER BY l.guardian_id, l.student_id",
    )
    .bind(campaign_id)
}

pub(crate) fn guardian_links(guardian_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT guardian_id, student_id FROM consent_guardian_students WHERE guardian_id = $1 ORDER BY student_id",
    )
    .bind(guardian_id)
}

/// Oldest first.
pub(crate) fn answers(campaign_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM consent_answers WHERE campaign_id = $1 ORDER BY recorded_at, id")
        .bind(campaign_id)
}
