//! Closing a report early (admin): `POST /api/v1/incidents/{id}/withdraw`
//! `{"reason"}` and `POST /api/v1/incidents/{id}/merge` `{"into", "reason"?}`.
//! Every duty still open is waived with a reason that says so (docs/api.md).

use super::auth::Admin;
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::lifecycle::{self, Closing, REASON_LIMIT};
use crate::domain::incident::{optional_text, reject_unknown_fields, required_text};
use crate::domain::FieldError;
use crate::views::{self, Ids};
use axum::extract::{Path, State};
use axum::Json;
use uuid::Uuid;

/// Why the report is withdrawn.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct Withdrawal {
    #[schema(max_length = 5000, example = "Filed in error: a test of the form")]
    pub reason: String,
}

/// The first report this one duplicates.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct Merge {
    /// The incident that tracks the same breach.
    pub into: Uuid,
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/withdraw",
    tag = "incidents",
    operation_id = "withdraw_incident",
    summary = "Withdraw a report filed in error: every open duty is waived with the reason (admin)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = Withdrawal,
    responses(
        (status = 200, description = "The incident, closed", body = views::Incident),
        (status = 403, description = "Only an administrator withdraws a report", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or a bad field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Incident>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["reason"], &mut errors);
    let reason = required_text(object, "reason", REASON_LIMIT, &mut errors);
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    close(&state, id, Closing::Withdraw { reason }, &caller.name).await
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/merge",
    tag = "incidents",
    operation_id = "merge_incident",
    summary = "Merge a duplicate report into the first: every open duty is waived, naming it (admin)",
    params(("id" = uuid::Uuid, Path, description = "The duplicate incident's id")),
    request_body = Merge,
    responses(
        (status = 200, description = "The duplicate, closed", body = views::Incident),
        (status = 403, description = "Only an administrator merges reports", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`into` is not another incident, or a bad field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn merge(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Incident>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["into", "reason"], &mut errors);
    let into = required_text(object, "into", 64, &mut errors).and_then(|text| {
        Uuid::parse_str(text.trim())
            .map_err(|_| errors.push(FieldError::new("into", "is not an incident id")))
            .ok()
    });
    let reason = optional_text(object, "reason", REASON_LIMIT, &mut errors);
    let Some(into) = into.filter(|_| errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    close(
        &state,
        id,
        Closing::MergeInto { into, reason },
        &caller.name,
    )
    .await
}

async fn close(
    state: &AppState,
    id: Uuid,
    closing: Closing,
    by: &str,
) -> Result<Json<views::Incident>, Problem> {
    lifecycle::close(&state.cases, id, closing, by)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    let (incident, obligations) = state.cases.incident(id).await?;
    let jobs = state.cases.incident_jobs(id).await.map_err(Problem::from)?;
    Ok(Json(views::incident(
        &incident,
        &obligations,
        &jobs,
        state.cases.now(),
        state.settings.timezone,
        Ids::Shown,
    )))
}
