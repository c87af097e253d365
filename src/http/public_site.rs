//! `/notices/`: the published website notices, public like the real site,
//! served from the database so that every instance serves the same site
//! without sharing `publish.dir`: the notices, the agreements list and the
//! contract notices (their pages and feeds). A file the database does not
//! hold (an agreement's signed document, a district's own addition to the
//! folder) is served from `publish.dir`, and a missing one gets
//! `notices::not_published`'s page.

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
        let path = request.uri().path();
        // A section's index links relatively: it needs the trailing slash.
        if let Some(section) = SECTIONS
            .iter()
            .find(|s| path.strip_prefix('/') == Some(**s))
        {
            return Redirect::permanent(&format!("{MOUNT}/{section}/")).into_response();
        }
        if let Some(name) = stored_name(path) {
            match state.cases.site_file(&name).await {
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

/// The stored file a path names: plain names at the top of the site or in
/// one of its sections (the agreements list, the contract notices), which
/// is what a publication stores; a folder is its index.
fn stored_name(path: &str) -> Option<String> {
    let name = path.strip_prefix('/').unwrap_or(path);
    let (section, file) = match name.split_once('/') {
        Some((section, file)) if SECTIONS.contains(&section) => (Some(section), file),
        Some(_) => return None,
        None => (None, name),
    };
    let file = if file.is_empty() { "index.html" } else { file };
    let plain = !file.starts_with('.')
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    plain.then(|| match section {
        Some(section) => format!("{section}/{file}"),
        None => file.to_owned(),
    })
}

/// The site's sections with files of their own in the database.
const SECTIONS: [&str; 2] = [crate::site::AGREEMENTS_DIR, crate::site::CONTRACTS_DIR];

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
    fn only_plain_names_at_the_top_or_in_a_section_are_read_from_the_database() {
        let name = |path| stored_name(path);
        assert_eq!(name("/").as_deref(), Some("index.html"));
        assert_eq!(name("/notice-1.html").as_deref(), Some("notice-1.html"));
        assert_eq!(name("/feed.atom").as_deref(), Some("feed.atom"));
        assert_eq!(
            name("/agreements/").as_deref(),
            Some("agreements/index.html")
        );
        assert_eq!(
            name("/contracts/feed.atom").as_deref(),
            Some("contracts/feed.atom")
        );
        // Documents and anything deeper stay in the folder.
        assert_eq!(name("/agreements/documents/x.pdf"), None);
        assert_eq!(name("/other/index.html"), None);
        assert_eq!(name("/.breachd-x.tmp"), None);
        assert_eq!(name("/agreements/.x"), None);
        assert_eq!(name("/a%2Fb"), None);
    }
}
