//! Signing in and out of the web pages. A person signs in once with their
//! API token (the same tokens as the API, checked the same way); from then
//! on a session cookie stands for it (see `session`), and the token itself
//! is never stored in the browser. Each sign-in, failure and sign-out is
//! audited and counted.

use super::session::{self, Flash};
use super::{
    cross_site, local_path, message, secure_cookies, session_unavailable, Fields, Site, Web,
};
use crate::cases::access::TOKEN_PROVIDER;
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
    /// How long a sign-in lasts, in words ("12 hours").
    lifetime: String,
    /// How long without a request ends it ("2 hours").
    idle: String,
    /// One "Sign in with ..." button per identity provider.
    providers: Vec<ProviderButton>,
    /// Whether the token form is shown (`auth.token_sign_in`).
    token_sign_in: bool,
}

#[derive(Serialize)]
struct ProviderButton {
    name: String,
    href: String,
}

/// "12 hours", "90 minutes": a lifetime as the sign-in page states it.
fn in_words(duration: chrono::Duration) -> String {
    let minutes = duration.num_minutes();
    if minutes % 60 == 0 {
        crate::words::count((minutes / 60) as u64, "hour", "hours")
    } else {
        crate::words::count(minutes as u64, "minute", "minutes")
    }
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
    let page = SignInPage {
        next,
        error,
        lifetime: in_words(state.settings.sessions.absolute),
        idle: in_words(state.settings.sessions.idle),
        providers: state
            .settings
            .oidc
            .iter()
            .map(|provider| ProviderButton {
                name: provider.name.clone(),
                href: format!(
                    "/auth/oidc/{}/login?next={}",
                    provider.id,
                    super::percent_encode(next)
                ),
            })
            .collect(),
        token_sign_in: state.settings.token_sign_in,
    };
    let mut response = web.render("sign_in.html", &site, &page);
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
    let signed_in = match session::cookie(&headers, session::SESSION_COOKIE) {
        Some(value) => match state.cases.session(value).await {
            Ok(session) => session.is_some(),
            Err(error) => return session_unavailable(&web, &state, &error),
        },
        None => false,
    };
    if signed_in {
        return Redirect::to(&next).into_response();
    }
    let flash = session::cookie(&headers, session::FLASH_COOKIE)
        .and_then(|value| web.keys.open_flash(value, now));
    let mut response = sign_in_form(&web, &state, StatusCode::OK, &next, None, flash.as_ref());
    if flash.is_some() {
        response.headers_mut().append(
            header::SET_COOKIE,
            session::clear_cookie(session::FLASH_COOKIE, secure_cookies(&state, &headers)),
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
    if !state.settings.token_sign_in {
        return message(
            &web,
            &state,
            None,
            StatusCode::FORBIDDEN,
            "Token sign-in is turned off",
            "This breachd signs people in with the district's account only. Use the sign-in button on the sign-in page.",
        );
    }
    let presented = fields.text("token");
    let holder = if presented.is_empty() {
        Ok(None)
    } else {
        state.cases.authenticate_token(&presented).await
    };
    let holder = match holder {
        Ok(holder) => holder,
        Err(error) => return session_unavailable(&web, &state, &error),
    };
    let Some(holder) = holder else {
        tracing::info!("web sign-in refused");
        if let Err(error) = state
            .cases
            .sign_in_failed(TOKEN_PROVIDER, "unknown token")
            .await
        {
            tracing::error!(error = %error, "auditing a failed sign-in failed");
        }
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
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let opened = state
        .cases
        .sign_in(&holder.name, holder.role, TOKEN_PROVIDER, user_agent)
        .await;
    let (value, _) = match opened {
        Ok(opened) => opened,
        Err(error) => return session_unavailable(&web, &state, &error),
    };
    tracing::info!(role = holder.role.as_str(), "web sign-in");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(
            session::SESSION_COOKIE,
            &value,
            state.settings.sessions.absolute,
            secure_cookies(&state, &headers),
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
    let secure = secure_cookies(&state, &headers);
    let session = match session::cookie(&headers, session::SESSION_COOKIE) {
        Some(value) => match state.cases.session(value).await {
            Ok(session) => session,
            Err(error) => return session_unavailable(&web, &state, &error),
        },
        None => None,
    };
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
        if let Err(error) = state.cases.sign_out(session).await {
            return session_unavailable(&web, &state, &error);
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
