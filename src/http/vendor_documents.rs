//! `/api/v1/vendors/{id}/document`: a vendor's signed agreement document,
//! uploaded as multipart (admin) and downloaded by every role.

use super::auth::{Admin, Caller, Permission};
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::vendors::document::{Upload, MAX_DOCUMENT_BYTES};
use crate::store::VendorDocument;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A stored document, as the API describes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the file as stored.
    pub sha256: String,
    /// The public list of agreements links it.
    pub publishable: bool,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

fn view(document: &VendorDocument, state: &AppState) -> DocumentView {
    DocumentView {
        file_name: document.file_name.clone(),
        content_type: document.content_type.clone(),
        size: document.size,
        sha256: document.sha256.clone(),
        publishable: document.publishable,
        uploaded_at: crate::domain::timestamp::format_in_zone(
            document.uploaded_at,
            state.settings.timezone,
        ),
    }
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Document too large").detail(format!(
        "a vendor's document may be at most {} MiB",
        MAX_DOCUMENT_BYTES / (1024 * 1024)
    ))
}

/// Reads the `file` part (capped) and the optional `publishable` part
/// ("true" or "false").
async fn receive(mut multipart: Multipart) -> Result<Upload, Problem> {
    let bad = |reason: String| Problem::field("file", reason);
    let mut upload = Upload {
        file_name: "agreement".into(),
        content_type: "application/octet-stream".into(),
        content: Vec::new(),
        publishable: false,
    };
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        match field.name() {
            Some("file") => {
                if let Some(name) = field
                    .file_name()
                    .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name).trim())
                    .filter(|name| !name.is_empty() && name.len() <= 200)
                {
                    upload.file_name = name.to_owned();
                }
                if let Some(kind) = field.content_type() {
                    upload.content_type = kind.to_owned();
                }
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        bad(e.body_text())
                    }
                })? {
                    if upload.content.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                        return Err(too_large());
                    }
                    upload.content.extend_from_slice(&chunk);
                }
            }
            Some("publishable") => {
                let text = field.text().await.map_err(|e| bad(e.body_text()))?;
                upload.publishable = match text.trim() {
                    "true" => true,
                    "false" | "" => false,
                    _ => return Err(Problem::field("publishable", "must be true or false")),
                };
            }
            Some(other) => {
                return Err(Problem::field(
                    other,
                    "unknown part; expected \"file\" and optionally \"publishable\"",
                ))
            }
            None => {}
        }
    }
    Ok(upload)
}

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
    let upload = receive(multipart).await?;
    let document = state
        .cases
        .upload_vendor_document(id, upload, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "vendor"))?;
    Ok((StatusCode::CREATED, Json(view(&document, &state))).into_response())
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
    let (document, content) = state
        .cases
        .vendor_document(id)
        .await
        .map_err(|e| Problem::from_service(e, "document"))?;
    let mut response = Body::from(content).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&document.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // The name as uploaded, quoted; anything a header cannot carry is dropped.
    let safe: String = document
        .file_name
        .chars()
        .filter(|c| (c.is_ascii_graphic() && *c != '"') || *c == ' ')
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Ok(value) = HeaderValue::from_str(&document.sha256) {
        headers.insert("x-content-sha256", value);
    }
    Ok(response)
}
