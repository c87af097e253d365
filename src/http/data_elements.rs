//! `GET /api/v1/data-elements`: the taxonomy as this district configured it.

use super::auth::{Caller, Permission};
use super::problem::Problem;
use super::AppState;
use crate::domain::DataClass;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

#[utoipa::path(
    get,
    path = "/api/v1/data-elements",
    tag = "taxonomy",
    operation_id = "list_data_elements",
    summary = "The taxonomy: canonical element names, their aliases and class (every role)",
    responses(
        (status = 200, description = "The taxonomy", body = super::openapi::DataElementsDoc),
    )
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, Problem> {
    caller.require(Permission::Read)?;
    let elements: Vec<Value> = state
        .settings
        .engine
        .taxonomy
        .elements()
        .iter()
        .map(|element| json!({ "name": element.name, "class": element.class, "aliases": element.aliases }))
        .collect();
    let classes: Vec<Value> = DataClass::ALL
        .iter()
        .map(|class| json!({ "class": class, "description": class.describe() }))
        .collect();
    Ok(Json(json!({
        "elements": elements,
        "classes": classes,
        "unknown_elements": "classed student_information and listed in needs_review",
    })))
}
