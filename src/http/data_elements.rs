//! `GET /api/v1/data-elements`: the taxonomy as this district configured it.

use super::auth::{Caller, Permission};
use super::problem::Problem;
use super::AppState;
use crate::views::{self, DataElements};
use axum::extract::State;
use axum::Json;

#[utoipa::path(
    get,
    path = "/api/v1/data-elements",
    tag = "taxonomy",
    operation_id = "list_data_elements",
    summary = "The taxonomy: canonical element names, their aliases and class (every role)",
    responses(
        (status = 200, description = "The taxonomy", body = DataElements),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DataElements>, Problem> {
    caller.require(Permission::Read)?;
    Ok(Json(views::data_elements(&state.settings.engine.taxonomy)))
}
