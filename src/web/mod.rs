//! Web pages for administrators and IT staff, served by the daemon itself:
//! a deadline board, incident pages with a timeline, a form to file a report
//! and a roster upload, all server-rendered HTML (minijinja templates
//! embedded from `config/templates/web/`, autoescaped) with one small CSS
//! file and no JavaScript, so every action is a plain form post.
//!
//! Who may do what follows the API's roles (viewer reads, reporter files and
//! records events, admin approves, completes, waives and imports rosters).
//! People sign in once with their API token; see [`session`] for the
//! cookie, its CSRF tokens and the sessions kept in the database.
//!
//! The routes, merged into the daemon's router by `http::router`:
//!
//! | route | role | page or action |
//! |---|---|---|
//! | `GET /` | viewer | the deadline board |
//! | `GET/POST /sign-in`, `POST /sign-out` | anyone | session |
//! | `GET /auth/oidc/{id}/login`, `.../callback` | anyone | sign in with an identity provider |
//! | `GET/POST /incidents/new` | reporter | file a report (preview or file) |
//! | `GET /incidents` | viewer | every incident, open or closed, searchable |
//! | `GET /incidents/{id}` | viewer | the incident |
//! | `POST /incidents/{id}/events` | reporter | record a clock event |
//! | `GET /incidents/{id}/notice` | viewer | the notice as each audience will receive it |
//! | `POST /incidents/{id}/notice` | admin | edit the draft (English or one language) |
//! | `POST /incidents/{id}/notice/test` | admin | mail a test to one of the district's contacts |
//! | `POST /incidents/{id}/notice/approve` | admin | approve the family notice (confirmed) |
//! | `GET/POST /incidents/{id}/roster` | admin | roster upload |
//! | `GET /incidents/{id}/evidence` | admin | the printable compliance record |
//! | `POST /incidents/{id}/withdraw`, `.../merge` | admin | close a report early |
//! | `GET /incidents/{id}/letters` | admin | the print-ready paper letters |
//! | `POST /incidents/{id}/letters/mailed`, `.../letters/exception` | admin | record paper letters mailed, or why no notice is possible |
//! | `POST /obligations/{id}/complete`, `.../waive` | admin | settle |
//! | `GET /sessions` | viewer | one's sign-ins (an admin: everyone's) |
//! | `POST /sessions/{id}/revoke` | own, or admin | end a sign-in |
//! | `POST /sessions/sign-out-everywhere` | viewer | end all of one's sign-ins |
//! | `GET /vendors`, `GET /vendors/{id}` | viewer | the vendor registry |
//! | `GET /vendors/new`, `POST /vendors/new` | admin | register a vendor (the same form) |
//! | `GET /vendors/{id}/edit`, `POST /vendors/{id}/edit` | admin | change a vendor's registration (replaced whole) |
//! | `GET /vendors/{id}/document` | viewer | download the signed agreement |
//! | `POST /vendors/{id}/document` | admin | upload the signed agreement |
//! | `GET /contracts`, `GET /contracts/{id}` | viewer | contracts and their duties |
//! | `POST /contracts/{id}/amendment-request`, `.../amendment` | admin | record the notice to amend, the amendment |
//! | `GET/POST /consent/{token}` | anyone with the link | a guardian's consent for a vendor that will not sign |
//! | `GET /contracts/{id}/document` | viewer | download the signed contract |
//! | `POST /contracts/{id}/document` | admin | upload the signed contract |
//! | `GET /assets/style.css` | anyone | the stylesheet |

mod auth;
mod board;
mod consent_form;
mod contract_amendment;
mod contract_document;
mod contract_forms;
mod contracts;
pub mod deliveries;
mod documents;
pub mod format;
mod incident;
mod incidents;
mod oidc;
mod privacy_form;
mod public_flood;
mod report;
mod requests;
mod roster;
mod rules;
pub mod session;
mod sessions;
pub mod timeline;
mod vendor_consent;
mod vendor_edit;
mod vendors;

use crate::auth::Permission;
use crate::settings::Role;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;
use session::{secure_cookies, session_unavailable, Flash, Keys, Session};

use std::sync::Arc;

/// The templates, embedded so that the binary is the whole deployment.
const TEMPLATES: [(&str, &str); 26] = [
    (
        "layout.html",
        include_str!("../../config/templates/web/layout.html"),
    ),
    (
        "macros.html",
        include_str!("../../config/templates/web/macros.html"),
    ),
    (
        "sign_in.html",
        include_str!("../../config/templates/web/sign_in.html"),
    ),
    (
        "board.html",
        include_str!("../../config/templates/web/board.html"),
    ),
    (
        "incident.html",
        include_str!("../../config/templates/web/incident.html"),
    ),
    (
        "timeline.html",
        include_str!("../../config/templates/web/timeline.html"),
    ),
    (
        "report.html",
        include_str!("../../config/templates/web/report.html"),
    ),
    (
        "roster.html",
        include_str!("../../config/templates/web/roster.html"),
    ),
    (
        "message.html",
        include_str!("../../config/templates/web/message.html"),
    ),
    (
        "rules.html",
        include_str!("../../config/templates/web/rules.html"),
    ),
    (
        "vendors.html",
        include_str!("../../config/templates/web/vendors.html"),
    ),
    (
        "vendor.html",
        include_str!("../../config/templates/web/vendor.html"),
    ),
    (
        "vendor_edit.html",
        include_str!("../../config/templates/web/vendor_edit.html"),
    ),
    (
        "contracts.html",
        include_str!("../../config/templates/web/contracts.html"),
    ),
    (
        "contract.html",
        include_str!("../../config/templates/web/contract.html"),
    ),
    (
        "notice.html",
        include_str!("../../config/templates/web/notice.html"),
    ),
    (
        "incidents.html",
        include_str!("../../config/templates/web/incidents.html"),
    ),
    (
        "sessions.html",
        include_str!("../../config/templates/web/sessions.html"),
    ),
    (
        "moving_on.html",
        include_str!("../../config/templates/web/moving_on.html"),
    ),
    (
        "requests.html",
        include_str!("../../config/templates/web/requests.html"),
    ),
    (
        "request.html",
        include_str!("../../config/templates/web/request.html"),
    ),
    (
        "privacy_request.html",
        include_str!("../../config/templates/web/privacy_request.html"),
    ),
    (
        "privacy_request_sent.html",
        include_str!("../../config/templates/web/privacy_request_sent.html"),
    ),
    (
        "consent.html",
        include_str!("../../config/templates/web/consent.html"),
    ),
    (
        "vendor_consent.html",
        include_str!("../../config/templates/web/vendor_consent.html"),
    ),
    (
        "document.html",
        include_str!("../../config/templates/web/document.html"),
    ),
];

const STYLE: &str = include_str!("../../config/templates/web/style.css");

/// A roster of a large district is a hundred megabytes or more: the page
/// takes what the API takes (the upload is streamed to disk); everything
/// else stays under the daemon's 1 MiB limit.
const ROSTER_BODY_LIMIT: usize = crate::roster::UPLOAD_LIMIT as usize;

/// A signed document's upload takes what the API's takes.
const DOCUMENT_BODY_LIMIT: usize = crate::http::documents::BODY_LIMIT;

/// What the pages share: the signing key of this process and the templates.
pub struct Web {
    keys: Keys,
    templates: Environment<'static>,
    /// The identity providers, set up at first use (see `oidc`).
    oidc: std::sync::OnceLock<Option<Arc<crate::oidc::Oidc>>>,
    /// The public request form's limit per address, set up at first use
    /// from `[requests]` (see `privacy_form`).
    form_limit: std::sync::OnceLock<crate::form_limit::FormLimit>,
    /// The consent page's limit per address, the same `[requests]`
    /// settings, counted apart (see `consent_form`).
    consent_limit: std::sync::OnceLock<crate::form_limit::FormLimit>,
}

impl Web {
    fn new() -> Self {
        let mut templates = Environment::new();
        // Every template is HTML (the timeline's SVG is inline HTML too), so
        // every value is escaped whatever the file is called.
        templates.set_auto_escape_callback(|_| AutoEscape::Html);
        templates.set_trim_blocks(true);
        templates.set_lstrip_blocks(true);
        for (name, text) in TEMPLATES {
            templates
                .add_template(name, text)
                .expect("the embedded templates parse: a unit test renders each one");
        }
        Self {
            keys: Keys::random(),
            templates,
            oidc: std::sync::OnceLock::new(),
            form_limit: std::sync::OnceLock::new(),
            consent_limit: std::sync::OnceLock::new(),
        }
    }

    fn render(&self, template: &str, site: &Site, page: &impl Serialize) -> Response {
        let rendered = self
            .templates
            .get_template(template)
            .and_then(|t| t.render(minijinja::context! { site => site, page => page }));
        match rendered {
            Ok(html) => Html(html).into_response(),
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    template,
                    "page rendering failed"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Html("<!DOCTYPE html><title>Error</title><h1>Something went wrong</h1><p>The error was logged.</p>"),
                )
                    .into_response()
            }
        }
    }
}

/// The pages, merged into the daemon's router.
pub fn routes() -> Router<AppState> {
    let web = Arc::new(Web::new());
    Router::new()
        .route("/", get(board::page))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/incidents", get(incidents::page))
        .route("/incidents/new", get(report::page).post(report::submit))
        .route("/incidents/{id}", get(incident::page))
        .route("/incidents/{id}/events", post(incident::record_event))
        .route(
            "/incidents/{id}/notice",
            get(incident::notice_page).post(incident::save_notice),
        )
        .route("/incidents/{id}/notice/test", post(incident::test_notice))
        .route("/incidents/{id}/notice/approve", post(incident::approve))
        .route("/incidents/{id}/evidence", get(incident::evidence_page))
        .route(
            "/incidents/{id}/withdraw",
            post(incident::withdraw_incident),
        )
        .route("/incidents/{id}/merge", post(incident::merge_incident))
        .route("/incidents/{id}/letters", get(incident::letters_print))
        .route(
            "/incidents/{id}/letters/mailed",
            post(incident::letters_mailed),
        )
        .route(
            "/incidents/{id}/letters/exception",
            post(incident::letters_exception),
        )
        .route(
            "/incidents/{id}/roster",
            get(roster::page)
                .post(roster::upload)
                .layer(DefaultBodyLimit::max(ROSTER_BODY_LIMIT)),
        )
        .route("/obligations/{id}/complete", post(incident::complete))
        .route("/obligations/{id}/waive", post(incident::waive))
        .route("/rules", get(rules::page))
        .route("/auth/oidc/{id}/login", get(oidc::login))
        .route("/auth/oidc/{id}/callback", get(oidc::callback))
        .route("/sessions", get(sessions::page))
        .route("/sessions/{id}/revoke", post(sessions::revoke))
        .route("/sessions/sign-out-everywhere", post(sessions::everywhere))
        .route("/vendors", get(vendors::list))
        .route(
            "/vendors/new",
            get(vendor_edit::new_form).post(vendor_edit::register),
        )
        .route("/vendors/{id}", get(vendors::one))
        .route(
            "/vendors/{id}/document",
            get(vendors::download_document)
                .post(vendors::upload_document)
                .layer(DefaultBodyLimit::max(DOCUMENT_BODY_LIMIT)),
        )
        .route("/requests", get(requests::list))
        .route("/requests/{id}", get(requests::one))
        .route("/requests/{id}/assign", post(requests::assign))
        .route("/requests/{id}/answer", post(requests::answer))
        .route("/requests/{id}/close", post(requests::close))
        .route(
            "/privacy/request",
            get(privacy_form::form).post(privacy_form::submit),
        )
        .route("/privacy/request/sent", get(privacy_form::sent))
        .route(
            "/consent/{token}",
            get(consent_form::page).post(consent_form::submit),
        )
        .route(
            "/vendors/{id}/edit",
            get(vendor_edit::form).post(vendor_edit::save),
        )
        .route("/contracts", get(contracts::list))
        .route("/contracts/{id}", get(contracts::one))
        .route(
            "/contracts/{id}/amendment-request",
            post(contract_amendment::request),
        )
        .route("/contracts/{id}/amendment", post(contract_amendment::amend))
        .route(
            "/contracts/{id}/document",
            get(contract_document::download)
                .post(contract_document::upload)
                .layer(DefaultBodyLimit::max(DOCUMENT_BODY_LIMIT)),
        )
        .route("/assets/style.css", get(style))
        .layer(axum::middleware::map_response(security_headers))
        .layer(Extension(web))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// Pages hold incident details: never cached, never framed, no inline
/// script or style allowed, forms post only here.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    // Stricter than the shared layer's (http::security), which adds
    // nosniff and X-Frame-Options to every answer, pages included.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// What every page's frame shows.
#[derive(Serialize)]
pub struct Site<'a> {
    district: &'a str,
    zone: String,
    user: Option<UserView>,
    csrf: Option<&'a str>,
    flash: Option<&'a Flash>,
    /// Which navigation entry is the current page.
    nav: &'a str,
}

#[derive(Serialize)]
struct UserView {
    name: String,
    role: &'static str,
    can_report: bool,
    can_admin: bool,
}

/// A signed-in user, extracted from the session cookie of a request.
///
/// Without a valid session a GET is redirected to the sign-in page and any
/// other method is refused with 403, before its body is read.
pub struct User {
    pub session: Session,
    web: Arc<Web>,
    flash: Option<Flash>,
    secure: bool,
}

fn web_of(parts: &Parts) -> Arc<Web> {
    parts
        .extensions
        .get::<Arc<Web>>()
        .cloned()
        .expect("routes() layers the Web extension over every page route")
}

impl FromRequestParts<AppState> for User {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let web = web_of(parts);
        let now = state.cases.now();
        let safe = parts.method == Method::GET || parts.method == Method::HEAD;
        if !safe && cross_site(&parts.headers) {
            return Err(message(
                &web,
                state,
                None,
                StatusCode::FORBIDDEN,
                "Refused",
                "The request came from another site, so nothing was changed.",
            ));
        }
        let session = match session::cookie(&parts.headers, session::SESSION_COOKIE) {
            Some(value) => state.cases.session(value).await,
            None => Ok(None),
        };
        let session = session.map_err(|error| session_unavailable(&web, state, &error))?;
        let Some(session) = session else {
            if safe {
                let next = parts
                    .uri
                    .path_and_query()
                    .map_or("/", |pq| pq.as_str())
                    .to_owned();
                return Err(
                    Redirect::to(&format!("/sign-in?next={}", percent_encode(&next)))
                        .into_response(),
                );
            }
            return Err(message(
                &web,
                state,
                None,
                StatusCode::FORBIDDEN,
                "Sign in first",
                "Your session has ended or was never started, so nothing was changed. Sign in and try again.",
            ));
        };
        let flash = session::cookie(&parts.headers, session::FLASH_COOKIE)
            .and_then(|value| web.keys.open_flash(value, now));
        Ok(User {
            session,
            web,
            flash,
            secure: secure_cookies(state, &parts.headers),
        })
    }
}

impl User {
    pub fn may(&self, permission: Permission) -> bool {
        permission.allows(self.session.role)
    }

    /// 403 unless the user's role may do this.
    fn require(&self, state: &AppState, permission: Permission) -> Result<(), Refused> {
        if self.may(permission) {
            return Ok(());
        }
        Err(Refused::from(self.message(
            state,
            StatusCode::FORBIDDEN,
            "Not allowed",
            &format!(
                "The {} role may not do this, so nothing was changed: it takes {}. Ask an administrator if you need it.",
                self.session.role.as_str(),
                permission.holders()
            ),
        )))
    }

    /// 403 unless the form carried this session's CSRF token.
    fn check_csrf(&self, state: &AppState, presented: Option<&str>) -> Result<(), Refused> {
        if presented.is_some_and(|token| self.session.csrf_matches(token)) {
            return Ok(());
        }
        Err(Refused::from(self.message(
            state,
            StatusCode::FORBIDDEN,
            "The form has expired",
            "The form did not carry this session's security token (it may come from an earlier sign-in), so nothing was changed. Go back, reload the page and try again.",
        )))
    }

    fn site<'a>(&'a self, state: &'a AppState, nav: &'a str) -> Site<'a> {
        Site {
            district: &state.settings.district_name,
            zone: state.settings.timezone.name().to_owned(),
            user: Some(UserView {
                name: self.session.name.clone(),
                role: self.session.role.as_str(),
                can_report: matches!(self.session.role, Role::Reporter | Role::Admin),
                can_admin: self.session.role == Role::Admin,
            }),
            csrf: Some(&self.session.csrf),
            flash: self.flash.as_ref(),
            nav,
        }
    }

    /// Renders a page; a flash message shown on it is used up.
    fn page(
        &self,
        state: &AppState,
        status: StatusCode,
        template: &str,
        nav: &str,
        page: &impl Serialize,
    ) -> Response {
        let mut response = self.web.render(template, &self.site(state, nav), page);
        *response.status_mut() = status;
        if self.flash.is_some() {
            response.headers_mut().append(
                header::SET_COOKIE,
                session::clear_cookie(session::FLASH_COOKIE, self.secure),
            );
        }
        response
    }

    fn message(&self, state: &AppState, status: StatusCode, title: &str, text: &str) -> Response {
        self.page(
            state,
            status,
            "message.html",
            "",
            &MessagePage { title, text },
        )
    }

    /// A 303 to `to` that shows `flash` there: the Post/Redirect/Get pattern,
    /// so reloading the next page does not repeat the action.
    fn redirect_with(
        &self,
        state: &AppState,
        to: &str,
        level: &'static str,
        text: String,
    ) -> Response {
        let flash = Flash {
            level,
            message: text,
        };
        let value = self.web.keys.flash(&flash, state.cases.now());
        let mut response = Redirect::to(to).into_response();
        response.headers_mut().append(
            header::SET_COOKIE,
            session::set_cookie(
                session::FLASH_COOKIE,
                &value,
                chrono::Duration::minutes(2),
                self.secure,
            ),
        );
        response
    }

    /// Logs a failure and answers 500, saying nothing about its cause.
    fn internal(&self, state: &AppState, error: impl std::fmt::Display) -> Response {
        tracing::error!(error = format!("{error:#}"), "web page failed");
        self.message(
            state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The error was logged. Nothing was changed by this request unless the page you come back to says so.",
        )
    }
}

/// A page that ends a request early (403, 404, ...). Boxed because a
/// `Response` is large and this one travels in the `Err` of a `Result`.
pub struct Refused(Box<Response>);

impl From<Response> for Refused {
    fn from(response: Response) -> Self {
        Self(Box::new(response))
    }
}

impl From<Refused> for Response {
    fn from(refused: Refused) -> Self {
        *refused.0
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        *self.0
    }
}

#[derive(Serialize)]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
}

/// A message page for someone who may not be signed in.
fn message(
    web: &Web,
    state: &AppState,
    csrf: Option<&str>,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    let site = Site {
        district: &state.settings.district_name,
        zone: state.settings.timezone.name().to_owned(),
        user: None,
        csrf,
        flash: None,
        nav: "",
    };
    let mut response = web.render("message.html", &site, &MessagePage { title, text });
    *response.status_mut() = status;
    response
}

/// The fields of a submitted form, in order (a name may repeat, as checkboxes
/// do: serde_urlencoded reads that as a list of pairs).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The trimmed value, or "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_owned()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

/// Percent-encodes a path for a query value (the sign-in page's `next`).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where to go after signing in: only a path of this site, never another
/// host (`//evil.example` or `/\evil.example` would be one to a browser).
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Whether the browser says the request comes from another site: refused
/// outright on every POST, a second line behind SameSite and CSRF tokens.
fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(local_path(Some("/incidents/x?a=1")), "/incidents/x?a=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
        assert_eq!(percent_encode("/a b?c=d"), "/a%20b%3Fc%3Dd");
    }

    #[test]
    fn every_template_parses() {
        let web = Web::new();
        for (name, _) in TEMPLATES {
            assert!(web.templates.get_template(name).is_ok(), "{name}");
        }
    }
}
