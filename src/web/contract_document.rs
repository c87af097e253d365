//! The signed contract from its page: `POST /contracts/{id}/document`
//! (admin) stores it as `POST /api/v1/contracts/{id}/document` does (its
//! public notice page is published again, linking it when publishable),
//! and `GET` downloads it for everyone signed in.

use super::contracts::current;
use super::documents::{self, UploadRefused};
use super::User;
use crate::auth::Permission;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;

pub async fn upload(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    let found = match current(&user, &state, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let id = found.record.id;
    let answer = match documents::read_form(&user, &state, multipart, "contract").await {
        Ok(upload) => {
            let result = state
                .cases
                .upload_contract_document(id, upload, &user.session.name)
                .await;
            documents::stored(
                &user,
                &state,
                &format!("/contracts/{id}"),
                super::contracts::DOCUMENT,
                result,
            )
        }
        Err(refused) => Err(refused),
    };
    match answer {
        Ok(response) => response,
        Err(UploadRefused::Page(refused)) => refused.into(),
        Err(UploadRefused::Reason(status, reason)) => {
            let forms = super::contract_forms::Forms::blank(&state, &user, &found);
            let shown = super::contracts::Page {
                upload_error: Some(reason),
                status,
                ..super::contracts::Page::new(forms)
            };
            super::contracts::render_one(&user, &state, &found, shown).await
        }
    }
}

pub async fn download(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Response {
    match current(&user, &state, &id).await {
        Ok(found) => {
            let document = state.cases.contract_document(found.record.id).await;
            documents::download(&user, &state, document)
        }
        Err(response) => response,
    }
}
