//! `/api/v1/vendors`: the vendor registry (admin writes, every role reads).

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::vendors::input;
use crate::rules::deadline::local_date;
use crate::views::{self, VendorList, VendorView};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn today(state: &AppState) -> chrono::NaiveDate {
    local_date(state.cases.now(), state.settings.timezone)
}

#[utoipa::path(
    post,
    path = "/api/v1/vendors",
    tag = "vendors",
    operation_id = "register_vendor",
    summary = "Register a vendor and its agreement (admin)",
    description = "Names and aliases are matched against an incident's contractor ignoring case, punctuation \
        and \"Inc.\"/\"LLC\"; a signed agreement's breach-notice clause becomes a source of the contractor's \
        notice. Invalid input answers 422 naming each bad field; nothing is stored.",
    request_body = VendorView,
    responses(
        (status = 201, description = "Registered", body = VendorView,
            headers(("Location" = String, description = "The vendor's URL"))),
        (status = 403, description = "Only an admin registers vendors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Admin(caller): Admin,
    body: JsonBody,
) -> Result<Response, Problem> {
    let vendor = input::parse(&body.value, &state.settings.engine).map_err(Problem::invalid)?;
    let record = state.cases.register_vendor(vendor, &caller.name).await?;
    let view = views::vendor(&record, state.settings.timezone, today(&state));
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/vendors/{}", record.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/v1/vendors",
    tag = "vendors",
    operation_id = "list_vendors",
    summary = "Every registered vendor, by name (every role)",
    responses((status = 200, description = "The vendors", body = VendorList))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<VendorList>, Problem> {
    caller.require(Permission::Read)?;
    let records = state.cases.vendors().await?;
    Ok(Json(views::vendor_list(
        &records,
        state.settings.timezone,
        today(&state),
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/vendors/{id}",
    tag = "vendors",
    operation_id = "get_vendor",
    summary = "One vendor (every role)",
    params(("id" = String, Path, description = "The vendor's id")),
    responses(
        (status = 200, description = "The vendor", body = VendorView),
        (status = 404, description = "No such vendor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<VendorView>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "vendor")?;
    let record = state
        .cases
        .vendor(id)
        .await
        .map_err(|e| Problem::from_service(e, "vendor"))?;
    Ok(Json(views::vendor(
        &record,
        state.settings.timezone,
        today(&state),
    )))
}

#[utoipa::path(
    put,
    path = "/api/v1/vendors/{id}",
    tag = "vendors",
    operation_id = "update_vendor",
    summary = "Replace a vendor's registration (admin)",
    description = "The body has the shape of the registration and replaces it whole. Incidents already filed \
        take a changed clause into account at their next change.",
    params(("id" = String, Path, description = "The vendor's id")),
    request_body = VendorView,
    responses(
        (status = 200, description = "Updated", body = VendorView),
        (status = 403, description = "Only an admin changes vendors", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such vendor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed by someone else meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input, every bad field named", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<VendorView>, Problem> {
    let id = parse_id(&id, "vendor")?;
    let vendor = input::parse(&body.value, &state.settings.engine).map_err(Problem::invalid)?;
    let record = state
        .cases
        .update_vendor(id, vendor, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "vendor"))?;
    Ok(Json(views::vendor(
        &record,
        state.settings.timezone,
        today(&state),
    )))
}
