//! The public consent page (`/consent/{token}`): no sign-in, the signed
//! link is the guardian's key. It shows the district, the vendor, what the
//! vendor will receive and its privacy policy, and one choice per child of
//! that guardian, by first name ("your child Maya"); nothing of anyone
//! else. Answered once: afterwards the page says when. A forged or unknown
//! link is 404 in plain words, with nothing looked up past the signature.
//! Submissions are limited per client address like the privacy-request
//! form's (`[requests]` form limit, a limiter of its own) and a filled-in
//! honeypot is answered like success with nothing stored. Neither the token
//! nor any answer is logged (the request log names the route pattern only).

use super::{Fields, Site, Web};
use crate::cases::consent::LinkAnswer;
use crate::cases::ServiceError;
use crate::domain::consent::Answer;
use crate::domain::timestamp::readable_in_zone;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// The honeypot's field name, as on the privacy-request form.
const HONEYPOT: &str = "website";

#[derive(Serialize)]
struct ChildChoice {
    field: String,
    first_name: String,
}

#[derive(Serialize)]
struct ErrorItem {
    field: String,
    label: String,
    reason: String,
}

#[derive(Serialize)]
struct ConsentPage {
    token: String,
    vendor: String,
    guardian: String,
    description: String,
    privacy_policy_url: String,
    children: Vec<ChildChoice>,
    /// When it was answered, in words in the district's zone.
    answered: Option<String>,
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

fn field(index: usize) -> String {
    format!("child_{index}")
}

fn not_found(web: &Web, state: &AppState) -> Response {
    super::message(
        web,
        state,
        None,
        StatusCode::NOT_FOUND,
        "This link is not valid",
        "This consent link is not one the district sent, or it was copied incompletely. Open the link from the email again, or write to the district directly.",
    )
}

fn failed(web: &Web, state: &AppState, error: &ServiceError) -> Response {
    tracing::error!(error = %error, "consent page failed");
    super::message(
        web,
        state,
        None,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "Your answer could not be read or saved, so nothing was recorded. Please try again later, or write to the district directly.",
    )
}

async fn render(
    web: &Web,
    state: &AppState,
    token: &str,
    status: StatusCode,
    errors: Vec<crate::domain::FieldError>,
) -> Response {
    let link = match state.cases.consent_link(token).await {
        Ok(link) => link,
        Err(ServiceError::NotFound) => return not_found(web, state),
        Err(error) => return failed(web, state, &error),
    };
    let zone = state.settings.timezone;
    let children: Vec<ChildChoice> = link
        .children
        .iter()
        .enumerate()
        .map(|(index, first_name)| ChildChoice {
            field: field(index),
            first_name: first_name.clone(),
        })
        .collect();
    let page = ConsentPage {
        token: token.to_owned(),
        vendor: link.vendor_name,
        guardian: link.guardian_name,
        description: link.campaign.description,
        privacy_policy_url: link.campaign.privacy_policy_url,
        answered: link.answered_at.map(|at| readable_in_zone(at, zone)),
        errors: errors
            .iter()
            .map(|e| (e.field.clone(), e.reason.clone()))
            .collect(),
        error_list: errors
            .iter()
            .map(|e| ErrorItem {
                field: e.field.clone(),
                label: children
                    .iter()
                    .find(|c| c.field == e.field)
                    .map(|c| format!("Your child {}", c.first_name))
                    .unwrap_or_else(|| "Your answer".to_owned()),
                reason: e.reason.clone(),
            })
            .collect(),
        children,
    };
    let mut response = web.render("consent.html", &site(state), &page);
    *response.status_mut() = status;
    // The page is the guardian's own: never kept by a shared cache, and the
    // token never sent on to the vendor's policy page (the pages' referrer
    // policy is same-origin).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn page(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    Path(token): Path<String>,
) -> Response {
    render(&web, &state, &token, StatusCode::OK, Vec::new()).await
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    Path(token): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let flood = super::public_flood::Flood {
        log: "consent page: too many answers from one address",
        title: "Too many answers",
        what: "answers",
        not_done: "recorded",
    };
    if let Some(refused) = super::public_flood::refused(
        &web,
        &state,
        super::public_flood::limit(&web.consent_limit, &state),
        peer,
        &flood,
    ) {
        return refused;
    }
    let back = Redirect::to(&format!("/consent/{token}")).into_response();
    if !fields.text(HONEYPOT).is_empty() {
        tracing::info!("consent page: honeypot filled in, nothing stored");
        return back;
    }
    // One choice per child, `child_0`, `child_1`, ... in the page's order;
    // a child left out is named by the use case.
    let mut choices: Vec<Option<Answer>> = Vec::new();
    let mut errors = Vec::new();
    for (name, value) in &fields.0 {
        let Some(index) = name
            .strip_prefix("child_")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n < 1000)
        else {
            continue;
        };
        if choices.len() <= index {
            choices.resize(index + 1, None);
        }
        match Answer::parse(value.trim()) {
            Ok(answer) => choices[index] = Some(answer),
            Err(reason) => errors.push(crate::domain::FieldError::new(name.as_str(), reason)),
        }
    }
    if !errors.is_empty() {
        return render(
            &web,
            &state,
            &token,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
        )
        .await;
    }
    match state.cases.answer_consent_link(&token, &choices).await {
        Ok(LinkAnswer::Recorded(_) | LinkAnswer::AlreadyAnswered(_)) => back,
        Err(ServiceError::NotFound) => not_found(&web, &state),
        Err(ServiceError::Invalid(errors)) => {
            render(
                &web,
                &state,
                &token,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(error) => failed(&web, &state, &error),
    }
}
