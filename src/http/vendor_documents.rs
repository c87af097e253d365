//! `/api/v1/vendors/{id}/document`: a vendor's signed agreement document,
//! uploaded as multipart (admin) and downloaded by every role (the shared
//! part is `documents`).

use super::auth::{Admin, Caller, Permission};
use super::documents::{self, DocumentView};
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;

#[utoipa::path(
    post,
    path = "/api/v1/vendors/{id}/document",
    tag = "vendors",
    operation_id = "upload_vendor_document",
    summary = "Upload a vendor's signed agreement (admin)",
    description = "multipart/form-data with the part `file` (at most 20 MiB) and optionally `publishable` \
        (`true`: the public list of agreements links it). Replaces an earlier document; stored with its SHA-256.",
    params(("id" = String, Path, description = "The vendor's id")),
    responses(
        (status = 201, description = "Stored", body = DocumentView),
        (status = 403, description = "Only an admin uploads", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such vendor", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 20 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No file, or a bad part", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let id = parse_id(&id, "vendor")?;
    let received = documents::receive(multipart, "agreement", &[]).await?;
    let stored = state
        .cases
        .upload_vendor_document(id, received.upload, &caller.name)
        .await;
    documents::created(stored, "vendor", &state)
}

#[utoipa::path(
    get,
    path = "/api/v1/vendors/{id}/document",
    tag = "vendors",
    operation_id = "download_vendor_document",
    summary = "Download a vendor's signed agreement (every role)",
    description = "The file as uploaded; `X-Content-SHA256` carries its SHA-256.",
    params(("id" = String, Path, description = "The vendor's id")),
    responses(
        (status = 200, description = "The document", content_type = "application/octet-stream"),
        (status = 404, description = "No such vendor, or no document", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "vendor")?;
    documents::download(state.cases.vendor_document(id).await)
}
