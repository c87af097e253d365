//! Finding the incident a page or form names: its id from the path, and
//! the page that says there is no such thing. Shared by every page and
//! action of an incident, so that none depends on another for it.

use crate::state::AppState;
use crate::web::User;
use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

pub(super) fn parse_id(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text).ok()
}

pub(super) fn not_found(user: &User, state: &AppState, what: &str) -> Response {
    user.message(
        state,
        StatusCode::NOT_FOUND,
        "Not found",
        &format!("There is no such {what}."),
    )
}
