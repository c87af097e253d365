//! `/api/v1/contracts`: contracts with vendors and their duties (admin
//! files and records the notice to amend and the amendment, every role
//! reads).

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::contracts::{amendment_input, input, ContractWithDuties};
use crate::domain::FieldError;
use crate::views::{self, ContractList, ContractRosterTaken, ContractView};
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
        filed.mailing.as_ref(),
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

/// The board's notice to the contractor to amend.
// Read by the OpenAPI document only: the handler parses the body field by
// field (`cases::contracts::amendment_input`), so that each bad field is named.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentRequestBody {
    /// When the notice was sent (RFC 3339 with an offset), not in the future.
    #[schema(format = DateTime)]
    pub sent_at: String,
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// The contractor's amendment.
// Read by the OpenAPI document only, as `AmendmentRequestBody`.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentBody {
    /// `YYYY-MM-DD`, the district's date, not after today.
    #[schema(example = "2026-09-18")]
    pub amended_at: String,
    /// Required provisions by number: `true` for each one the amended
    /// contract now includes.
    #[schema(value_type = Object)]
    pub provisions: std::collections::BTreeMap<String, bool>,
}

#[utoipa::path(
    post,
    path = "/api/v1/contracts/{id}/amendment-request",
    tag = "vendors",
    operation_id = "request_contract_amendment",
    summary = "Record the board's notice to the contractor to amend the contract (admin)",
    description = "Completes the duty to give that notice (`completed_by = \"contract_amendment_requested\"`) \
        at `sent_at`: done, or late after its due time. Audited.",
    params(("id" = String, Path, description = "The contract's id")),
    request_body = AmendmentRequestBody,
    responses(
        (status = 200, description = "The contract, as `GET /api/v1/contracts/{id}` answers it", body = ContractView),
        (status = 403, description = "Only an admin records it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract misses no required provision, or the notice was recorded already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named; nothing is stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_amendment(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ContractView>, Problem> {
    let id = parse_id(&id, "contract")?;
    let request = amendment_input::parse_request(&body.value).map_err(Problem::invalid)?;
    let contract = state
        .cases
        .request_contract_amendment(id, request, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "contract"))?;
    Ok(Json(view(&state, &contract)))
}

#[utoipa::path(
    post,
    path = "/api/v1/contracts/{id}/amendment",
    tag = "vendors",
    operation_id = "amend_contract",
    summary = "Record the contractor's amendment: the provisions it now includes (admin)",
    description = "`missing_provisions` shrinks by the provisions named `true`; once none is missing the \
        contract is no longer void if not amended (`amended_at` says when) and a notice to amend still \
        owed is waived as moot. Audited.",
    params(("id" = String, Path, description = "The contract's id")),
    request_body = AmendmentBody,
    responses(
        (status = 200, description = "The contract, as `GET /api/v1/contracts/{id}` answers it", body = ContractView),
        (status = 403, description = "Only an admin records it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract misses no required provision, or it changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named; nothing is stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn amend(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ContractView>, Problem> {
    let id = parse_id(&id, "contract")?;
    let amendment = amendment_input::parse_amendment(&body.value, &state.settings.engine)
        .map_err(Problem::invalid)?;
    let contract = state
        .cases
        .amend_contract(id, amendment, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "contract"))?;
    Ok(Json(view(&state, &contract)))
}

#[utoipa::path(
    post,
    path = "/api/v1/contracts/{id}/roster",
    tag = "vendors",
    operation_id = "upload_contract_roster",
    summary = "Email a contract's notice to the families of a roster, where the law required it (admin)",
    description = "multipart/form-data with one part `roster`: the plain roster CSV (as a consent campaign's, \
        at most 16 MiB and 10,000 guardian addresses). Only for a contract whose duties include the emailed \
        notice to students and parents (Connecticut contracts executed 2016-10-01 to 2018-06-30), once. Each \
        guardian is emailed the contract's notice; the duty completes when every message is sent. Bad rows \
        are listed with their line.",
    params(("id" = String, Path, description = "The contract's id")),
    responses(
        (status = 201, description = "Taken; the notices are being sent", body = ContractRosterTaken),
        (status = 403, description = "Only an admin uploads a roster", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contract", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The contract has no emailed notice duty, or its roster was uploaded already; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The roster is over 16 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad part, or not a roster; nothing stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload_roster(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    multipart: axum::extract::Multipart,
) -> Result<(StatusCode, Json<ContractRosterTaken>), Problem> {
    let id = parse_id(&id, "contract")?;
    let upload = super::consent::receive(multipart).await?;
    let mut errors = Vec::new();
    if upload.roster.is_none() {
        errors.push(FieldError::new(
            "roster",
            "is required: the plain roster CSV of the families to notify",
        ));
    }
    for (part, given) in [
        ("privacy_policy_url", upload.privacy_policy_url.is_some()),
        ("description", upload.description.is_some()),
    ] {
        if given {
            errors.push(FieldError::new(
                part,
                "unknown part; expected only \"roster\"",
            ));
        }
    }
    let Some((spool, upload_name)) = upload.roster.filter(|_| errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let (contract, report) = state
        .cases
        .upload_contract_roster(id, spool.path(), &upload_name, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "contract"))?;
    Ok((
        StatusCode::CREATED,
        Json(ContractRosterTaken {
            contract: view(&state, &contract),
            import: views::consent_roster_import(&report),
        }),
    ))
}
