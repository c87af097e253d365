//! What the store keeps of a family's privacy request. The requester's name
//! and address are personal data: they are read to answer the requester and
//! shown on the staff page, never logged, counted or published (`title`
//! and the audit entries carry the kind and reference only).

use crate::domain::request::{Reference, RequestKind, RequestStatus, Via};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct PrivacyRequestRecord {
    pub id: Uuid,
    /// The short code the requester is given (never the id).
    pub reference: Reference,
    pub kind: RequestKind,
    pub received_at: DateTime<Utc>,
    pub requester_name: String,
    pub requester_email: String,
    pub summary: String,
    pub via: Via,
    /// The API token or signed-in person who entered it; `public form`.
    pub filed_by: String,
    /// A contact role or a contact's address (`[contacts]`).
    pub assigned_to: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub close_note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Bumped by every change; a change naming an older one is refused.
    pub version: i64,
}

impl PrivacyRequestRecord {
    /// What the board, reminders and digest call it: its kind and reference,
    /// never the requester's name.
    pub fn title(&self) -> String {
        format!("{} ({})", self.kind.label(), self.reference)
    }

    pub fn status(&self) -> RequestStatus {
        RequestStatus::of(
            self.assigned_to.is_some(),
            self.answered_at.is_some(),
            self.closed_at.is_some(),
        )
    }
}
