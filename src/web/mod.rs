//! Web pages for administrators and IT staff (work in progress).

use crate::http::AppState;
use axum::Router;

/// The pages, merged into the daemon's router.
pub fn routes() -> Router<AppState> {
    Router::new()
}
