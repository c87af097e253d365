//! The contract page's two forms for administrators, while the contract
//! lacks a required provision: recording the board's notice to amend
//! (`POST /contracts/{id}/amendment-request`) and the contractor's
//! amendment (`POST /contracts/{id}/amendment`). Each form is turned into
//! the API's body and read by the same parser, so the page refuses what
//! the API refuses; a refusal shows the page again with each reason beside
//! its field and what was typed kept, and nothing is saved. A success
//! redirects to the page (Post/Redirect/Get).

use super::contract_forms::Forms;
use super::format;
use super::{Fields, User};
use crate::auth::Permission;
use crate::cases::contracts::amendment_input;
use crate::cases::ServiceError;
use crate::domain::FieldError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde_json::{json, Map, Value};

/// Which form was sent.
#[derive(Clone, Copy)]
enum Action {
    Request,
    Amend,
}

/// The form's field an API field's error belongs beside.
fn form_field(error: &FieldError) -> String {
    match error.field.as_str() {
        field if field.starts_with("provisions") => "provisions".to_owned(),
        "sent_at" | "note" | "amended_at" => error.field.clone(),
        // "body" and anything else: shown at the first field of its form.
        _ => "form".to_owned(),
    }
}

/// The API body the form stands for, or the error of a time that is not
/// one in the district's zone.
fn body(state: &AppState, action: Action, fields: &Fields) -> Result<Value, FieldError> {
    match action {
        Action::Request => {
            let mut body = Map::new();
            let typed = fields.text("sent_at");
            if !typed.is_empty() {
                let at = format::parse_input(&typed, state.settings.timezone)
                    .map_err(|reason| FieldError::new("sent_at", reason))?;
                body.insert("sent_at".into(), at.to_rfc3339().into());
            }
            let note = fields.text("note");
            if !note.is_empty() {
                body.insert("note".into(), note.into());
            }
            Ok(Value::Object(body))
        }
        Action::Amend => {
            let mut provisions = Map::new();
            for number in fields.all("provision") {
                provisions.insert(number, json!(true));
            }
            let mut body = Map::new();
            let date = fields.text("amended_at");
            if !date.is_empty() {
                body.insert("amended_at".into(), date.into());
            }
            body.insert("provisions".into(), Value::Object(provisions));
            Ok(Value::Object(body))
        }
    }
}

async fn save(state: AppState, user: User, id: String, fields: Fields, action: Action) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    if let Err(refused) = user.check_csrf(&state, fields.get("csrf")) {
        return refused.into();
    }
    let not_found = |user: &User| {
        user.message(
            &state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such contract.",
        )
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return not_found(&user);
    };
    let parsed = body(&state, action, &fields).map_err(|error| vec![error]);
    let outcome = match (action, parsed) {
        (_, Err(errors)) => Err(ServiceError::Invalid(errors)),
        (Action::Request, Ok(body)) => match amendment_input::parse_request(&body) {
            Ok(request) => {
                state
                    .cases
                    .request_contract_amendment(id, request, &user.session.name)
                    .await
            }
            Err(errors) => Err(ServiceError::Invalid(errors)),
        },
        (Action::Amend, Ok(body)) => {
            match amendment_input::parse_amendment(&body, &state.settings.engine) {
                Ok(amendment) => {
                    state
                        .cases
                        .amend_contract(id, amendment, &user.session.name)
                        .await
                }
                Err(errors) => Err(ServiceError::Invalid(errors)),
            }
        }
    };
    let page = format!("/contracts/{id}");
    match outcome {
        Ok(_) => user.redirect_with(
            &state,
            &page,
            "ok",
            match action {
                Action::Request => "The notice to amend was recorded.".to_owned(),
                Action::Amend => "The amendment was recorded.".to_owned(),
            },
        ),
        Err(ServiceError::Invalid(errors)) => {
            let contract = match state.cases.contract(id).await {
                Ok(contract) => contract,
                Err(ServiceError::NotFound) => return not_found(&user),
                Err(error) => return user.internal(&state, error),
            };
            let mut forms = Forms::blank(&state, &user, &contract);
            for error in &errors {
                forms
                    .errors
                    .entry(form_field(error))
                    .or_insert_with(|| error.reason.clone());
            }
            let ticked = fields.all("provision");
            for choice in &mut forms.choices {
                choice.checked = ticked.contains(&choice.number.to_string());
            }
            for name in ["sent_at", "note", "amended_at"] {
                forms.values.insert(name, fields.text(name));
            }
            let shown = super::contracts::Page {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..super::contracts::Page::new(forms)
            };
            super::contracts::render_one(&user, &state, &contract, shown).await
        }
        Err(ServiceError::NotFound) => not_found(&user),
        Err(ServiceError::Conflict(reason)) => user.message(
            &state,
            StatusCode::CONFLICT,
            "Nothing was changed",
            &format!("Nothing was saved: {reason}."),
        ),
        Err(error) => user.internal(&state, error),
    }
}

pub async fn request(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    save(state, user, id, Fields(fields), Action::Request).await
}

pub async fn amend(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    save(state, user, id, Fields(fields), Action::Amend).await
}
