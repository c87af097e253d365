//! Bounces: a sent message turned `bounced`, and what its DSN said.

use super::Statement;
use crate::store::NewBounce;
use uuid::Uuid;

pub(crate) fn email(id: Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM emails WHERE id = $1").bind(id)
}

/// Only a message the server accepted can bounce; one bounced already (the
/// same DSN read twice, or by two instances) is left alone.
pub(crate) fn mark_bounced(bounce: &NewBounce) -> Statement<'_> {
    Statement::new(
        "UPDATE emails SET status = 'bounced', updated_at = $2 WHERE id = $1 AND status = 'sent'",
    )
    .bind(bounce.email_id)
    .bind(bounce.at)
}

pub(crate) fn insert(bounce: &NewBounce) -> Statement<'_> {
    Statement::new(
        "INSERT INTO email_bounces (email_id, incident_id, status, diagnostic, bounced_at, after_completion)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(bounce.email_id)
    .bind(bounce.incident_id)
    .bind(&bounce.status)
    .bind(&bounce.diagnostic)
    .bind(bounce.at)
    .bind(bounce.after_completion)
}

pub(crate) fn follow_up_incidents() -> Statement<'static> {
    Statement::new(
        "SELECT DISTINCT incident_id FROM email_bounces WHERE after_completion AND incident_id IS NOT NULL",
    )
}

pub(crate) fn of_incident(incident_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT b.email_id, e.recipient, b.status, b.diagnostic, b.bounced_at, b.after_completion
         FROM email_bounces b JOIN emails e ON e.id = b.email_id
         WHERE b.incident_id = $1 ORDER BY b.bounced_at, b.email_id",
    )
    .bind(incident_id)
}
