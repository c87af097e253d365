//! `/api/v1/obligations`: obligations across incidents, soonest first; an
//! administrator completes or waives one.

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::{paging, parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::domain::incident::{optional_text, required_text, timestamp_field};
use crate::domain::{FieldError, ObligationStatus, Timestamp};
use crate::store::{ObligationFilter, Settlement};
use crate::views::{self, Ids};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Comma-separated statuses, e.g. `open,overdue`: pending, on_hold,
    /// open, overdue, done, late, waived. All when omitted.
    status: Option<String>,
    /// Only those due before this instant (RFC 3339 with an offset).
    #[param(format = DateTime)]
    due_before: Option<String>,
    /// Only this incident's.
    #[param(value_type = Option<uuid::Uuid>)]
    incident: Option<String>,
    /// At most this many, 0 to 1000 (default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    /// Skip this many (default 0); `next_offset` in the answer gives the next
    /// page's, while there is one.
    #[param(value_type = Option<u64>)]
    offset: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/obligations",
    tag = "obligations",
    operation_id = "list_obligations",
    summary = "Obligations across incidents, soonest first (every role)",
    params(ListQuery),
    responses(
        (status = 200, description = "The obligations", body = views::ObligationList),
        (status = 422, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> Result<Json<views::ObligationList>, Problem> {
    caller.require(Permission::Read)?;
    let mut errors = Vec::new();
    let mut statuses = Vec::new();
    for part in query
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.parse::<ObligationStatus>() {
            Ok(status) => statuses.push(status),
            Err(reason) => errors.push(FieldError::new("status", reason)),
        }
    }
    let due_before = query
        .due_before
        .as_deref()
        .and_then(|text| match Timestamp::parse(text) {
            Ok(at) => Some(at.utc()),
            Err(reason) => {
                errors.push(FieldError::new("due_before", reason.to_string()));
                None
            }
        });
    let incident_id =
        query
            .incident
            .as_deref()
            .and_then(|text| match uuid::Uuid::parse_str(text) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new("incident", "is not an incident id"));
                    None
                }
            });
    let (limit, offset) = paging(query.limit.as_deref(), query.offset.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let now = state.cases.now();
    let zone = state.settings.timezone;
    let rows = state
        .cases
        .obligations(&ObligationFilter {
            statuses,
            due_before,
            incident_id,
            now,
            // One more than asked: whether there is a next page.
            limit: limit + 1,
            offset,
        })
        .await
        .map_err(Problem::from)?;
    let more = rows.len() as i64 > limit;
    let shown = &rows[..rows.len().min(limit as usize)];
    let next_offset = more.then_some(offset.saturating_add(limit));
    Ok(Json(views::obligation_list(shown, next_offset, now, zone)))
}

#[utoipa::path(
    get,
    path = "/api/v1/obligations/{id}",
    tag = "obligations",
    operation_id = "get_obligation",
    summary = "One obligation (every role)",
    params(("id" = uuid::Uuid, Path, description = "The obligation's id")),
    responses(
        (status = 200, description = "The obligation", body = views::Obligation),
        (status = 404, description = "No such obligation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<views::Obligation>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "obligation")?;
    let record = state
        .cases
        .obligation(id)
        .await
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found("obligation"))?;
    let now = state.cases.now();
    Ok(Json(views::obligation(
        &record,
        now,
        state.settings.timezone,
        Ids::Shown,
    )))
}

// Documentation only, as `WaiveBody`: the handlers read the body field by
// field, so that every bad field is named in one answer.
/// Completes an obligation: done, or late after its due time.
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    /// When it was done; now when omitted.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// Waives an obligation.
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiveBody {
    #[schema(max_length = 5000)]
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/obligations/{id}/complete",
    tag = "obligations",
    operation_id = "complete_obligation",
    summary = "Complete an obligation: done, or late after its due time (admin)",
    description = "Reminders stop. An empty body (no bytes) completes it now; `at` must not be before the \
        obligation's clock started.",
    params(("id" = uuid::Uuid, Path, description = "The obligation's id")),
    request_body = CompleteBody,
    responses(
        (status = 200, description = "The obligation, settled", body = views::Obligation),
        (status = 403, description = "Only an administrator completes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such obligation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is already settled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Obligation>, Problem> {
    let id = parse_id(&id, "obligation")?;
    let empty = serde_json::Map::new();
    let object = match &body.value {
        Value::Object(object) => object,
        // No body at all completes it now; a JSON `null` is not an object.
        Value::Null if body.raw.is_empty() => &empty,
        _ => {
            return Err(Problem::field(
                "body",
                "must be a JSON object {\"at\": ..., \"note\": ...}",
            ))
        }
    };
    let mut errors = Vec::new();
    crate::domain::incident::reject_unknown_fields(object, &["at", "note"], &mut errors);
    let at = match object.get("at") {
        None | Some(Value::Null) => Some(state.cases.now()),
        Some(value) => timestamp_field("at", value, &mut errors).map(Timestamp::utc),
    };
    let note = optional_text(object, "note", 5000, &mut errors);
    let (Some(at), true) = (at, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    settle(&state, id, Settlement::Complete { at, note }, &caller).await
}

#[utoipa::path(
    post,
    path = "/api/v1/obligations/{id}/waive",
    tag = "obligations",
    operation_id = "waive_obligation",
    summary = "Waive an obligation, with the reason (admin)",
    description = "Reminders stop.",
    params(("id" = uuid::Uuid, Path, description = "The obligation's id")),
    request_body = WaiveBody,
    responses(
        (status = 200, description = "The obligation, waived", body = views::Obligation),
        (status = 403, description = "Only an administrator waives", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such obligation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is already settled", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn waive(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Obligation>, Problem> {
    let id = parse_id(&id, "obligation")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"reason\": ...}",
        ));
    };
    let mut errors = Vec::new();
    crate::domain::incident::reject_unknown_fields(object, &["reason"], &mut errors);
    let reason = required_text(object, "reason", 5000, &mut errors);
    let (Some(reason), true) = (reason, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    settle(&state, id, Settlement::Waive { reason }, &caller).await
}

async fn settle(
    state: &AppState,
    id: uuid::Uuid,
    settlement: Settlement,
    caller: &Caller,
) -> Result<Json<views::Obligation>, Problem> {
    let record = state
        .cases
        .settle(id, settlement, &caller.name)
        .await
        .map_err(|error| Problem::from_service(error, "obligation"))?;
    let now = state.cases.now();
    Ok(Json(views::obligation(
        &record,
        now,
        state.settings.timezone,
        Ids::Shown,
    )))
}
