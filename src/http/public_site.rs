//! `/notices/`: the published website notices, public like the real site,
//! served from the database so that every instance serves the same site
//! without sharing `publish.dir`. A file the database does not hold (the
//! agreements list, a district's own addition to the folder) is served from
//! `publish.dir`, and a missing one gets `notices::not_published`'s page.

use super::AppState;
use crate::store::SiteFileRecord;
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use tower::ServiceExt;

/// Where the site is mounted.
pub const MOUNT: &str = "/notices";

/// The service `app::router` nests at [`MOUNT`]: it sees paths with the
/// mount stripped (`/`, `/notice-….html`).
pub fn service(state: AppState) -> axum::Router {
    axum::Router::new().fallback(serve).with_state(state)
}

async fn serve(
    State(state): State<AppState>,
    OriginalUri(original): OriginalUri,
    request: Request,
) -> Response {
    // Relative links in the index need the folder's trailing slash.
    if original.path() == MOUNT {
        return Redirect::permanent(&format!("{MOUNT}/")).into_response();
    }
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        if let Some(name) = stored_name(request.uri().path()) {
            match state.cases.site_file(name).await {
                Ok(Some(file)) => return answer(&file, request.headers()),
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(
                        error = format!("{error:#}"),
                        "reading a website file from the database failed"
                    );
                    return super::problem::Problem::internal().into_response();
                }
            }
        }
    }
    let folder = tower_http::services::ServeDir::new(&state.settings.publish_dir)
        .append_index_html_on_directories(true)
        .fallback(axum::routing::any(super::notices::not_published));
    match folder.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// The stored file a path names: only plain names at the top of the site
/// (what a publication stores), the folder itself being its index.
fn stored_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix('/').unwrap_or(path);
    let name = if name.is_empty() { "index.html" } else { name };
    let plain = !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    plain.then_some(name)
}

/// The file with its type and a strong validator (its SHA-256), so that a
/// reader's cache asks again and gets a 304 while it is unchanged.
fn answer(file: &SiteFileRecord, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", file.sha256);
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, file.body.clone()).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    // A notice can be updated: readers revalidate rather than keep a copy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::stored_name;

    #[test]
    fn only_plain_top_level_names_are_read_from_the_database() {
        assert_eq!(stored_name("/"), Some("index.html"));
        assert_eq!(stored_name("/notice-1.html"), Some("notice-1.html"));
        assert_eq!(stored_name("/feed.atom"), Some("feed.atom"));
        assert_eq!(stored_name("/agreements/index.html"), None);
        assert_eq!(stored_name("/.breachd-x.tmp"), None);
        assert_eq!(stored_name("/a%2Fb"), None);
    }
}
