//! What the vendor page and the contract page share for a signed document:
//! the section that describes it (name, size, SHA-256, whether the public
//! site links it, a download link) with the administrator's upload form,
//! reading that form (a multipart body, whose CSRF token is one of its
//! parts) as the API reads its upload, and the download for a signed-in
//! user. Uploads go through the same use cases as the API's.

use super::format::{self, LocalTime};
use super::User;
use crate::cases::documents::Upload;
use crate::cases::ServiceError;
use crate::http::documents::{receive, Refusal};
use crate::state::AppState;
use crate::store::Document;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The page's section on its document.
#[derive(Serialize)]
pub(super) struct DocumentSection {
    /// The page's document route is `/<section>/<id>/document` (the form
    /// posts there and the download link reads it): "vendors", "contracts".
    pub section: &'static str,
    pub id: String,
    /// "signed agreement"
    pub what: &'static str,
    /// Where a publishable document appears, in words.
    pub published_where: &'static str,
    pub current: Option<DocumentRow>,
    /// Why the last upload was refused; nothing was stored.
    pub error: Option<String>,
}

#[derive(Serialize)]
pub(super) struct DocumentRow {
    file_name: String,
    /// "2.4 MB"
    size: String,
    sha256: String,
    publishable: bool,
    uploaded: LocalTime,
}

impl DocumentSection {
    pub(super) fn new(
        state: &AppState,
        section: &'static str,
        id: uuid::Uuid,
        what: &'static str,
        published_where: &'static str,
        current: Option<&Document>,
    ) -> Self {
        Self {
            section,
            id: id.to_string(),
            what,
            published_where,
            current: current.map(|document| DocumentRow {
                file_name: document.file_name.clone(),
                size: size_in_words(document.size),
                sha256: document.sha256.clone(),
                publishable: document.publishable,
                uploaded: format::local(document.uploaded_at, state.settings.timezone),
            }),
            error: None,
        }
    }
}

fn size_in_words(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let size = bytes as f64;
    if size < KB {
        format!("{bytes} bytes")
    } else if size < KB * KB {
        format!("{:.1} KB", size / KB)
    } else {
        format!("{:.1} MB", size / (KB * KB))
    }
}

/// Why an upload from a page ended without being stored.
pub(super) enum UploadRefused {
    /// A page to answer as it is (the form's token did not match).
    Page(super::Refused),
    /// A reason to show beside the file field, with the status.
    Reason(StatusCode, String),
}

/// Reads an upload form once its CSRF token is checked (the token is a part
/// of the same body, so it is read first; nothing is stored yet).
pub(super) async fn read_form(
    user: &User,
    state: &AppState,
    multipart: Multipart,
    default_name: &str,
) -> Result<Upload, UploadRefused> {
    let received = receive(multipart, default_name, &["csrf"])
        .await
        .map_err(|refusal| {
            let status = match refusal {
                Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::Part { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            };
            UploadRefused::Reason(status, refusal.describe())
        })?;
    let csrf = received
        .texts
        .iter()
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.as_str());
    user.check_csrf(state, csrf).map_err(UploadRefused::Page)?;
    Ok(received.upload)
}

/// After the use case: back to the page with what was stored (POST,
/// redirect, GET), or the reasons it was refused.
pub(super) fn stored(
    user: &User,
    state: &AppState,
    page: &str,
    what: &str,
    result: Result<Document, ServiceError>,
) -> Result<Response, UploadRefused> {
    match result {
        Ok(document) => Ok(user.redirect_with(
            state,
            page,
            "ok",
            format!(
                "The {what} {} was stored (SHA-256 {}).",
                document.file_name, document.sha256
            ),
        )),
        // The one refusal of a read upload: an empty file.
        Err(ServiceError::Invalid(_)) => Err(UploadRefused::Reason(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Nothing was stored: choose the file of the {what} to upload (an empty file is not accepted)."),
        )),
        Err(ServiceError::NotFound) => Err(UploadRefused::Page(
            user.message(
                state,
                StatusCode::NOT_FOUND,
                "Not found",
                "It was removed meanwhile, so nothing was stored.",
            )
            .into(),
        )),
        Err(error) => Err(UploadRefused::Page(user.internal(state, error).into())),
    }
}

/// The document for a signed-in user, as the API's download answers it.
pub(super) fn download(
    user: &User,
    state: &AppState,
    found: Result<(Document, Vec<u8>), ServiceError>,
) -> Response {
    match found {
        Err(ServiceError::NotFound) => user.message(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            "No document has been uploaded here yet.",
        ),
        Err(error) => user.internal(state, error),
        found => crate::http::documents::download(found).into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(super::size_in_words(48), "48 bytes");
        assert_eq!(super::size_in_words(1536), "1.5 KB");
        assert_eq!(super::size_in_words(20 * 1024 * 1024), "20.0 MB");
    }
}
