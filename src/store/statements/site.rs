//! The public website's files and the checks of its pages.

use super::Statement;
use crate::store::{SiteFileRecord, WebsiteCheckRecord};
use uuid::Uuid;

/// Replaces a file of the site (a publication rewrites every file it made).
pub(crate) fn upsert_file(file: &SiteFileRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO site_files (name, content_type, body, sha256, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET content_type = excluded.content_type,
             body = excluded.body, sha256 = excluded.sha256, updated_at = excluded.updated_at",
    )
    .bind(&file.name)
    .bind(&file.content_type)
    .bind(&file.body)
    .bind(&file.sha256)
    .bind(file.updated_at)
}

pub(crate) fn file(name: &str) -> Statement<'_> {
    Statement::new("SELECT * FROM site_files WHERE name = $1").bind(name)
}

pub(crate) fn insert_check(check: &WebsiteCheckRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO website_checks (id, incident_id, checked_at, url, http_status, body_sha256,
             expected_sha256, matched, error, next_at, instance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(check.id)
    .bind(check.incident_id)
    .bind(check.checked_at)
    .bind(&check.url)
    .bind(check.http_status)
    .bind(&check.body_sha256)
    .bind(&check.expected_sha256)
    .bind(check.matched)
    .bind(&check.error)
    .bind(check.next_at)
    .bind(&check.instance)
}

/// Oldest first; the id breaks a tie of instants.
pub(crate) fn checks(incident_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM website_checks WHERE incident_id = $1 ORDER BY checked_at, id")
        .bind(incident_id)
}

/// Every attempt of the incident's family notices, in the order they
/// happened (a delivery never attempted has no row here).
pub(crate) fn delivery_attempts(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT e.id AS email_id, e.recipient, e.status, e.last_reply, a.at, a.outcome, a.reply, a.worker
           FROM emails e JOIN email_attempts a ON a.email_id = e.id
          WHERE e.incident_id = $1 AND e.kind = 'family-notice'
          ORDER BY a.at, e.id",
    )
    .bind(incident_id)
}
