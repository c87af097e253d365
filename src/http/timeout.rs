//! The request timeout, chosen by route: roster uploads have their own
//! (`server.roster_timeout`), because a large district's import outlasts
//! the limit every other request keeps (`server.request_timeout`). A request
//! past its limit is answered 408 (problem+json, filled in by
//! `problem::fill_bare_errors`).

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// The two limits.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub request: Duration,
    pub roster: Duration,
}

/// The routes that take a roster upload: the API's and the page's.
const ROSTER_ROUTES: [&str; 2] = ["/api/v1/incidents/{id}/roster", "/incidents/{id}/roster"];

impl Timeouts {
    fn of(&self, method: &Method, route: Option<&str>) -> Duration {
        match route {
            Some(route) if method == Method::POST && ROSTER_ROUTES.contains(&route) => self.roster,
            _ => self.request,
        }
    }
}

pub async fn limit(State(timeouts): State<Timeouts>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let limit = timeouts.of(request.method(), route.as_deref());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_roster_uploads_get_the_roster_limit() {
        let timeouts = Timeouts {
            request: Duration::from_secs(30),
            roster: Duration::from_secs(600),
        };
        let roster = Duration::from_secs(600);
        let request = Duration::from_secs(30);
        assert_eq!(
            timeouts.of(&Method::POST, Some("/api/v1/incidents/{id}/roster")),
            roster
        );
        assert_eq!(
            timeouts.of(&Method::POST, Some("/incidents/{id}/roster")),
            roster
        );
        assert_eq!(
            timeouts.of(&Method::GET, Some("/api/v1/incidents/{id}/roster")),
            request
        );
        assert_eq!(
            timeouts.of(&Method::POST, Some("/api/v1/incidents")),
            request
        );
        assert_eq!(timeouts.of(&Method::POST, None), request);
    }
}
