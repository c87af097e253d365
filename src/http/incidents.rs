//! `/api/v1/incidents`: file, read and list incidents; record clock events.

use super::auth::{Admin, Caller, Permission, Reporter};
use super::body::JsonBody;
use super::params::{paging, parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::domain::incident::timestamp_field;
use crate::domain::{ClockEvent, DelayRequest, FieldError, NewIncident};
use crate::store::IncidentStatusFilter;
use crate::views::{self, Ids};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
const MAX_KEY_LEN: usize = 255;

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents",
    tag = "incidents",
    operation_id = "file_incident",
    summary = "File a breach report (reporter, admin)",
    description = "Classifies the data elements and derives every obligation with its citations and due time. \
        Invalid input answers 422 naming each bad field; nothing is stored. With an `Idempotency-Key`, a retry \
        of the same body repeats the first answer (with `Idempotent-Replayed: true`) instead of filing twice.",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; makes retries safe")),
    request_body = NewIncident,
    responses(
        (status = 201, description = "Filed (or the replay of a first answer)", body = views::Incident,
            headers(("Location" = String, description = "The new incident's URL"))),
        (status = 403, description = "The token's role may not file", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named; or the Idempotency-Key was used with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    headers: HeaderMap,
    body: JsonBody,
) -> Result<Response, Problem> {
    let idempotency = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LEN)
                .ok_or_else(|| {
                    Problem::field(
                        "Idempotency-Key",
                        format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
                    )
                })?;
            Some((key.to_owned(), hex::encode(Sha256::digest(&body.raw))))
        }
    };
    // A retry with a stored answer is answered before validation, so that
    // even the answer to a request that has since become invalid (a
    // timestamp now "in the future" cannot, but rules may) is repeated.
    if let Some((key, hash)) = &idempotency {
        if let Some(first) = state
            .cases
            .earlier_answer(&caller.name, key)
            .await
            .map_err(Problem::from)?
        {
            return replay(first, hash);
        }
    }
    let incident = NewIncident::from_json(&body.value).map_err(Problem::invalid)?;
    let hash = idempotency.as_ref().map(|(_, hash)| hash.clone());
    let filed = state
        .cases
        .file(incident, &caller.name, idempotency)
        .await?;
    if filed.replayed {
        return replay(filed.response, hash.as_deref().unwrap_or_default());
    }
    let id = serde_json::from_str::<Value>(&filed.response.body)
        .ok()
        .and_then(|body| body["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut response = json_response(StatusCode::CREATED, filed.response.body);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/incidents/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn replay(first: crate::store::StoredResponse, request_hash: &str) -> Result<Response, Problem> {
    if first.request_hash != request_hash {
        return Err(Problem::field(
            "Idempotency-Key",
            "was already used with a different request body; use a new key for a new report",
        ));
    }
    let status = StatusCode::from_u16(first.status).unwrap_or(StatusCode::CREATED);
    let mut response = json_response(status, first.body);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}",
    tag = "incidents",
    operation_id = "get_incident",
    summary = "An incident with its classification and obligations (every role)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "The incident", body = views::Incident),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<views::Incident>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    let (incident, obligations) = state
        .cases
        .incident(id)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    let jobs = state.cases.incident_jobs(id).await.map_err(Problem::from)?;
    let now = state.cases.now();
    Ok(Json(views::incident(
        &incident,
        &obligations,
        &jobs,
        now,
        state.settings.timezone,
        Ids::Shown,
    )))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open`, `overdue`, `closed` or `all` (the default).
    status: Option<String>,
    /// At most this many, 0 to 1000 (default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
    /// Skip this many (default 0).
    #[param(value_type = Option<u64>)]
    offset: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "incidents",
    operation_id = "list_incidents",
    summary = "List incidents, newest first (every role)",
    params(ListQuery),
    responses(
        (status = 200, description = "The incidents", body = views::IncidentList),
        (status = 422, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ListQuery>,
) -> Result<Json<views::IncidentList>, Problem> {
    caller.require(Permission::Read)?;
    let mut errors = Vec::new();
    let status = match query.status.as_deref() {
        None | Some("all") | Some("") => None,
        Some("open") => Some(IncidentStatusFilter::Open),
        Some("overdue") => Some(IncidentStatusFilter::Overdue),
        Some("closed") => Some(IncidentStatusFilter::Closed),
        Some(_) => {
            errors.push(FieldError::new(
                "status",
                "must be open, overdue, closed or all",
            ));
            None
        }
    };
    let (limit, offset) = paging(query.limit.as_deref(), query.offset.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let now = state.cases.now();
    let zone = state.settings.timezone;
    let summaries = state
        .cases
        .incidents(status, limit, offset)
        .await
        .map_err(Problem::from)?;
    Ok(Json(views::incident_list(
        &summaries, limit, offset, now, zone,
    )))
}

// Documentation only: `record_event` reads the body field by field, so that
// every bad field is named in one answer, and keeps a parsed `ClockEvent`.
/// A clock event (`POST /api/v1/incidents/{id}/events`).
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockEventBody {
    /// Lowercase letters, digits and underscores, e.g. `board_notified`,
    /// `families_notified`, `website_posted`; not `discovered`.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "board_notified")]
    pub kind: String,
    #[schema(format = DateTime, example = "2025-01-07T14:00:00-05:00")]
    pub at: String,
    /// With `delay_requested` only: who asked and whether in writing.
    pub delay: Option<DelayRequest>,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/events",
    tag = "incidents",
    operation_id = "record_event",
    summary = "Record a clock event (reporter, admin)",
    description = "Dependent obligations start and every due time is recomputed. Recording an event already \
        recorded at the same time changes nothing (200).",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = ClockEventBody,
    responses(
        (status = 201, description = "Recorded; the incident as it now stands", body = views::Incident),
        (status = 200, description = "Already recorded; the incident", body = views::Incident),
        (status = 403, description = "The token's role may not record events", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event was already recorded at another time", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn record_event(
    State(state): State<AppState>,
    Reporter(caller): Reporter,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<views::Incident>), Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"kind\": ..., \"at\": ...}",
        ));
    };
    let mut errors = Vec::new();
    crate::domain::incident::reject_unknown_fields(object, &["kind", "at", "delay"], &mut errors);
    let kind = match object.get("kind").and_then(Value::as_str) {
        Some(text) => match ClockEvent::parse(text) {
            Ok(kind) if kind.as_str() == ClockEvent::DISCOVERED => {
                errors.push(FieldError::new(
                    "kind",
                    "discovered is set when the incident is filed",
                ));
                None
            }
            Ok(kind) => Some(kind),
            Err(reason) => {
                errors.push(FieldError::new("kind", reason));
                None
            }
        },
        None => {
            errors.push(FieldError::new(
                "kind",
                "is required, e.g. \"board_notified\"",
            ));
            None
        }
    };
    let at = required_at(object, &mut errors);
    let delay = match object.get("delay") {
        None | Some(Value::Null) => None,
        Some(value) => match serde_json::from_value::<DelayRequest>(value.clone()) {
            Ok(delay) if !delay.agency.trim().is_empty() => Some(delay),
            _ => {
                errors.push(FieldError::new(
                    "delay",
                    "must be {\"agency\": \"…\", \"written\": true|false}",
                ));
                None
            }
        },
    };
    let (Some(kind), Some(at), true) = (kind, at, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let created = state
        .cases
        .record_event_with(id, kind, at, delay, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    let (incident, obligations) = state.cases.incident(id).await?;
    let jobs = state.cases.incident_jobs(id).await.map_err(Problem::from)?;
    let now = state.cases.now();
    let body = views::incident(
        &incident,
        &obligations,
        &jobs,
        now,
        state.settings.timezone,
        Ids::Shown,
    );
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(body)))
}

// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The event's corrected time.
    #[schema(format = DateTime, example = "2025-01-08T09:00:00-05:00")]
    pub at: String,
    /// Why the recorded time was wrong, for the record.
    #[schema(min_length = 1, max_length = 5000)]
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/events/{kind}/correct",
    tag = "incidents",
    operation_id = "correct_event",
    summary = "Correct the time of a recorded clock event (admin)",
    description = "The old and new times and the reason are audited; every dependent obligation is recomputed \
        and its reminders re-planned (reminders already sent stay in the record).",
    params(
        ("id" = uuid::Uuid, Path, description = "The incident's id"),
        ("kind" = String, Path, description = "The recorded event, e.g. `board_notified`"),
    ),
    request_body = CorrectionBody,
    responses(
        (status = 200, description = "Corrected; the incident as it now stands", body = views::Incident),
        (status = 403, description = "Only an administrator corrects an event", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event was not recorded, or is recorded at that time already", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn correct_event(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((id, kind)): Path<(String, String)>,
    body: JsonBody,
) -> Result<Json<views::Incident>, Problem> {
    let id = parse_id(&id, "incident")?;
    let kind = ClockEvent::parse(&kind).map_err(|_| Problem::not_found("event"))?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"at\": ..., \"reason\": ...}",
        ));
    };
    let mut errors = Vec::new();
    crate::domain::incident::reject_unknown_fields(object, &["at", "reason"], &mut errors);
    let at = required_at(object, &mut errors);
    let reason = match object.get("reason") {
        Some(Value::String(reason)) => Some(reason.as_str()),
        _ => {
            errors.push(FieldError::new(
                "reason",
                "is required: say why the recorded time was wrong",
            ));
            None
        }
    };
    let (Some(at), Some(reason), true) = (at, reason, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let after = state
        .cases
        .correct_event(id, kind, at, reason, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    let jobs = state.cases.incident_jobs(id).await.map_err(Problem::from)?;
    Ok(Json(views::incident(
        &after.incident,
        &after.obligations,
        &jobs,
        state.cases.now(),
        state.settings.timezone,
        Ids::Shown,
    )))
}

/// The body's `at`: required, an RFC 3339 time with an offset.
fn required_at(
    object: &serde_json::Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<crate::domain::Timestamp> {
    match object.get("at") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("at", "is required"));
            None
        }
        Some(value) => timestamp_field("at", value, errors),
    }
}
