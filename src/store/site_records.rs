//! What the store keeps of the public website: each published file (so that
//! every instance serves `/notices/` from the database) and each check of a
//! notice page at its public address (evidence that the public saw it).

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One file of the notices site as last published. Public by construction:
/// it is rendered from `site::PublicNotice`, which holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFileRecord {
    /// The file name under `/notices/`: `notice-<id>.html`, `index.html`,
    /// `feed.atom`.
    pub name: String,
    pub content_type: String,
    pub body: String,
    /// Lowercase hex SHA-256 of `body`.
    pub sha256: String,
    pub updated_at: DateTime<Utc>,
}

/// One fetch of a notice page at `publish.base_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebsiteCheckRecord {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub checked_at: DateTime<Utc>,
    pub url: String,
    /// None when nothing answered (refused, timed out, no such host).
    pub http_status: Option<i64>,
    /// Lowercase hex SHA-256 of the body served, when one was read.
    pub body_sha256: Option<String>,
    /// The SHA-256 of the page breachd published.
    pub expected_sha256: String,
    /// The page served was the page published.
    pub matched: bool,
    /// Why not, in plain words ("connection refused", "HTTP 404").
    pub error: Option<String>,
    /// When the check tries again; None once seen or no longer needed.
    pub next_at: Option<DateTime<Utc>>,
    /// The instance (`scheduler.instance_id`) that fetched it.
    pub instance: String,
}

/// One send attempt of a family-notice delivery, for the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttemptRecord {
    pub email_id: Uuid,
    pub recipient: String,
    /// The delivery's status now (`sent`, `failed`, … and `bounced` where
    /// this version stores it), as stored.
    pub status: String,
    pub at: DateTime<Utc>,
    /// The delivery's last reply: the latest SMTP reply, or a bounce's
    /// diagnostic where this version records bounces.
    pub last_reply: Option<String>,
    /// What this attempt came to, as stored.
    pub outcome: String,
    /// The SMTP server's reply.
    pub reply: Option<String>,
    /// The instance that sent it.
    pub worker: Option<String>,
}
