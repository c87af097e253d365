//! `PUT /api/v1/incidents/{id}/notice`: the draft's wording before approval.
//!
//! The four flat fields are the English text. `public_title` is the website
//! page's title (null: the default). `languages` holds the free text per
//! language, `{"es": {the same four fields}}`; it replaces every variant,
//! and a field a language leaves out falls back to the English one (the
//! preview says so). The body is read field by field
//! (`cases::notice_wording`), so that every bad field is named in one answer
//! and nothing is stored.

use super::auth::Admin;
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::notice_wording;
use crate::views;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::Value;

/// New wording for the draft notice; omitted fields keep theirs.
// Read by the OpenAPI document only: the handler reads the body field by
// field, so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeEdit {
    #[schema(max_length = 20000)]
    pub what_happened: Option<String>,
    #[schema(max_length = 20000)]
    pub what_we_are_doing: Option<String>,
    #[schema(max_length = 20000)]
    pub what_families_can_do: Option<String>,
    #[schema(max_length = 20000)]
    pub contact: Option<String>,
    /// The website page's title; null restores the default ("Notice of a
    /// data security incident involving <vendor>").
    #[schema(max_length = 300)]
    pub public_title: Option<String>,
    /// The free text per language other than English, keyed by its tag
    /// ("es"); replaces every variant. A field left out reads English.
    #[schema(value_type = Option<std::collections::BTreeMap<String, NoticeWordingEdit>>)]
    pub languages: Option<Value>,
}

/// One language's free text; every field optional.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeWordingEdit {
    #[schema(max_length = 20000)]
    pub what_happened: Option<String>,
    #[schema(max_length = 20000)]
    pub what_we_are_doing: Option<String>,
    #[schema(max_length = 20000)]
    pub what_families_can_do: Option<String>,
    #[schema(max_length = 20000)]
    pub contact: Option<String>,
}

/// Edits the draft's wording before approval.
#[utoipa::path(
    put,
    path = "/api/v1/incidents/{id}/notice",
    tag = "notices",
    operation_id = "edit_notice",
    summary = "Edit the draft notice's wording before approval (admin)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body = NoticeEdit,
    responses(
        (status = 200, description = "The notice as edited", body = views::Notice),
        (status = 403, description = "Only an administrator edits the notice", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The notice was approved; it can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn edit_notice(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<views::Notice>, Problem> {
    let id = parse_id(&id, "incident")?;
    let Some(object) = body.value.as_object() else {
        return Err(Problem::field("body", "must be a JSON object"));
    };
    let notice = notice_wording::edit(&state.cases, id, object)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    Ok(Json(views::notice(&notice, state.settings.timezone)))
}
