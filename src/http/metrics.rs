//! `GET /metrics`: Prometheus text format. Gauges of stored state are
//! refreshed from the database at each scrape.

use super::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    operation_id = "metrics",
    summary = "Prometheus metrics (public); every name starts with `breachd_`",
    responses(
        (status = 200, description = "The Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    // Read from the database at most once per probe period, however often
    // (and by however many) it is scraped.
    state.probes.gauges.get(|| read_gauges(&state)).await;
    // `breachd_instance`, not `instance`: Prometheus sets `instance` itself to
    // the scraped target.
    metrics::gauge!("breachd_instance_info", "breachd_instance" => state.settings.scheduler.instance_id.clone()).set(1.0);
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::handle().render(),
    )
        .into_response()
}

/// Counts every request by route pattern (never the raw path) and status.
pub async fn track(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let route = match request.extensions().get::<axum::extract::MatchedPath>() {
        Some(path) => path.as_str().to_owned(),
        // The published notices are a nested file service, not a route.
        None if request.uri().path().starts_with("/notices") => "/notices/*".to_owned(),
        None => "unmatched".to_owned(),
    };
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    crate::metrics::http_request(
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The gauges of stored state: obligations by status, the queue's depth,
/// the dead jobs.
async fn read_gauges(state: &AppState) {
    match state.cases.obligation_counts().await {
        Ok(counts) => {
            for (status, count) in counts {
                metrics::gauge!("breachd_obligations", "status" => status.as_str())
                    .set(count as f64);
            }
        }
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            "reading obligation counts for /metrics failed"
        ),
    }
    match state.cases.dead_job_count().await {
        Ok(dead) => metrics::gauge!("breachd_jobs_dead").set(dead as f64),
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            "reading the dead jobs for /metrics failed"
        ),
    }
    match state.cases.queue_depth().await {
        Ok((due, scheduled)) => {
            metrics::gauge!("breachd_queue_due").set(due as f64);
            metrics::gauge!("breachd_queue_scheduled").set(scheduled as f64);
        }
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            "reading the queue depth for /metrics failed"
        ),
    }
}
