//! `/api/v1/obligations`: obligations across incidents, soonest first; an
//! administrator completes or waives one.

use super::auth::{Caller, Permission};
use super::body::JsonBody;
use super::incidents::{paging, parse_id};
use super::problem::Problem;
use super::AppState;
use crate::domain::incident::{optional_text, required_text, timestamp_field};
use crate::domain::timestamp::format_in_zone;
use crate::domain::{FieldError, ObligationStatus, Timestamp};
use crate::incidents::ServiceError;
use crate::store::{ObligationFilter, Settlement};
use crate::views::{self, Ids};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    due_before: Option<String>,
    incident: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, Problem> {
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
    let (limit, _) = paging(query.limit.as_deref(), query.offset.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let now = state.incidents.clock.now();
    let zone = state.settings.timezone;
    let rows = state
        .incidents
        .store
        .list_obligations(&ObligationFilter {
            statuses,
            due_before,
            incident_id,
            now,
            limit,
        })
        .await
        .map_err(|e| Problem::from(ServiceError::from(e)))?;
    let obligations: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut body = views::obligation(&row.obligation, now, zone, Ids::Shown);
            body["incident_title"] = json!(row.incident_title);
            body
        })
        .collect();
    Ok(Json(
        json!({ "obligations": obligations, "now": format_in_zone(now, zone) }),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "obligation")?;
    let record = state
        .incidents
        .store
        .obligation(id)
        .await
        .map_err(|e| Problem::from(ServiceError::from(e)))?
        .ok_or_else(|| Problem::not_found("obligation"))?;
    let now = state.incidents.clock.now();
    Ok(Json(views::obligation(
        &record,
        now,
        state.settings.timezone,
        Ids::Shown,
    )))
}

fn fields_only(
    object: &serde_json::Map<String, Value>,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) {
    for key in object.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(FieldError::new(
                key.as_str(),
                format!("unknown field; expected {}", allowed.join(", ")),
            ));
        }
    }
}

pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Administer)?;
    let id = parse_id(&id, "obligation")?;
    let empty = serde_json::Map::new();
    let object = match &body.value {
        Value::Object(object) => object,
        Value::Null => &empty,
        _ => {
            return Err(Problem::field(
                "body",
                "must be a JSON object {\"at\": ..., \"note\": ...}",
            ))
        }
    };
    let mut errors = Vec::new();
    fields_only(object, &["at", "note"], &mut errors);
    let at = match object.get("at") {
        None | Some(Value::Null) => Some(state.incidents.clock.now()),
        Some(value) => timestamp_field("at", value, &mut errors).map(Timestamp::utc),
    };
    let note = optional_text(object, "note", 5000, &mut errors);
    let (Some(at), true) = (at, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    settle(&state, id, Settlement::Complete { at, note }, &caller).await
}

pub async fn waive(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Administer)?;
    let id = parse_id(&id, "obligation")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"reason\": ...}",
        ));
    };
    let mut errors = Vec::new();
    fields_only(object, &["reason"], &mut errors);
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
) -> Result<Json<Value>, Problem> {
    let record = state
        .incidents
        .settle(id, settlement, &caller.name)
        .await
        .map_err(|error| match error {
            ServiceError::NotFound => Problem::not_found("obligation"),
            other => other.into(),
        })?;
    let now = state.incidents.clock.now();
    Ok(Json(views::obligation(
        &record,
        now,
        state.settings.timezone,
        Ids::Shown,
    )))
}
