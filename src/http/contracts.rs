//! `/api/v1/contracts`: contracts with vendors and their duties (admin
//! files, every role reads).

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::contracts::{input, ContractWithDuties};
use crate::views::{self, ContractList, ContractView};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn view(state: &AppState, filed: &ContractWithDuties) -> ContractView {
    views::contract(
        &filed.record,
        filed.vendor_name.as_deref(),
        &filed.obligations,
        &filed.plan,
        state.settings.engine.provisions(),
        state.cases.now(),
        state.settings.timezone,
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/contracts",
    tag = "vendors",
    operation_id = "file_contract",
    summary = "File a contract executed with a registered vendor (admin)",
    description = "Starts the contract's duties from the rule pack (the notice on the website within five \
        business days in Connecticut; notice to the contractor to amend when a required provision is \
        missing, where a board policy sets its period) and publishes its notice in the website's \
        contracts section, which completes the posting duty. `provisions` answers each required \
        provision of the pack by number. Invalid input answers 422 naming each bad field; nothing is stored.",
    request_body = ContractView,
    responses(
        (status = 201, description = "Filed, with its obligations", body = ContractView,
            headers(("Location" = String, description = "The contract's URL"))),
        (status = 403, description = "Only an admin files contracts", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: JsonBody,
) -> Result<Response, Problem> {
    let contract = input::parse(&body.value, &state.settings.engine).map_err(Problem::invalid)?;
    let filed = state.cases.file_contract(contract, &caller.name).await?;
    let mut response = (StatusCode::CREATED, Json(view(&state, &filed))).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/contracts/{}", filed.record.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/v1/contracts",
    tag = "vendors",
    operation_id = "list_contracts",
    summary = "Every contract, most recently executed first (every role)",
    responses((status = 200, description = "The contracts", body = ContractList))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ContractList>, Problem> {
    caller.require(Permission::Read)?;
    let contracts = state.cases.contracts().await?;
    Ok(Json(ContractList {
        contracts: contracts.iter().map(|c| view(&state, c)).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/contracts/{id}",
    tag = "vendors",
    operation_id = "get_contract",
    summary = "One contract with its obligations (every role)",
    params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 200, description = "The contract", body = ContractView),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContractView>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "contract")?;
    let contract = state
        .cases
        .contract(id)
        .await
        .map_err(|e| Problem::from_service(e, "contract"))?;
    Ok(Json(view(&state, &contract)))
}
