//! What the signed documents' routes share (a vendor's agreement,
//! `vendor_documents`; a contract's, `contract_documents`; and the staff
//! pages' upload forms): reading the multipart upload under its cap, the
//! stored document as the API describes it, and the download with its
//! SHA-256.

use super::problem::Problem;
use super::AppState;
use crate::cases::documents::{Upload, MAX_DOCUMENT_BYTES};
use crate::cases::ServiceError;
use crate::store::Document;
use axum::body::Body;
use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A route's body limit: the cap and room for the multipart framing and
/// the other parts, so that the cap itself is what refuses a file.
pub const BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// A stored document, as the API describes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the file as stored.
    pub sha256: String,
    /// The public site links it (the list of agreements, the contract's
    /// notice page).
    pub publishable: bool,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

pub fn view(document: &Document, state: &AppState) -> DocumentView {
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

/// Why an upload was not read; nothing is stored.
#[derive(Debug)]
pub enum Refusal {
    /// Past `MAX_DOCUMENT_BYTES`.
    TooLarge,
    /// A part that is malformed or not expected, named.
    Part { field: String, reason: String },
}

impl Refusal {
    /// In words, for a page.
    pub fn describe(&self) -> String {
        match self {
            Self::TooLarge => format!(
                "The file is larger than {} MiB, so nothing was stored.",
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            Self::Part { reason, .. } => format!("The upload could not be read: {reason}."),
        }
    }
}

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::TooLarge => Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Document too large")
                .detail(format!(
                    "a document may be at most {} MiB",
                    MAX_DOCUMENT_BYTES / (1024 * 1024)
                )),
            Refusal::Part { field, reason } => Problem::field(&field, reason),
        }
    }
}

/// An upload with the form's other text parts (a page's `csrf`).
pub struct Received {
    pub upload: Upload,
    pub texts: Vec<(String, String)>,
}

fn bad(field: &str) -> impl Fn(MultipartError) -> Refusal + '_ {
    move |e| Refusal::Part {
        field: field.to_owned(),
        reason: e.body_text(),
    }
}

/// Reads the `file` part (capped) and the optional `publishable` part
/// ("true" or "false"); `texts` names the other parts a form may send
/// (kept as text), any other part is refused. `default_name` is the file's
/// name when the part gives none.
pub async fn receive(
    mut multipart: Multipart,
    default_name: &str,
    texts: &[&str],
) -> Result<Received, Refusal> {
    let mut received = Received {
        upload: Upload {
            file_name: default_name.into(),
            content_type: "application/octet-stream".into(),
            content: Vec::new(),
            publishable: false,
        },
        texts: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(bad("file"))? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => read_file(field, &mut received.upload).await?,
            "publishable" => {
                let text = field.text().await.map_err(bad("publishable"))?;
                received.upload.publishable = match text.trim() {
                    "true" => true,
                    "false" | "" => false,
                    _ => {
                        return Err(Refusal::Part {
                            field: "publishable".into(),
                            reason: "must be true or false".into(),
                        })
                    }
                };
            }
            "" => {}
            other if texts.contains(&other) => {
                let text = field.text().await.map_err(bad(other))?;
                received.texts.push((other.to_owned(), text));
            }
            other => {
                return Err(Refusal::Part {
                    field: other.to_owned(),
                    reason: "unknown part; expected \"file\" and optionally \"publishable\"".into(),
                })
            }
        }
    }
    Ok(received)
}

async fn read_file(mut field: Field<'_>, upload: &mut Upload) -> Result<(), Refusal> {
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
            Refusal::TooLarge
        } else {
            bad("file")(e)
        }
    })? {
        if upload.content.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(Refusal::TooLarge);
        }
        upload.content.extend_from_slice(&chunk);
    }
    Ok(())
}

/// 201 with the stored document, or why it was not stored.
pub fn created(
    stored: Result<Document, ServiceError>,
    owner: &str,
    state: &AppState,
) -> Result<Response, Problem> {
    let document = stored.map_err(|e| Problem::from_service(e, owner))?;
    Ok((StatusCode::CREATED, Json(view(&document, state))).into_response())
}

/// The file as uploaded, with its type, its name as an attachment and
/// `X-Content-SHA256`; 404 when there is none.
pub fn download(found: Result<(Document, Vec<u8>), ServiceError>) -> Result<Response, Problem> {
    let (document, content) = found.map_err(|e| Problem::from_service(e, "document"))?;
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
