//! Signing in and out of the web pages. A person signs in once with their
//! API token (the same tokens as the API, compared the same constant-time
//! way); from then on a signed session cookie stands for it, and the token
//! itself is never stored in the browser.

use super::session::{self, Flash};
use super::{cross_site, local_path, message, Fields, Site, Web};
use crate::auth::authenticate;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

#[derive(Serialize)]
struct SignInPage<'a> {
    next: &'a str,
    error: Option<&'a str>,
}

fn sign_in_form(
    web: &Web,
    state: &AppState,
    status: StatusCode,
    next: &str,
    error: Option<&str>,
    flash: Option<&Flash>,
) -> Response {
    let site = Site {
        district: &state.settings.district_name,
        zone: state.settings.timezone.name().to_owned(),
        user: None,
        csrf: None,
        flash,
        nav: "sign-in",
    };
    let mut response = web.render("sign_in.html", &site, &SignInPage { next, error });
    *response.status_mut() = status;
    response
}

pub async fn sign_in_page(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> Response {
    let now = state.cases.now();
    let next = local_path(query.next.as_deref());
    let signed_in = session::cookie(&headers, session::SESSION_COOKIE)
        .and_then(|value| web.keys.open(value, now, &state.settings.tokens))
        .is_some();
    if signed_in {
        return Redirect::to(&next).into_response();
    }
    let flash = session::cookie(&headers, session::FLASH_COOKIE)
        .and_then(|value| web.keys.open_flash(value, now));
    let mut response = sign_in_form(&web, &state, StatusCode::OK, &next, None, flash.as_ref());
    if flash.is_some() {
        response.headers_mut().append(
            header::SET_COOKIE,
            session::clear_cookie(session::FLASH_COOKIE, session::over_tls(&headers)),
        );
    }
    response
}

pub async fn sign_in(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let next = local_path(fields.get("next"));
    if cross_site(&headers) {
        return message(
            &web,
            &state,
            None,
            StatusCode::FORBIDDEN,
            "Refused",
            "The sign-in came from another site.",
        );
    }
    let presented = fields.text("token");
    let Some(token) = (!presented.is_empty())
        .then(|| authenticate(&state.settings.tokens, &presented))
        .flatten()
    else {
        tracing::info!("web sign-in refused");
        if let Some(Extension(ConnectInfo(address))) = peer {
            if let Err(wait) = state.failed_sign_ins.failed(address.ip()) {
                let mut response = sign_in_form(
                    &web,
                    &state,
                    StatusCode::TOO_MANY_REQUESTS,
                    &next,
                    Some(&format!(
                        "Too many wrong tokens from this address. Wait {} seconds, then paste the right one.",
                        wait.as_secs().max(1)
                    )),
                    None,
                );
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(wait.as_secs().max(1)),
                );
                return response;
            }
        }
        return sign_in_form(
            &web,
            &state,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(
                "That token is not valid. Paste the whole token you were given (not its SHA-256).",
            ),
            None,
        );
    };
    let now = state.cases.now();
    let (value, _) = web.keys.issue(&token.name, token.role, now);
    tracing::info!(role = token.role.as_str(), "web sign-in");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            session::SESSION_COOKIE,
            &value,
            session::LIFETIME,
            session::over_tls(&headers),
        ),
    );
    response
}

/// Signing out needs the session's CSRF token too, so that no other page can
/// sign someone out. Without a session there is nothing to end.
pub async fn sign_out(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let now = state.cases.now();
    let secure = session::over_tls(&headers);
    let session = session::cookie(&headers, session::SESSION_COOKIE)
        .and_then(|value| web.keys.open(value, now, &state.settings.tokens));
    if let Some(session) = &session {
        if !session.csrf_matches(fields.get("csrf").unwrap_or_default()) {
            return message(
                &web,
                &state,
                None,
                StatusCode::FORBIDDEN,
                "The form has expired",
                "The sign-out form did not carry this session's security token; you are still signed in. Reload the page and try again.",
            );
        }
    }
    let flash = Flash {
        level: "ok",
        message: "You are signed out.".into(),
    };
    let mut response = Redirect::to("/sign-in").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::clear_cookie(session::SESSION_COOKIE, secure),
    );
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(
            session::FLASH_COOKIE,
            &web.keys.flash(&flash, now),
            chrono::Duration::minutes(2),
            secure,
        ),
    );
    response
}
