//! Liveness and readiness (`/livez`, `/readyz`).

use serde::Serialize;
use utoipa::ToSchema;

/// `ok` for liveness; `ready` or `unavailable` for readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Live: the process is up.
    Ok,
    Ready,
    Unavailable,
}

/// Liveness or readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    pub status: HealthStatus,
    /// Why it is not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Health {
    pub fn is(status: HealthStatus) -> Self {
        Self {
            status,
            reason: None,
        }
    }

    pub fn unavailable(reason: String) -> Self {
        Self {
            status: HealthStatus::Unavailable,
            reason: Some(reason),
        }
    }
}
