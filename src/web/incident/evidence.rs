//! The printable compliance record of an incident for signed-in
//! administrators: the same page as the API's `evidence?format=html`,
//! reached from the incident page with the session rather than a token.

use super::lookup::{not_found, parse_id};
use crate::auth::Permission;
use crate::cases::{evidence, ServiceError};
use crate::state::AppState;
use crate::views::evidence_html;
use crate::web::User;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

pub async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into_response();
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    let document = match evidence::document(&state.cases, id).await {
        Ok((document, _)) => document,
        Err(ServiceError::NotFound) => return not_found(&user, &state, "incident"),
        Err(error) => return user.internal(&state, error),
    };
    match evidence_html::render(&document) {
        Ok(html) => Html(html).into_response(),
        Err(error) => user.internal(&state, error),
    }
}
