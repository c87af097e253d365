//! Closing a report early from the incident page (admin): withdraw it with
//! a reason, or merge it into the first report of the same breach. Both go
//! through `cases::lifecycle`, as the API does, and come back to the page
//! with what was done in words.

use super::lookup::{not_found, parse_id};
use crate::auth::Permission;
use crate::cases::lifecycle::{self, Closing};
use crate::cases::ServiceError;
use crate::state::AppState;
use crate::web::{Fields, Refused, User};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use uuid::Uuid;

fn allowed(user: &User, state: &AppState, fields: &Fields) -> Result<(), Refused> {
    user.require(state, Permission::Administer)?;
    user.check_csrf(state, fields.get("csrf"))
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let closing = Closing::Withdraw {
        reason: fields.text("reason"),
    };
    close(&state, &user, &id, &fields, closing).await
}

pub async fn merge(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let Ok(into) = Uuid::parse_str(fields.text("into").trim()) else {
        return match allowed(&user, &state, &fields) {
            Err(refused) => refused.into(),
            Ok(()) => user.redirect_with(
                &state,
                &format!("/incidents/{id}#close-report"),
                "error",
                "Nothing was merged: choose the incident this report duplicates.".to_owned(),
            ),
        };
    };
    let reason = Some(fields.text("reason"));
    close(
        &state,
        &user,
        &id,
        &fields,
        Closing::MergeInto { into, reason },
    )
    .await
}

async fn close(
    state: &AppState,
    user: &User,
    id: &str,
    fields: &Fields,
    closing: Closing,
) -> Response {
    if let Err(refused) = allowed(user, state, fields) {
        return refused.into();
    }
    let Some(id) = parse_id(id) else {
        return not_found(user, state, "incident");
    };
    let back = format!("/incidents/{id}");
    let (level, text) = match lifecycle::close(&state.cases, id, closing, &user.session.name).await
    {
        Ok(closed) => (
            "ok",
            format!(
                "{} {}. The reminders for them stopped.",
                crate::words::count(
                    closed.waived.len() as u64,
                    "duty was waived:",
                    "duties were waived:"
                ),
                closed.reason
            ),
        ),
        Err(ServiceError::Invalid(errors)) => (
            "error",
            format!(
                "Nothing was closed: {}.",
                errors
                    .iter()
                    .map(|e| match e.field.as_str() {
                        "reason" => format!("the reason {}", e.reason),
                        _ => format!("the incident chosen {}", e.reason),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Err(ServiceError::NotFound) => return not_found(user, state, "incident"),
        Err(error) => return user.internal(state, error),
    };
    user.redirect_with(state, &back, level, text)
}
