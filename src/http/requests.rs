//! `/api/v1/requests`: families' privacy requests. A reporter or an
//! administrator files, assigns, answers and closes them; every role reads
//! them. The answers hold the requester's name and address (staff only);
//! problems name the bad field, never what was typed.

use super::auth::{Caller, Permission, Reporter};
use super::body::JsonBody;
use super::params::{paging, parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::requests::input;
use crate::domain::incident::{optional_text, reject_unknown_fields, required_text};
use crate::domain::request::Via;
use crate::views::{self, RequestList, RequestView};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

/// A privacy request as filed (`POST /api/v1/requests`).
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct NewRequestBody {
    /// `inquiry`, `complaint`, `dispute`, `records_access` or `correction`.
    #[schema(example = "dispute")]
    kind: String,
    /// When the district received it, with its UTC offset.
    #[schema(format = DateTime, example = "2026-03-02T09:00:00-05:00")]
    received_at: String,
    requester: views::Requester,
    #[schema(max_length = 4000)]
    summary: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/requests",
    tag = "requests",
    operation_id = "file_request",
    summary = "File a family's privacy request (reporter, admin)",
    description = "Starts the response duty its kind has (`district_responds_to_<kind>`: the federal FERPA \
        pack's 45 days for `records_access`, the board's `[[district.policy]]` for the others), plans its \
        reminders and emails the requester a receipt with the request's reference. Invalid input answers 422 \
        naming each bad field; nothing is stored.",
    request_body = NewRequestBody,
    responses(
        (status = 201, description = "Filed, with its obligations", body = RequestView,
            headers(("Location" = String, description = "The request's URL"))),
        (status = 403, description = "A viewer cannot file requests", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    body: JsonBody,
) -> Result<Response, Problem> {
    let new = input::parse(&body.value).map_err(Problem::invalid)?;
    let filed = state
        .cases
        .file_request(new, Via::Api, &caller.name)
        .await?;
    let view = views::request(
        &filed.request,
        &filed.obligations,
        state.cases.now(),
        state.settings.timezone,
    );
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/requests/{}", filed.request.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many, 0 to 1000 (default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    /// Skip this many (default 0).
    #[param(value_type = Option<u64>)]
    offset: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/requests",
    tag = "requests",
    operation_id = "list_requests",
    summary = "Privacy requests, newest received first (every role)",
    description = "Each without its obligations; `GET /api/v1/requests/{id}` has them.",
    params(ListQuery),
    responses(
        (status = 200, description = "The requests", body = RequestList),
        (status = 422, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> Result<Json<RequestList>, Problem> {
    caller.require(Permission::Read)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(query.limit.as_deref(), query.offset.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let records = state.cases.privacy_requests(limit, offset).await?;
    Ok(Json(views::request_list(
        &records,
        limit,
        offset,
        state.cases.now(),
        state.settings.timezone,
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/requests/{id}",
    tag = "requests",
    operation_id = "get_request",
    summary = "One privacy request with its obligations (every role)",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = RequestView),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "request")?;
    let found = state
        .cases
        .privacy_request(id)
        .await
        .map_err(|e| Problem::from_service(e, "request"))?;
    Ok(Json(views::request(
        &found.request,
        &found.obligations,
        state.cases.now(),
        state.settings.timezone,
    )))
}

/// `{"to": "privacy_officer"}`: a contact role or a contact's address.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct AssignBody {
    #[schema(example = "privacy_officer")]
    to: String,
}

/// `{"answer": "…"}`: emailed to the requester and kept.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct AnswerBody {
    #[schema(max_length = 20000)]
    answer: String,
}

/// `{"note": "…"}` (optional): why it is closed.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct CloseBody {
    #[schema(max_length = 20000)]
    note: Option<String>,
}

/// The one text field of an action's body, every other field refused.
fn action_text(body: &JsonBody, field: &'static str, required: bool) -> Result<String, Problem> {
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &[field], &mut errors);
    let text = if required {
        required_text(object, field, input::MAX_ANSWER_CHARS, &mut errors)
    } else {
        optional_text(object, field, input::MAX_ANSWER_CHARS, &mut errors)
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    Ok(text.unwrap_or_default())
}

fn answer_view(
    state: &AppState,
    found: crate::cases::requests::RequestWithDuties,
) -> Json<RequestView> {
    Json(views::request(
        &found.request,
        &found.obligations,
        state.cases.now(),
        state.settings.timezone,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/requests/{id}/assign",
    tag = "requests",
    operation_id = "assign_request",
    summary = "Assign a request to a contact role or person (reporter, admin)",
    params(("id" = String, Path, description = "The request's id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "Assigned", body = RequestView),
        (status = 403, description = "A viewer cannot assign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed, or changed by someone else meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a contact role or address", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn assign(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<RequestView>, Problem> {
    let id = parse_id(&id, "request")?;
    let to = action_text(&body, "to", true)?;
    let found = state
        .cases
        .assign_request(id, &to, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "request"))?;
    Ok(answer_view(&state, found))
}

#[utoipa::path(
    post,
    path = "/api/v1/requests/{id}/answer",
    tag = "requests",
    operation_id = "answer_request",
    summary = "Answer a request: emailed to the requester, kept, its duty completed (reporter, admin)",
    params(("id" = String, Path, description = "The request's id")),
    request_body = AnswerBody,
    responses(
        (status = 200, description = "Answered; the email is planned", body = RequestView),
        (status = 403, description = "A viewer cannot answer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Answered or closed already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No answer given", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<RequestView>, Problem> {
    let id = parse_id(&id, "request")?;
    let text = action_text(&body, "answer", true)?;
    let found = state
        .cases
        .answer_request(id, &text, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "request"))?;
    Ok(answer_view(&state, found))
}

#[utoipa::path(
    post,
    path = "/api/v1/requests/{id}/close",
    tag = "requests",
    operation_id = "close_request",
    summary = "Close a request; a duty still open is completed with the note (reporter, admin)",
    params(("id" = String, Path, description = "The request's id")),
    request_body = CloseBody,
    responses(
        (status = 200, description = "Closed", body = RequestView),
        (status = 403, description = "A viewer cannot close", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<RequestView>, Problem> {
    let id = parse_id(&id, "request")?;
    let note = action_text(&body, "note", false)?;
    let found = state
        .cases
        .close_request(id, &note, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "request"))?;
    Ok(answer_view(&state, found))
}
