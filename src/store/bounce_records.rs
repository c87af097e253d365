//! What is stored of a bounce: the delivery status notification's status
//! code and diagnostic text for a message the mail server had accepted
//! (docs/email.md, "Bounces").

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A bounce to record against the message it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBounce {
    pub email_id: Uuid,
    pub incident_id: Option<Uuid>,
    /// RFC 3463's status code, e.g. `5.1.1`.
    pub status: String,
    /// The DSN's Diagnostic-Code text, when it gave one (the remote
    /// server's reply; it may name the recipient, so it is stored, never logged).
    pub diagnostic: Option<String>,
    /// When breachd read the DSN.
    pub at: DateTime<Utc>,
    /// The families' duty was already complete: the bounce raises a
    /// follow-up instead of reopening it.
    pub after_completion: bool,
}

/// A recorded bounce with the address it was for (for the evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceRecord {
    pub email_id: Uuid,
    pub recipient: String,
    pub status: String,
    pub diagnostic: Option<String>,
    pub bounced_at: DateTime<Utc>,
    pub after_completion: bool,
}
