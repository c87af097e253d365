//! The notice before approval, as each audience will receive it:
//! `GET /api/v1/incidents/{id}/notice/preview?language=es` and a test
//! message of it to one of the district's contacts,
//! `POST /api/v1/incidents/{id}/notice/test` (docs/api.md).

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::{parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::preview::{self, NoticePreview, TestSent};
use crate::domain::incident::{optional_text, reject_unknown_fields, required_text};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// A language code such as `es`; English when left out.
    pub language: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/notice/preview",
    tag = "notices",
    operation_id = "preview_notice",
    summary = "The notice as a guardian of one child and of several will receive it, and the website page (every role)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id"), PreviewQuery),
    responses(
        (status = 200, description = "The rendered notice", body = NoticePreview),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad language, or a template that fails", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Params(query): Params<PreviewQuery>,
) -> Result<Json<NoticePreview>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    let preview = preview::preview(
        &state.cases,
        &state.templates,
        id,
        query.language.as_deref(),
    )
    .await
    .map_err(|e| Problem::from_service(e, "incident"))?;
    Ok(Json(preview))
}

/// Where to send a test of the notice.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
pub struct NoticeTest {
    /// One of the district's contacts (`[contacts]`), never a family.
    pub to: String,
    /// The language of the test; English when left out.
    pub language: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/notice/test",
    tag = "notices",
    operation_id = "test_notice",
    summary = "Mail the rendered notice to one of the district's contacts (admin)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = NoticeTest,
    responses(
        (status = 200, description = "Sent", body = TestSent),
        (status = 403, description = "Only an administrator sends a test", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The mail server did not accept it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` is not a configured contact, or a bad field", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_test(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<TestSent>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["to", "language"], &mut errors);
    let to = required_text(object, "to", 320, &mut errors);
    let language = optional_text(object, "language", 35, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let to = to.expect("a required field is present when no error was recorded");
    let sent = preview::send_test(
        &state.cases,
        &state.templates,
        &state.mailer,
        id,
        &to,
        language.as_deref(),
    )
    .await
    .map_err(|e| Problem::from_service(e, "incident"))?;
    tracing::info!(incident_id = %id, "a test of the family notice was sent to a district contact");
    Ok(Json(sent))
}
