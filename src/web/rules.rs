//! The rules page: every jurisdiction's duties in a table with citation,
//! source link, effective dates and verification, for a district's lawyer.

use super::User;
use crate::state::AppState;
use crate::views::Jurisdiction;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct RulesPage {
    /// The district's own jurisdiction's name.
    own: String,
    jurisdictions: Vec<Jurisdiction>,
}

pub async fn page(State(state): State<AppState>, user: User) -> Response {
    let list = state.cases.rules(None);
    let own = state.settings.engine.pack.name.clone();
    // The district's own jurisdiction first: it is the one that binds it.
    let mut jurisdictions = list.jurisdictions;
    let own_code = state.settings.engine.pack.jurisdiction.clone();
    jurisdictions.sort_by_key(|j| j.code != own_code);
    let page = RulesPage { own, jurisdictions };
    user.page(&state, StatusCode::OK, "rules.html", "rules", &page)
}
