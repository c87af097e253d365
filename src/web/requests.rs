//! The staff pages of families' privacy requests: the list (every role)
//! and one request with its duty, where a reporter or an administrator
//! assigns, answers (emailed to the requester) and closes it. The
//! requester's name and address are shown here, to staff only.

use super::{Fields, User};
use crate::auth::Permission;
use crate::cases::requests::RequestWithDuties;
use crate::cases::ServiceError;
use crate::state::AppState;
use crate::store::PrivacyRequestRecord;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};

/// Requests per page.
const PAGE: i64 = 50;

#[derive(Serialize)]
struct RequestRow {
    id: String,
    reference: String,
    kind: &'static str,
    received: String,
    via: &'static str,
    status: &'static str,
    assigned_to: Option<String>,
    name: String,
    email: String,
    summary: String,
    answer: Option<String>,
    answered: Option<String>,
    closed: Option<String>,
    close_note: Option<String>,
}

fn row(record: &PrivacyRequestRecord, state: &AppState) -> RequestRow {
    let zone = state.settings.timezone;
    let local = |at| super::format::local(at, zone).text;
    RequestRow {
        id: record.id.to_string(),
        reference: record.reference.to_string(),
        kind: record.kind.label(),
        received: local(record.received_at),
        via: match record.via {
            crate::domain::request::Via::Api => "entered by staff",
            crate::domain::request::Via::PublicForm => "through the public form",
        },
        status: record.status().label(),
        assigned_to: record.assigned_to.clone(),
        name: record.requester_name.clone(),
        email: record.requester_email.clone(),
        summary: record.summary.clone(),
        answer: record.answer.clone(),
        answered: record.answered_at.map(local),
        closed: record.closed_at.map(local),
        close_note: record.close_note.clone(),
    }
}

#[derive(Serialize)]
struct Duty {
    id: String,
    title: String,
    status: &'static str,
    due: Option<String>,
    citation: Option<String>,
    note: Option<String>,
}

#[derive(Serialize)]
struct ListPage {
    requests: Vec<RequestRow>,
    next_offset: Option<i64>,
}

#[derive(Serialize)]
struct OnePage {
    request: RequestRow,
    duties: Vec<Duty>,
    roles: Vec<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    offset: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(query): Query<ListQuery>,
) -> Response {
    let offset = query.offset.unwrap_or(0).max(0);
    let records = match state.cases.privacy_requests(PAGE + 1, offset).await {
        Ok(records) => records,
        Err(error) => return user.internal(&state, error),
    };
    let more = records.len() as i64 > PAGE;
    let page = ListPage {
        requests: records
            .iter()
            .take(PAGE as usize)
            .map(|record| row(record, &state))
            .collect(),
        next_offset: more.then_some(offset + PAGE),
    };
    user.page(&state, StatusCode::OK, "requests.html", "requests", &page)
}

fn not_found(user: &User, state: &AppState) -> Response {
    user.message(
        state,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such request.",
    )
}

fn one_page(state: &AppState, found: &RequestWithDuties) -> OnePage {
    let now = state.cases.now();
    let zone = state.settings.timezone;
    OnePage {
        request: row(&found.request, state),
        duties: found
            .obligations
            .iter()
            .map(|o| {
                let operative = o
                    .sources
                    .iter()
                    .filter(|s| s.due_at.is_some())
                    .min_by_key(|s| s.due_at);
                Duty {
                    id: o.id.to_string(),
                    title: o.title.clone(),
                    status: super::format::status(o.status(now), o.due_at, now).word,
                    due: o.due_at.map(|due| super::format::local(due, zone).text),
                    citation: operative.map(|s| s.citation.clone()),
                    note: o.completion_note.clone(),
                }
            })
            .collect(),
        roles: state.settings.contacts.keys().cloned().collect(),
    }
}

pub async fn one(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found(&user, &state);
    };
    match state.cases.privacy_request(id).await {
        Ok(found) => user.page(
            &state,
            StatusCode::OK,
            "request.html",
            "requests",
            &one_page(&state, &found),
        ),
        Err(ServiceError::NotFound) => not_found(&user, &state),
        Err(error) => user.internal(&state, error),
    }
}

/// What a staff form asks of a request.
enum Action {
    Assign,
    Answer,
    Close,
}

async fn act(state: AppState, user: User, id: String, fields: Fields, action: Action) -> Response {
    if let Err(refused) = user.require(&state, Permission::Report) {
        return refused.into();
    }
    if let Err(refused) = user.check_csrf(&state, fields.get("csrf")) {
        return refused.into();
    }
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found(&user, &state);
    };
    let by = user.session.name.clone();
    let (outcome, done) = match action {
        Action::Assign => (
            state
                .cases
                .assign_request(id, &fields.text("to"), &by)
                .await,
            "The request is assigned.",
        ),
        Action::Answer => (
            state
                .cases
                .answer_request(id, &fields.text("answer"), &by)
                .await,
            "The answer is on its way to the requester, and the duty is done.",
        ),
        Action::Close => (
            state
                .cases
                .close_request(id, &fields.text("note"), &by)
                .await,
            "The request is closed.",
        ),
    };
    let page = format!("/requests/{id}");
    match outcome {
        Ok(_) => user.redirect_with(&state, &page, "ok", done.to_owned()),
        Err(ServiceError::NotFound) => not_found(&user, &state),
        Err(ServiceError::Invalid(errors)) => {
            let text = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.reason))
                .collect::<Vec<_>>()
                .join("; ");
            user.redirect_with(
                &state,
                &page,
                "error",
                format!("Nothing was changed. {text}"),
            )
        }
        Err(ServiceError::Conflict(reason)) => user.redirect_with(
            &state,
            &page,
            "error",
            format!("Nothing was changed: {reason}"),
        ),
        Err(error) => user.internal(&state, error),
    }
}

pub async fn assign(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    act(state, user, id, Fields(fields), Action::Assign).await
}

pub async fn answer(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    act(state, user, id, Fields(fields), Action::Answer).await
}

pub async fn close(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    act(state, user, id, Fields(fields), Action::Close).await
}
