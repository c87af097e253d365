//! The public privacy-request form (`/privacy/request`): no sign-in, so no
//! CSRF token to carry; instead each client address may send a few
//! (`[requests]`, `form_limit`), and a hidden honeypot field a robot fills
//! in is answered exactly like success while nothing is stored or sent.
//! The page never shows a reference or an id: the receipt email carries
//! the reference. Nothing the requester typed is logged.

use super::{Fields, Site, Web};
use crate::cases::requests::{input, PUBLIC_FORM};
use crate::cases::ServiceError;
use crate::domain::request::{RequestKind, Via};
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The honeypot's field name: one a form-filling robot is glad to fill.
const HONEYPOT: &str = "website";

#[derive(Serialize)]
struct KindChoice {
    value: &'static str,
    label: &'static str,
}

#[derive(Serialize, Default)]
struct Values {
    kind: String,
    name: String,
    email: String,
    summary: String,
}

#[derive(Serialize)]
struct ErrorItem {
    field: String,
    label: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct FormPage {
    kinds: Vec<KindChoice>,
    values: Values,
    errors: BTreeMap<String, String>,
    error_list: Vec<ErrorItem>,
}

fn site(state: &AppState) -> Site<'_> {
    Site {
        district: &state.settings.district_name,
        zone: state.settings.timezone.name().to_owned(),
        user: None,
        csrf: None,
        flash: None,
        nav: "",
    }
}

fn render_form(web: &Web, state: &AppState, status: StatusCode, page: &FormPage) -> Response {
    let mut response = web.render("privacy_request.html", &site(state), page);
    *response.status_mut() = status;
    response
}

fn kinds() -> Vec<KindChoice> {
    RequestKind::ALL
        .into_iter()
        .map(|kind| KindChoice {
            value: kind.as_str(),
            label: kind.label(),
        })
        .collect()
}

fn label(field: &str) -> &'static str {
    match field {
        "kind" => "What you are asking for",
        "name" => "Your name",
        "email" => "Your email address",
        _ => "Your request",
    }
}

pub async fn form(State(state): State<AppState>, Extension(web): Extension<Arc<Web>>) -> Response {
    let page = FormPage {
        kinds: kinds(),
        values: Values::default(),
        errors: BTreeMap::new(),
        error_list: Vec::new(),
    };
    render_form(&web, &state, StatusCode::OK, &page)
}

pub async fn sent(State(state): State<AppState>, Extension(web): Extension<Arc<Web>>) -> Response {
    web.render("privacy_request_sent.html", &site(&state), &())
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    // Every submission counts, good or not: each may send a receipt.
    let flood = super::public_flood::Flood {
        log: "public request form: too many from one address",
        title: "Too many requests",
        what: "requests",
        not_done: "sent",
    };
    if let Some(refused) = super::public_flood::refused(
        &web,
        &state,
        super::public_flood::limit(&web.form_limit, &state),
        peer,
        &flood,
    ) {
        return refused;
    }
    let sent = Redirect::to("/privacy/request/sent").into_response();
    if !fields.text(HONEYPOT).is_empty() {
        tracing::info!("public request form: honeypot filled in, nothing stored");
        return sent;
    }
    let values = Values {
        kind: fields.text("kind"),
        name: fields.text("name"),
        email: fields.text("email"),
        summary: fields.get("summary").unwrap_or_default().to_owned(),
    };
    let parsed = input::parse_form(&values.kind, &values.name, &values.email, &values.summary);
    let errors = match parsed {
        Ok(new) => match state
            .cases
            .file_request(new, Via::PublicForm, PUBLIC_FORM)
            .await
        {
            Ok(_) => return sent,
            Err(ServiceError::Invalid(errors)) => errors,
            Err(error) => {
                tracing::error!(error = %error, "public request form: filing failed");
                return super::message(
                    &web,
                    &state,
                    None,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Your request could not be saved, so it was not sent. Please try again later, or write to the district directly.",
                );
            }
        },
        Err(errors) => errors,
    };
    let page = FormPage {
        kinds: kinds(),
        errors: errors
            .iter()
            .map(|e| (e.field.clone(), e.reason.clone()))
            .collect(),
        error_list: errors
            .iter()
            .map(|e| ErrorItem {
                field: e.field.clone(),
                label: label(&e.field),
                reason: e.reason.clone(),
            })
            .collect(),
        values,
    };
    render_form(&web, &state, StatusCode::UNPROCESSABLE_ENTITY, &page)
}
