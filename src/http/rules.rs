//! `GET /api/v1/rules`: every jurisdiction's rules with citation, source,
//! effective dates and verification; the district's own pack as loaded
//! (an operator's `rules.dir` replacement included).

use super::auth::{Caller, Permission};
use super::params::Params;
use super::problem::Problem;
use super::AppState;
use crate::domain::FieldError;
use crate::views::RuleList;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RulesQuery {
    /// Only this jurisdiction's, e.g. `US-IL`.
    jurisdiction: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/rules",
    tag = "rules",
    operation_id = "list_rules",
    summary = "The rules of every jurisdiction, cited and dated (every role)",
    params(RulesQuery),
    responses(
        (status = 200, description = "The rules", body = RuleList),
        (status = 422, description = "No rules for that jurisdiction", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<RulesQuery>,
) -> Result<Json<RuleList>, Problem> {
    caller.require(Permission::Read)?;
    let list = state.cases.rules(query.jurisdiction.as_deref());
    if list.jurisdictions.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new(
            "jurisdiction",
            format!(
                "has no rules; breachd has rules for {}",
                crate::rules::RulePack::embedded_codes()
            ),
        )]));
    }
    Ok(Json(list))
}
