//! Liveness and readiness, public and cheap.

use super::AppState;
use crate::views::{Health, HealthStatus};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

/// The process is up and serving.
#[utoipa::path(
    get,
    path = "/livez",
    tag = "health",
    operation_id = "livez",
    summary = "Liveness (public)",
    responses((status = 200, description = "The process is up", body = Health)),
)]
pub async fn livez() -> Json<Health> {
    Json(Health::is(HealthStatus::Ok))
}

/// The database answers, every migration is applied and, when email goes
/// over SMTP, the server answers; 503 with the reason otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    operation_id = "readyz",
    summary = "Readiness (public): database reachable, migrations applied, SMTP reachable when configured",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready, with the reason", body = Health),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let reason = match state.cases.database_ready().await {
        Err(error) => Some(error.to_string()),
        Ok(()) => {
            let mailer = &state.mailer;
            state.probes.smtp.get(|| mailer.check()).await.err()
        }
    };
    match reason {
        None => (StatusCode::OK, Json(Health::is(HealthStatus::Ready))),
        Some(reason) => {
            tracing::warn!(%reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health::unavailable(reason)),
            )
        }
    }
}
