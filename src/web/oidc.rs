//! Signing in with the district's identity provider (`[[auth.oidc]]`):
//! `GET /auth/oidc/{id}/login` sends the browser to the provider, and
//! `GET /auth/oidc/{id}/callback` takes its answer back. The protocol is
//! `crate::oidc`'s; the sign-in under way is kept by `cases::access`,
//! bound to the browser by a short-lived cookie, so the answer is honoured
//! once, by any instance, and only in the browser that asked.
//!
//! The session cookie is `SameSite=Strict`, which a browser does not send on
//! the first page after arriving from another site (the provider). So the
//! callback answers a small page that moves on by itself (a meta refresh,
//! no script) instead of a redirect: that next request is same-site.

use super::session;
use super::{local_path, message, secure_cookies, session_unavailable, Site, Web};
use crate::cases::access::{ProviderSignIn, Vouched};
use crate::oidc::{Oidc, OidcError};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

/// Binds a sign-in under way to the browser that began it.
const BINDING_COOKIE: &str = "breachd_oidc";

#[derive(Deserialize)]
pub struct Login {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

impl Web {
    /// The providers, set up on first use from the settings.
    pub(super) fn oidc(&self, state: &AppState) -> Option<&Oidc> {
        self.oidc
            .get_or_init(|| {
                match Oidc::new(&state.settings.oidc, state.settings.public_url.as_deref()) {
                    Ok(oidc) => Some(Arc::new(oidc)),
                    Err(error) => {
                        tracing::error!(error = %error, "identity providers unavailable");
                        None
                    }
                }
            })
            .as_deref()
    }
}

/// The name on a provider's button.
fn provider_name(state: &AppState, id: &str) -> Option<String> {
    state
        .settings
        .oidc
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
}

/// The binding cookie: `SameSite=Lax`, since it must come back with the
/// provider's cross-site redirect; only sent to `/auth/oidc/`.
fn binding_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{BINDING_COOKIE}={value}; Path=/auth/oidc/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("the binding cookie's value is hex digits")
}

pub async fn login(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<Login>,
) -> Response {
    let Some(name) = provider_name(&state, &id) else {
        return message(&web, &state, None, StatusCode::NOT_FOUND, "No such sign-in", "There is no sign-in by that name here. Go back to the sign-in page and choose one of its buttons.");
    };
    let Some(oidc) = web.oidc(&state) else {
        return unavailable(&web, &state, &name);
    };
    let begun = match oidc.begin(&id).await {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(provider = %id, error = %error, "sign-in could not begin");
            return unavailable(&web, &state, &name);
        }
    };
    let next = local_path(query.next.as_deref());
    let kept = state
        .cases
        .keep_sign_in(&id, &begun.state, &begun.nonce, &begun.pkce_verifier, &next)
        .await;
    let browser = match kept {
        Ok(browser) => browser,
        Err(error) => return session_unavailable(&web, &state, &error),
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, begun.url)]).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        binding_cookie(&browser, 600, secure_cookies(&state, &headers)),
    );
    response
}

fn unavailable(web: &Web, state: &AppState, name: &str) -> Response {
    message(
        web,
        state,
        None,
        StatusCode::BAD_GATEWAY,
        "Sign-in is not available just now",
        &format!("breachd could not reach {name}. Try again in a minute; if it keeps failing, tell whoever runs breachd (the details are in its log)."),
    )
}

/// A sign-in that did not work: audited (with a reason, never what was
/// presented), counted against the address, and explained.
async fn refused(
    web: Arc<Web>,
    state: AppState,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    provider: String,
    reason: &'static str,
    words: String,
) -> Response {
    if let Err(error) = state.cases.sign_in_failed(&provider, reason).await {
        tracing::error!(error = %error, "auditing a failed sign-in failed");
    }
    if let Some(Extension(ConnectInfo(address))) = peer {
        if let Err(wait) = state.failed_sign_ins.failed(address.ip()) {
            let seconds = wait.as_secs().max(1);
            let mut response = message(
                &web,
                &state,
                None,
                StatusCode::TOO_MANY_REQUESTS,
                "Too many failed sign-ins",
                &format!("Too many sign-ins failed from this address. Wait {seconds} seconds, then try again."),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            return response;
        }
    }
    message(
        &web,
        &state,
        None,
        StatusCode::UNAUTHORIZED,
        "The sign-in did not work",
        &words,
    )
}

#[derive(Serialize)]
struct Moving<'a> {
    next: &'a str,
}

pub async fn callback(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Query(answer): Query<Answer>,
) -> Response {
    let secure = secure_cookies(&state, &headers);
    let Some(name) = provider_name(&state, &id) else {
        return message(
            &web,
            &state,
            None,
            StatusCode::NOT_FOUND,
            "No such sign-in",
            "There is no sign-in by that name here.",
        );
    };
    let failed = |reason: &'static str, words: String| {
        refused(
            Arc::clone(&web),
            state.clone(),
            peer,
            id.clone(),
            reason,
            words,
        )
    };
    if answer.error.is_some() {
        return failed("refused by the provider", format!("{name} did not sign you in (it may have been cancelled). Go back to the sign-in page to try again.")).await;
    }
    let (Some(code), Some(given_state)) = (answer.code.as_deref(), answer.state.as_deref()) else {
        return failed(
            "incomplete answer",
            format!(
                "The answer from {name} was incomplete. Go back to the sign-in page to try again."
            ),
        )
        .await;
    };
    let browser = session::cookie(&headers, BINDING_COOKIE);
    let attempt = match state.cases.take_sign_in(&id, given_state, browser).await {
        Ok(Some(attempt)) => attempt,
        Ok(None) => {
            return failed("unknown or expired sign-in", "This sign-in was begun in another browser, was already used, or took longer than ten minutes. Go back to the sign-in page to try again.".to_owned()).await;
        }
        Err(error) => return session_unavailable(&web, &state, &error),
    };
    let Some(oidc) = web.oidc(&state) else {
        return unavailable(&web, &state, &name);
    };
    let identity = match oidc
        .finish(&id, code, &attempt.nonce, &attempt.pkce_verifier)
        .await
    {
        Ok(identity) => identity,
        Err(OidcError::Provider(error)) => {
            tracing::warn!(provider = %id, error = %error, "sign-in could not finish");
            return unavailable(&web, &state, &name);
        }
        Err(error) => {
            tracing::warn!(provider = %id, error = %error, "sign-in refused");
            return failed("invalid ID token", format!("The answer from {name} did not check out, so you are not signed in. Go back to the sign-in page to try again.")).await;
        }
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let vouched = Vouched {
        provider: &id,
        subject: &identity.subject,
        verified_email: identity.verified_email.as_deref(),
        groups: &identity.groups,
        user_agent,
    };
    let outcome = match state.cases.provider_sign_in(&vouched).await {
        Ok(outcome) => outcome,
        Err(error) => return session_unavailable(&web, &state, &error),
    };
    let mut response = match outcome {
        ProviderSignIn::NoRole => ask_for_access(&web, &state, &name, identity),
        ProviderSignIn::Session(cookie, _) => {
            let mut response = moving_on(&web, &state, &attempt.next);
            response.headers_mut().append(
                header::SET_COOKIE,
                session::set_cookie(
                    session::SESSION_COOKIE,
                    &cookie,
                    state.settings.sessions.absolute,
                    secure,
                ),
            );
            response
        }
    };
    // The sign-in under way is over either way.
    response
        .headers_mut()
        .append(header::SET_COOKIE, binding_cookie("", 0, secure));
    response
}

/// Someone the provider knows but `[auth.roles]` does not: whom to ask,
/// and nothing else (403).
fn ask_for_access(
    web: &Web,
    state: &AppState,
    provider: &str,
    identity: crate::oidc::Identity,
) -> Response {
    let who = identity
        .verified_email
        .or(identity.email)
        .unwrap_or_else(|| format!("your {provider} account"));
    let whom = state
        .settings
        .contacts
        .get("privacy_officer")
        .and_then(|addresses| addresses.first())
        .map(|mailbox| format!(" (the privacy officer, {})", mailbox.email))
        .unwrap_or_default();
    message(
        web,
        state,
        None,
        StatusCode::FORBIDDEN,
        "Ask your administrator for access",
        &format!("{provider} says you are {who}, but breachd has not been told what {who} may do, so you are not signed in. Ask the person who runs breachd for your district{whom} to give {who} a role; then sign in again."),
    )
}

/// Signed in: a page that moves on to `next` by itself (see the module's
/// header for why not a redirect).
fn moving_on(web: &Web, state: &AppState, next: &str) -> Response {
    let site = Site {
        district: &state.settings.district_name,
        zone: state.settings.timezone.name().to_owned(),
        user: None,
        csrf: None,
        flash: None,
        nav: "sign-in",
    };
    web.render("moving_on.html", &site, &Moving { next })
}
