//! The roster upload page of an incident (admin): a multipart form whose
//! file is streamed to a private temporary file (rosters are personal data:
//! it is created 0600 and removed when the request ends) and imported by
//! `notices::import_roster`. The page then shows the import summary and
//! every rejected row with its line and reason; rejection reasons never
//! repeat a row's personal data.

use super::User;
use crate::auth::Permission;
use crate::cases::ServiceError;
use crate::state::AppState;
use crate::views::RosterAnswer;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

#[derive(Serialize)]
struct RosterPage {
    id: String,
    title: String,
    answer: Option<RosterAnswer>,
    error: Option<String>,
}

async fn incident_title(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<(Uuid, String), Response> {
    let not_found = || {
        user.message(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such incident.",
        )
    };
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.cases.incident_record(id).await {
        Ok(Some(incident)) => Ok((id, incident.title)),
        Ok(None) => Err(not_found()),
        Err(error) => Err(user.internal(state, error)),
    }
}

pub async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    if let Err(refusal) = user.require(&state, Permission::Administer) {
        return refusal.into_response();
    }
    match incident_title(&state, &user, &id).await {
        Ok((id, title)) => {
            let page = RosterPage {
                id: id.to_string(),
                title,
                answer: None,
                error: None,
            };
            user.page(&state, StatusCode::OK, "roster.html", "", &page)
        }
        Err(refusal) => refusal,
    }
}

/// The uploaded file, on disk, and the form's CSRF token.
struct Upload {
    csrf: Option<String>,
    file: Option<tempfile::NamedTempFile>,
    /// The file's own name, which rejected rows are reported under.
    name: String,
}

async fn receive(mut multipart: Multipart) -> Result<Upload, String> {
    let mut upload = Upload {
        csrf: None,
        file: None,
        name: "roster.csv".into(),
    };
    while let Some(mut field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        match field.name() {
            Some("csrf") => upload.csrf = Some(field.text().await.map_err(|e| e.body_text())?),
            Some("roster") => {
                // The importer tells a OneRoster zip from a CSV; keep the
                // extension in case it looks at it.
                if let Some(name) = field
                    .file_name()
                    .filter(|name| !name.is_empty() && !name.contains(['/', '\\']))
                {
                    upload.name = name.to_owned();
                }
                let suffix = match field.file_name().map(str::to_ascii_lowercase) {
                    Some(name) if name.ends_with(".zip") => ".zip",
                    _ => ".csv",
                };
                let temp = tempfile::Builder::new()
                    .prefix("breachd-roster-")
                    .suffix(suffix)
                    .tempfile()
                    .map_err(|e| format!("cannot store the upload: {e}"))?;
                let mut file = tokio::fs::File::from_std(
                    temp.reopen()
                        .map_err(|e| format!("cannot store the upload: {e}"))?,
                );
                let mut size = 0usize;
                while let Some(chunk) = field.chunk().await.map_err(|e| e.body_text())? {
                    size += chunk.len();
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| format!("cannot store the upload: {e}"))?;
                }
                file.flush()
                    .await
                    .map_err(|e| format!("cannot store the upload: {e}"))?;
                if size > 0 {
                    upload.file = Some(temp);
                }
            }
            // Other fields are ignored, as a browser may add some.
            _ => {}
        }
    }
    Ok(upload)
}

pub async fn upload(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    if let Err(refusal) = user.require(&state, Permission::Administer) {
        return refusal.into_response();
    }
    let (id, title) = match incident_title(&state, &user, &id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let mut page = RosterPage {
        id: id.to_string(),
        title,
        answer: None,
        error: None,
    };
    let upload = match receive(multipart).await {
        Ok(upload) => upload,
        Err(reason) => {
            page.error = Some(format!("The upload could not be read: {reason}"));
            return user.page(&state, StatusCode::BAD_REQUEST, "roster.html", "", &page);
        }
    };
    // Checked only now because the token is a field of the same multipart
    // body; nothing has been imported yet.
    if let Err(refusal) = user.check_csrf(&state, upload.csrf.as_deref()) {
        return refusal.into_response();
    }
    let Some(file) = upload.file else {
        page.error = Some("Choose a roster file to upload.".into());
        return user.page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "roster.html",
            "",
            &page,
        );
    };
    let status = match crate::cases::notices::import_roster(
        &state.cases,
        id,
        file.path(),
        &upload.name,
        &user.session.name,
    )
    .await
    {
        Ok(answer) => {
            page.answer = Some(answer);
            StatusCode::OK
        }
        Err(ServiceError::Invalid(errors)) => {
            page.error = Some(format!(
                "The file was rejected whole and nothing was stored: {}.",
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ServiceError::Conflict(reason)) => {
            page.error = Some(format!("The roster was not imported: {reason}."));
            StatusCode::CONFLICT
        }
        Err(ServiceError::NotFound) => {
            page.error = Some("There is no such incident.".into());
            StatusCode::NOT_FOUND
        }
        Err(error) => return user.internal(&state, error),
    };
    // Removes the temporary copy of the roster now, not at some later drop.
    drop(file);
    user.page(&state, status, "roster.html", "", &page)
}
