//! RFC 9457 problem details: every error the API gives is
//! `application/problem+json` with a title, a status and, for bad input,
//! every bad field with its reason. Details never echo submitted values.

use crate::cases::ServiceError;
use crate::domain::FieldError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document; every error answer is one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say it all.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For invalid input (422): every bad field, each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Adds `WWW-Authenticate: Bearer` (RFC 9110 asks it of every 401).
    #[serde(skip)]
    pub bearer_challenge: bool,
    /// Adds `Retry-After` (seconds), for 429.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// Gives a problem document to the error answers the framework makes
/// itself with no body (405 from the router, 408 from the timeout), so that
/// every error a client sees is one.
pub async fn fill_bare_errors(response: Response) -> Response {
    let status = response.status();
    let bare = response.headers().get(header::CONTENT_TYPE).is_none();
    if !bare || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let title = match status {
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
        StatusCode::REQUEST_TIMEOUT => "Request timed out",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let mut problem = Problem::new(status, title).into_response();
    // Keep what the framework said besides (an `Allow` list for 405).
    for (name, value) in response.headers() {
        if name != header::CONTENT_LENGTH {
            problem
                .headers_mut()
                .entry(name.clone())
                .or_insert(value.clone());
        }
    }
    problem
}

impl Problem {
    /// Too many failed sign-ins from one address: wait `wait`.
    pub fn too_many_failures(wait: std::time::Duration) -> Self {
        Self {
            retry_after: Some(wait.as_secs().max(1)),
            ..Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too many failed sign-ins").detail(
                "this address presented too many wrong tokens; wait, then use the right one",
            )
        }
    }

    pub fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self {
            kind: "about:blank",
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            bearer_challenge: false,
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let detail = format!("invalid field(s): {}", fields.join(", "));
        Self {
            errors,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid request").detail(detail)
        }
    }

    pub fn field(field: &str, reason: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, reason)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found").detail(format!("no such {what}"))
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error")
            .detail("the error was logged; nothing was changed by this request")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            serde_json::to_vec(&self).expect("a problem serializes: strings and numbers only");
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.bearer_challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::store::StoreError> for Problem {
    fn from(error: crate::store::StoreError) -> Self {
        ServiceError::from(error).into()
    }
}

impl Problem {
    /// A service error, with "not found" naming what was looked for.
    pub fn from_service(error: ServiceError, what: &str) -> Self {
        match error {
            ServiceError::NotFound => Problem::not_found(what),
            other => other.into(),
        }
    }
}

impl From<ServiceError> for Problem {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(errors) => Problem::invalid(errors),
            ServiceError::NotFound => Problem::not_found("resource"),
            ServiceError::Conflict(reason) => {
                Problem::new(StatusCode::CONFLICT, "Conflict").detail(reason)
            }
            ServiceError::Store(error) => {
                tracing::error!(error = format!("{error:#}"), "store error");
                Problem::internal()
            }
        }
    }
}
