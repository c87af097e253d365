//! Who is signed in: everyone's sessions for an administrator, one's own
//! for everyone else, with a button to end each and "sign out everywhere".
//! Ending a session deletes its row, so the browser holding it is signed
//! out at its next request, on every instance.

use super::format::{self, LocalTime};
use super::{secure_cookies, session, Fields, User};
use crate::auth::Permission;
use crate::cases::access::TOKEN_PROVIDER;
use crate::cases::ServiceError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Serialize;

#[derive(Serialize)]
struct SessionRow {
    id: String,
    who: String,
    role: &'static str,
    /// "API token", or the identity provider's name.
    method: String,
    browser: String,
    started: LocalTime,
    last_used: LocalTime,
    /// The session of the browser looking at the page.
    this_browser: bool,
}

#[derive(Serialize)]
struct SessionsPage {
    everyone: bool,
    sessions: Vec<SessionRow>,
}

/// How the person signed in, in words: "API token" or the provider's name.
fn method_name(state: &AppState, provider: &str) -> String {
    if provider == TOKEN_PROVIDER {
        return "API token".to_owned();
    }
    state
        .settings
        .oidc
        .iter()
        .find(|p| p.id == provider)
        .map_or_else(|| provider.to_owned(), |p| p.name.clone())
}

pub async fn page(State(state): State<AppState>, user: User) -> Response {
    let everyone = user.may(Permission::Administer);
    let sessions = match state.cases.sessions().await {
        Ok(sessions) => sessions,
        Err(error) => return user.internal(&state, error),
    };
    let zone = state.settings.timezone;
    let sessions = sessions
        .into_iter()
        .filter(|s| everyone || s.subject == user.session.name)
        .map(|s| SessionRow {
            this_browser: s.id == user.session.id,
            id: s.id,
            who: s.subject,
            role: s.role.as_str(),
            method: method_name(&state, &s.provider),
            browser: s.user_agent,
            started: format::local(s.created_at, zone),
            last_used: format::local(s.last_seen_at, zone),
        })
        .collect();
    let page = SessionsPage { everyone, sessions };
    user.page(&state, StatusCode::OK, "sessions.html", "sessions", &page)
}

/// Signed out, with the cookie removed: where ending one's own session
/// leads.
fn signed_out(state: &AppState, user: &User, headers: &axum::http::HeaderMap) -> Response {
    let mut response =
        user.redirect_with(state, "/sign-in", "ok", "You are signed out.".to_owned());
    response.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(session::SESSION_COOKIE, secure_cookies(state, headers)),
    );
    response
}

/// Ends one session: an administrator's any, anyone else's their own.
pub async fn revoke(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = user.check_csrf(&state, fields.get("csrf")) {
        return refused.into();
    }
    let sessions = match state.cases.sessions().await {
        Ok(sessions) => sessions,
        Err(error) => return user.internal(&state, error),
    };
    let Some(target) = sessions.into_iter().find(|s| s.id == id) else {
        return user.redirect_with(
            &state,
            "/sessions",
            "ok",
            "That sign-in had already ended.".to_owned(),
        );
    };
    if target.subject != user.session.name {
        if let Err(refused) = user.require(&state, Permission::Administer) {
            return refused.into();
        }
    }
    match state.cases.revoke_session(&id, &user.session.name).await {
        Ok(()) | Err(ServiceError::NotFound) if id == user.session.id => {
            signed_out(&state, &user, &headers)
        }
        Ok(()) | Err(ServiceError::NotFound) => user.redirect_with(
            &state,
            "/sessions",
            "ok",
            format!(
                "{}'s sign-in ({} on {}) is ended: their next page asks them to sign in.",
                target.subject,
                method_name(&state, &target.provider),
                target.user_agent
            ),
        ),
        Err(error) => user.internal(&state, error),
    }
}

/// Ends every session of the signed-in person, this one included.
pub async fn everywhere(
    State(state): State<AppState>,
    user: User,
    headers: axum::http::HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = user.check_csrf(&state, fields.get("csrf")) {
        return refused.into();
    }
    let name = user.session.name.clone();
    match state.cases.end_sessions_of(&name, &name).await {
        Ok(_) => signed_out(&state, &user, &headers),
        Err(error) => user.internal(&state, error),
    }
}
