//! The HTTP API (axum): routes per resource, bearer-token auth, problem+json
//! errors, a 1 MiB body limit, a request timeout and a request id on every
//! request's log span.

pub mod auth;
pub mod body;
pub mod data_elements;
pub mod evidence;
pub mod health;
pub mod incidents;
pub mod metrics;
pub mod notices;
pub mod obligations;
pub mod openapi;
pub mod params;
pub mod problem;

pub use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use problem::Problem;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every `/api/v1` route. All of them authenticate through the `Caller`
/// extractor; a test walks this list to prove none is left open.
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", post(incidents::file).get(incidents::list))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/events", post(incidents::record_event))
        .route("/obligations", get(obligations::list))
        .route("/obligations/{id}", get(obligations::get))
        .route("/obligations/{id}/complete", post(obligations::complete))
        .route("/obligations/{id}/waive", post(obligations::waive))
        .route("/data-elements", get(data_elements::list))
        .route(
            "/incidents/{id}/roster",
            post(notices::import_roster)
                .get(notices::roster)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/incidents/{id}/notice",
            get(notices::notice).put(notices::edit_notice),
        )
        .route("/incidents/{id}/notice/approve", post(notices::approve))
        .route("/incidents/{id}/deliveries", get(notices::deliveries))
        .route("/incidents/{id}/evidence", get(evidence::evidence))
}

pub fn router(state: AppState) -> Router {
    let timeout = state.settings.request_timeout;
    Router::new()
        .nest("/api/v1", api_routes())
        // Public, outside `api_routes()`: the API's description holds no data.
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/livez", get(health::livez))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(crate::web::routes())
        // The published website notices, public like the real site.
        .nest_service(
            "/notices",
            tower_http::services::ServeDir::new(&state.settings.publish_dir)
                .append_index_html_on_directories(true),
        )
        .fallback(|| async {
            Problem::new(StatusCode::NOT_FOUND, "Not found").detail("no such route")
        })
        .layer(DefaultBodyLimit::max(body::BODY_LIMIT))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                // The route pattern, never the raw path or query: no ids of
                // people and no tokens end up in logs.
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str)
                    .to_owned();
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                tracing::info_span!("request", method = %request.method(), route, request_id)
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
