//! Delivery progress of an incident's family notice, as the incident page
//! shows it: how many messages are sent, deferred (retrying) and failed, and
//! the failed addresses for follow-up (administrators only: they are
//! personal data).
//!
//! PLACEHOLDER: deliveries are not wired yet. [`progress`] answers "not
//! available" until the family-notice work stores per-recipient delivery
//! records; then it should read them (the data behind
//! `GET /api/v1/incidents/{id}/deliveries`) and set `available`.

use crate::http::AppState;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryProgress {
    /// False while delivery tracking is not wired: the page says so instead
    /// of showing zeros that would look like "nothing was sent".
    pub available: bool,
    pub queued: u64,
    pub sent: u64,
    pub deferred: u64,
    pub failed: u64,
    /// Permanent failures, for an administrator to follow up by other means.
    pub failed_recipients: Vec<FailedRecipient>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedRecipient {
    pub address: String,
    pub attempts: u64,
    /// The SMTP server's last reply.
    pub last_reply: Option<String>,
}

/// The delivery progress of `incident_id`'s family notice (empty for now).
pub async fn progress(_state: &AppState, _incident_id: Uuid) -> DeliveryProgress {
    DeliveryProgress::default()
}
