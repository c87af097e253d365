//! The notice to families: its draft, its approval and what its delivery
//! stands at.

use super::Statement;
use crate::store::rows::to_json;
use crate::store::NoticeRecord;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// When the incident's notice was approved (a row with NULL: not yet; no
/// row: no notice).
pub(crate) fn approved_at(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT approved_at FROM notices WHERE incident_id = $1").bind(incident_id)
}

/// Stores a draft unless the incident has one.
pub(crate) fn ensure_draft(draft: &NoticeRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO notices (incident_id, what_happened, what_we_are_doing, what_families_can_do, contact, drafted_at,
                              public_title, languages)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (incident_id) DO NOTHING",
    )
    .bind(draft.incident_id)
    .bind(&draft.what_happened)
    .bind(&draft.what_we_are_doing)
    .bind(&draft.what_families_can_do)
    .bind(&draft.contact)
    .bind(draft.drafted_at)
    .bind(draft.public_title.as_deref())
    .bind(to_json(&draft.languages))
}

/// Replaces the draft's wording, or inserts it; rows affected 0 once
/// approved. On PostgreSQL an approval that commits first holds the row;
/// the WHERE is then re-checked on the approved row and nothing changes.
pub(crate) fn update_draft(draft: &NoticeRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO notices (incident_id, what_happened, what_we_are_doing, what_families_can_do, contact, drafted_at,
                              public_title, languages)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (incident_id) DO UPDATE SET what_happened = $2, what_we_are_doing = $3,
             what_families_can_do = $4, contact = $5, public_title = $7, languages = $8
         WHERE notices.approved_at IS NULL",
    )
    .bind(draft.incident_id)
    .bind(&draft.what_happened)
    .bind(&draft.what_we_are_doing)
    .bind(&draft.what_families_can_do)
    .bind(&draft.contact)
    .bind(draft.drafted_at)
    .bind(draft.public_title.as_deref())
    .bind(to_json(&draft.languages))
}

pub(crate) fn by_incident(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM notices WHERE incident_id = $1").bind(incident_id)
}

/// Approves a notice not approved yet (rows affected 0 otherwise), with
/// its count of recipients.
pub(crate) fn approve<'a>(incident: &'a str, by: &'a str, now: DateTime<Utc>) -> Statement<'a> {
    Statement::new(
        "UPDATE notices SET approved_at = $1, approved_by = $2,
                recipients = (SELECT COUNT(*) FROM notice_recipients WHERE incident_id = $3
                              AND roster_import = (SELECT import_id FROM roster_current WHERE incident_id = $3))
         WHERE incident_id = $3 AND approved_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(incident)
}

/// The recipients counted at approval.
pub(crate) fn recipients(incident: &str) -> Statement<'_> {
    Statement::new("SELECT recipients FROM notices WHERE incident_id = $1").bind(incident)
}

/// Whether any family notice of the incident is still queued or deferred.
pub(crate) fn family_unsettled(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT EXISTS (SELECT 1 FROM emails WHERE incident_id = $1 AND status IN ('queued', 'deferred')
                        AND kind = 'family-notice')",
    )
    .bind(incident_id)
}

/// How many of a chunk's messages are not final, and their next retry.
pub(crate) fn chunk_pending(incident_id: Uuid, chunk: i64) -> Statement<'static> {
    Statement::new(
        "SELECT COUNT(*) AS pending, MIN(next_attempt_at) AS next FROM emails
         WHERE incident_id = $1 AND kind = 'family-notice' AND chunk = $2 AND status IN ('queued', 'deferred')",
    )
    .bind(incident_id)
    .bind(chunk)
}

pub(crate) fn delivery_counts(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT status, COUNT(*) AS n FROM emails WHERE incident_id = $1 AND kind = 'family-notice' GROUP BY status",
    )
    .bind(incident_id)
}

pub(crate) fn mark_published<'a>(
    incident_id: Uuid,
    public: &serde_json::Value,
    url: &'a str,
    at: DateTime<Utc>,
) -> Statement<'a> {
    Statement::new(
        "UPDATE notices SET public = $1, published_url = $2, published_at = $3 WHERE incident_id = $4",
    )
    .bind(public.to_string())
    .bind(url)
    .bind(at)
    .bind(incident_id)
}
