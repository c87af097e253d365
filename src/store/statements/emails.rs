//! Messages planned for jobs.

use super::Statement;
use crate::store::NewEmail;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Plans a message; one that exists (same job and recipient) is kept.
pub(crate) fn insert(email: &NewEmail, now: DateTime<Utc>) -> Statement<'_> {
    Statement::new(
        "INSERT INTO emails (id, job_id, kind, incident_id, recipient, message_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) ON CONFLICT (job_id, recipient) DO NOTHING",
    )
    .bind(email.id)
    .bind(email.job_id)
    .bind(&email.kind)
    .bind(email.incident_id)
    .bind(&email.recipient)
    .bind(&email.message_id)
    .bind(now)
    .bind(now)
}

pub(crate) fn of_job(job_id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM emails WHERE job_id = $1 ORDER BY recipient").bind(job_id)
}
