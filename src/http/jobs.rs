//! `/api/v1/jobs` (admin): the job queue for `breachd jobs` — the jobs
//! waiting and the dead (parked after their handler kept failing past
//! `scheduler.max_attempts`), and `POST /api/v1/jobs/{id}/retry`, which puts
//! a dead job back as due now with its attempts reset (docs/api.md).

use super::auth::Admin;
use super::params::{parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::domain::FieldError;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `dead` for the dead jobs only; `scheduled,dead` (the default) for
    /// those waiting too.
    state: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    tag = "jobs",
    operation_id = "list_jobs",
    summary = "The dead jobs, most recent first, then those waiting to run (admin)",
    params(ListQuery),
    responses(
        (status = 200, description = "The jobs", body = views::JobList),
        (status = 403, description = "Only an administrator sees the job queue", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Admin(_caller): Admin,
    Params(query): Params<ListQuery>,
) -> Result<Json<views::JobList>, Problem> {
    let dead_only = match query.state.as_deref().map(str::trim) {
        None | Some("") | Some("scheduled,dead") | Some("dead,scheduled") => false,
        Some("dead") => true,
        Some(_) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "state",
                "must be dead or scheduled,dead",
            )]))
        }
    };
    let listed = state
        .cases
        .jobs(dead_only)
        .await
        .map_err(|e| Problem::from_service(e, "job"))?;
    Ok(Json(views::job_list(&listed, state.settings.timezone)))
}

#[utoipa::path(
    post,
    path = "/api/v1/jobs/{id}/retry",
    tag = "jobs",
    operation_id = "retry_job",
    summary = "Put a dead job back to run now, its attempts reset; audited (admin)",
    params(("id" = uuid::Uuid, Path, description = "The dead job's id")),
    responses(
        (status = 200, description = "The jobs after the retry", body = views::JobList),
        (status = 403, description = "Only an administrator retries a job", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No dead job with this id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn retry(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Json<views::JobList>, Problem> {
    let id = parse_id(&id, "dead job")?;
    state
        .cases
        .retry_job(id, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "dead job"))?;
    let listed = state
        .cases
        .jobs(false)
        .await
        .map_err(|e| Problem::from_service(e, "job"))?;
    Ok(Json(views::job_list(&listed, state.settings.timezone)))
}
