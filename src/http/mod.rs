//! The HTTP API (axum): routes per resource, bearer-token auth and
//! problem+json errors. `app` mounts it beside the pages and the public
//! notices, under the body limit, the request timeout and the request id.

pub mod auth;
pub mod body;
pub mod closing;
pub mod consent;
pub mod contract_documents;
pub mod contracts;
pub mod data_elements;
pub mod documents;
pub mod evidence;
mod evidence_csv;
pub mod health;
pub mod incidents;
pub mod jobs;
pub mod letters;
pub(crate) mod letters_html;
pub mod metrics;
pub mod notice_edit;
pub mod notice_preview;
pub mod notices;
pub mod obligations;
pub mod openapi;
pub mod params;
pub mod problem;
pub mod public_site;
pub mod requests;
pub mod rules;
pub mod security;
pub mod serve;
mod strict_json;
pub mod timeout;
pub mod vendor_documents;
pub mod vendors;

pub use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::routing::{get, post};
use axum::Router;

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every `/api/v1` route. All of them authenticate through the `Caller`
/// extractor; a test walks this list to prove none is left open.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", post(incidents::file).get(incidents::list))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/events", post(incidents::record_event))
        .route(
            "/incidents/{id}/events/{kind}/correct",
            post(incidents::correct_event),
        )
        .route("/obligations", get(obligations::list))
        .route("/obligations/{id}", get(obligations::get))
        .route("/obligations/{id}/complete", post(obligations::complete))
        .route("/obligations/{id}/waive", post(obligations::waive))
        .route("/data-elements", get(data_elements::list))
        .route("/rules", get(rules::list))
        .route(
            "/incidents/{id}/roster",
            post(notices::import_roster)
                .get(notices::roster)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/incidents/{id}/notice",
            get(notices::notice).put(notice_edit::edit_notice),
        )
        .route("/incidents/{id}/notice/approve", post(notices::approve))
        .route("/incidents/{id}/withdraw", post(closing::withdraw))
        .route("/incidents/{id}/merge", post(closing::merge))
        .route(
            "/incidents/{id}/notice/preview",
            get(notice_preview::preview),
        )
        .route(
            "/incidents/{id}/notice/test",
            post(notice_preview::send_test),
        )
        .route("/incidents/{id}/deliveries", get(notices::deliveries))
        .route("/incidents/{id}/letters", get(letters::letters))
        .route("/incidents/{id}/letters/mailed", post(letters::mailed))
        .route(
            "/incidents/{id}/letters/exception",
            post(letters::exception),
        )
        .route("/incidents/{id}/evidence", get(evidence::evidence))
        .route("/vendors", post(vendors::register).get(vendors::list))
        .route("/vendors/{id}", get(vendors::get).put(vendors::update))
        .route(
            "/vendors/{id}/document",
            post(vendor_documents::upload)
                .get(vendor_documents::download)
                .layer(DefaultBodyLimit::max(documents::BODY_LIMIT)),
        )
        .route(
            "/vendors/{id}/consent-campaigns",
            post(consent::start)
                .get(consent::list)
                .layer(DefaultBodyLimit::max(consent::MAX_ROSTER_BYTES + 64 * 1024)),
        )
        .route("/consent-campaigns/{id}", get(consent::get))
        .route("/consent-campaigns/{id}/answers", post(consent::answer))
        .route("/contracts", post(contracts::file).get(contracts::list))
        .route("/contracts/{id}", get(contracts::get))
        .route(
            "/contracts/{id}/roster",
            post(contracts::upload_roster)
                .layer(DefaultBodyLimit::max(consent::MAX_ROSTER_BYTES + 64 * 1024)),
        )
        .route(
            "/contracts/{id}/amendment-request",
            post(contracts::request_amendment),
        )
        .route("/contracts/{id}/amendment", post(contracts::amend))
        .route(
            "/contracts/{id}/document",
            post(contract_documents::upload)
                .get(contract_documents::download)
                .layer(DefaultBodyLimit::max(documents::BODY_LIMIT)),
        )
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/requests", post(requests::file).get(requests::list))
        .route("/requests/{id}", get(requests::get))
        .route("/requests/{id}/assign", post(requests::assign))
        .route("/requests/{id}/answer", post(requests::answer))
        .route("/requests/{id}/close", post(requests::close))
}
