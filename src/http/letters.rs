//! `/api/v1/incidents/{id}/letters`: which students no email reached, and
//! recording the paper letters mailed to them or why no notice is possible.
//! Each record re-judges the families' obligation.

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::{parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::letters::LetterStudents;
use crate::domain::incident::{reject_unknown_fields, required_text, timestamp_field};
use crate::domain::{FieldError, Timestamp};
use crate::email::templates::Templates;
use crate::views;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LettersQuery {
    /// `json` (the default) or `html`: print-ready letters, one per page.
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/letters",
    tag = "notices",
    operation_id = "get_letters",
    summary = "The students needing a paper letter, those covered by one or by an exception, and the coverage counts (every role)",
    description = "`format=html` answers print-ready letters, one per page, in each family's language under \
        the district's letterhead.",
    params(("id" = uuid::Uuid, Path, description = "The incident's id"), LettersQuery),
    responses(
        (status = 200, description = "The letters", body = views::Letters),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad `format`, or a notice template that fails to render (named)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn letters(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Params(query): Params<LettersQuery>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    match query.format.as_deref() {
        None | Some("json") => {
            let report = state
                .cases
                .coverage(id)
                .await
                .map_err(|error| Problem::from_service(error, "incident"))?;
            Ok(Json(views::letters(&report, state.settings.timezone)).into_response())
        }
        Some("html") => {
            // Loaded per request: letters are printed rarely, and this reads
            // the district's template overrides as the fan-out does.
            let templates =
                Templates::load(state.settings.email.templates.as_deref()).map_err(|error| {
                    tracing::error!(
                        error = format!("{error:#}"),
                        "loading the notice templates failed"
                    );
                    Problem::internal()
                })?;
            let letters = state
                .cases
                .printable_letters(&templates, id)
                .await
                .map_err(|error| Problem::from_service(error, "incident"))?;
            let html = super::letters_html::render(&state.settings, &letters).map_err(|error| {
                tracing::error!(error = %error, "rendering the paper letters failed");
                Problem::internal()
            })?;
            Ok(Html(html).into_response())
        }
        Some(_) => Err(Problem::field("format", "must be json or html")),
    }
}

/// Paper letters mailed: to the students listed, or to every student who
/// needs one (`"all": true`), on `at`.
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LettersMailedBody {
    /// Student ids, as the roster gave them; or `all` instead.
    pub students: Option<Vec<String>>,
    pub all: Option<bool>,
    /// When the letters were mailed; now when omitted.
    #[schema(format = DateTime)]
    pub at: Option<String>,
}

/// Why no notice is possible for these students.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterExceptionBody {
    pub students: Vec<String>,
    #[schema(max_length = 5000)]
    pub reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/letters/mailed",
    tag = "notices",
    operation_id = "record_letters_mailed",
    summary = "Record paper letters mailed (admin)",
    description = "The families' obligation completes when every affected student is reached, mailed or \
        excepted, at the time the last one was; `at` must not be in the future nor before the families' \
        clock started. A student reached by email, or not on the roster, is refused by its index.",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = LettersMailedBody,
    responses(
        (status = 200, description = "The letters after recording", body = views::Letters),
        (status = 403, description = "Only an administrator records letters", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named; nothing recorded", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mailed(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Letters>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"students\": [...] or \"all\": true, \"at\": ...}",
        ));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["students", "all", "at"], &mut errors);
    let all = match object.get("all") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            errors.push(FieldError::new("all", "must be true or false"));
            false
        }
    };
    let listed = object.get("students").filter(|v| !v.is_null());
    let students = match (all, listed) {
        (true, Some(_)) => {
            errors.push(FieldError::new(
                "students",
                "give either the students or \"all\": true, not both",
            ));
            None
        }
        (true, None) => Some(LetterStudents::All),
        (false, None) => {
            errors.push(FieldError::new(
                "students",
                "is required (a list of student ids), unless \"all\": true",
            ));
            None
        }
        (false, Some(_)) => student_ids(object, &mut errors).map(LetterStudents::Listed),
    };
    let at = match object.get("at") {
        None | Some(Value::Null) => Some(state.cases.now()),
        Some(value) => timestamp_field("at", value, &mut errors).map(Timestamp::utc),
    };
    let (Some(students), Some(at), true) = (students, at, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let report = state
        .cases
        .record_letters_mailed(id, students, at, &caller.name)
        .await
        .map_err(|error| Problem::from_service(error, "incident"))?;
    Ok(Json(views::letters(&report, state.settings.timezone)))
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/letters/exception",
    tag = "notices",
    operation_id = "record_letter_exception",
    summary = "Record why no notice is possible for some students (admin)",
    description = "An excepted student counts as covered; the reason is kept in the evidence.",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = LetterExceptionBody,
    responses(
        (status = 200, description = "The letters after recording", body = views::Letters),
        (status = 403, description = "Only an administrator records exceptions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named; nothing recorded", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn exception(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Letters>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field(
            "body",
            "must be a JSON object {\"students\": [...], \"reason\": ...}",
        ));
    };
    let mut errors = Vec::new();
    reject_unknown_fields(object, &["students", "reason"], &mut errors);
    let students = student_ids(object, &mut errors);
    let reason = required_text(object, "reason", 5000, &mut errors);
    let (Some(students), Some(reason), true) = (students, reason, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let report = state
        .cases
        .record_exceptions(id, students, reason, &caller.name)
        .await
        .map_err(|error| Problem::from_service(error, "incident"))?;
    Ok(Json(views::letters(&report, state.settings.timezone)))
}

/// `students`: a non-empty array of strings, each bad element named.
fn student_ids(object: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let Some(Value::Array(items)) = object.get("students") else {
        errors.push(FieldError::new("students", "must be a list of student ids"));
        return None;
    };
    let mut ids = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match item.as_str().map(str::trim) {
            Some(id) if !id.is_empty() => ids.push(id.to_owned()),
            _ => errors.push(FieldError::new(
                format!("students[{index}]"),
                "must be a student id (text)",
            )),
        }
    }
    Some(ids)
}
