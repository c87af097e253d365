//! Liveness and readiness, public and cheap.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// The process is up and serving.
#[utoipa::path(
    get,
    path = "/livez",
    tag = "health",
    operation_id = "livez",
    summary = "Liveness (public)",
    responses((status = 200, description = "The process is up", body = super::openapi::HealthDoc)),
)]
pub async fn livez() -> Json<Value> {
    Json(json!({ "status": "ok" }))
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
        (status = 200, description = "Ready", body = super::openapi::HealthDoc),
        (status = 503, description = "Not ready, with the reason", body = super::openapi::HealthDoc),
    ),
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let reason = match state.cases.database_ready().await {
        Err(error) => Some(error.to_string()),
        Ok(()) => state.mailer.check().await.err(),
    };
    match reason {
        None => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Some(reason) => {
            tracing::warn!(%reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": reason })),
            )
        }
    }
}
