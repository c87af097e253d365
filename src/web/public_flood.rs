//! The per-address limit of the public forms (the privacy request form and
//! the guardian's consent page): each counts every submission from a
//! client address, good or not, and answers 429 with `Retry-After` past its
//! burst, in words that say what was not done and how long to wait. The
//! address is never logged.

use super::Web;
use crate::form_limit::FormLimit;
use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use std::net::SocketAddr;
use std::sync::OnceLock;

/// How one form words its refusal.
pub(super) struct Flood {
    /// The log line's message (no address, no field).
    pub(super) log: &'static str,
    /// The page's title, e.g. "Too many requests".
    pub(super) title: &'static str,
    /// What was sent too often, in the plural: "requests", "answers".
    pub(super) what: &'static str,
    /// What did not happen to this one: "sent", "recorded".
    pub(super) not_done: &'static str,
}

/// A form's limit, made from `[requests]` at its first use.
pub(super) fn limit<'a>(cell: &'a OnceLock<FormLimit>, state: &AppState) -> &'a FormLimit {
    cell.get_or_init(|| {
        let settings = state.settings.requests;
        FormLimit::new(settings.form_burst, settings.form_refill)
    })
}

/// Counts this submission; the refusal page when its address sent too many.
pub(super) fn refused(
    web: &Web,
    state: &AppState,
    limit: &FormLimit,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    flood: &Flood,
) -> Option<Response> {
    let Extension(ConnectInfo(address)) = peer?;
    let wait = limit.submitted(address.ip()).err()?;
    let seconds = wait.as_secs().max(1);
    tracing::info!(wait_seconds = seconds, "{}", flood.log);
    let mut response = super::message(
        web,
        state,
        None,
        StatusCode::TOO_MANY_REQUESTS,
        flood.title,
        &format!(
            "Too many {} were sent from your network in a short time, so this one was not {}. Wait {} minutes, then try again, or write to the district directly.",
            flood.what,
            flood.not_done,
            seconds.div_ceil(60)
        ),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    Some(response)
}
