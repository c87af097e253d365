//! Liveness and readiness, public and cheap.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// The process is up and serving.
pub async fn livez() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database answers, every migration is applied and, when email goes
/// over SMTP, the server answers; 503 with the reason otherwise.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let reason = match state.incidents.store.ready().await {
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
