//! Request bodies: read within the size limit and parsed as JSON, with every
//! failure answered as a problem document (413 over the limit, 422 for
//! anything that is not the expected JSON).

use super::problem::Problem;
use super::strict_json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

/// The largest request body accepted, except where a route says otherwise.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body and its raw bytes (for idempotency fingerprints).
pub struct JsonBody {
    pub value: Value,
    pub raw: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    Problem::new(status, "Request body too large")
                        .detail(format!("the limit is {BODY_LIMIT} bytes"))
                } else {
                    Problem::new(status, "Unreadable request body")
                }
            })?;
        if raw.is_empty() {
            // No body: a handler decides whether that means anything.
            return Ok(JsonBody {
                value: Value::Null,
                raw,
            });
        }
        let value = strict_json::parse(&raw).map_err(|error| {
            Problem::field(
                "body",
                format!(
                    "is not valid JSON (line {}, column {}): {error}",
                    error.line(),
                    error.column()
                ),
            )
        })?;
        Ok(JsonBody { value, raw })
    }
}
