//! The board's notice to families: roster import, drafting, approval,
//! per-recipient delivery and the website notice (work in progress; the
//! signatures below are what the HTTP API and the web pages call).

use crate::http::AppState;
use crate::incidents::ServiceError;
use serde::Serialize;
use std::path::Path;
use uuid::Uuid;

/// What an import answers (CONTRACT.md): counts and every rejected row.
#[derive(Debug, Clone, Serialize)]
pub struct RosterAnswer {
    pub students: u64,
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    pub rejected: Vec<crate::roster::RejectedRow>,
}

/// Imports a roster file (already on disk) for an incident.
pub async fn import_roster(_state: &AppState, _incident_id: Uuid, _path: &Path, _by: &str) -> Result<RosterAnswer, ServiceError> {
    Err(ServiceError::Conflict("roster import is not available yet".into()))
}

/// What approval answers.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub recipients: u64,
    pub published_url: Option<String>,
}

/// Approves the family notice: queues one message per guardian and
/// publishes the website notice.
pub async fn approve(_state: &AppState, _incident_id: Uuid, _by: &str) -> Result<Approval, ServiceError> {
    Err(ServiceError::Conflict("notice approval is not available yet".into()))
}
