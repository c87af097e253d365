//! The incident page's actions: recording a clock event (reporter),
//! completing or waiving an obligation and approving the family notice
//! (admin). Every action is a form post checked for the session's CSRF
//! token and the role; a success redirects back with a message, a refusal
//! shows the page again with the reason next to the field and what was typed
//! kept.

use super::lookup::{not_found, parse_id};
use super::page::{render, FormState, Forms, SettleAction};
use crate::auth::Permission;
use crate::cases::ServiceError;
use crate::domain::{ClockEvent, Timestamp};
use crate::state::AppState;
use crate::store::Settlement;
use crate::web::format;
use crate::web::{Fields, Refused, User};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use uuid::Uuid;

/// The longest note or reason accepted (as the API).
const MAX_NOTE_CHARS: usize = 5000;

type Outcome = Result<Response, Response>;

fn finish(outcome: Outcome) -> Response {
    outcome.unwrap_or_else(|refusal| refusal)
}

/// Checks the role and the CSRF token, in that order; either failing means
/// the request changes nothing.
fn allowed(
    user: &User,
    state: &AppState,
    fields: &Fields,
    permission: Permission,
) -> Result<(), Refused> {
    user.require(state, permission)?;
    user.check_csrf(state, fields.get("csrf"))
}

pub async fn record_event(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    finish(record_event_inner(&state, &user, &id, Fields(fields)).await)
}

async fn record_event_inner(state: &AppState, user: &User, id: &str, fields: Fields) -> Outcome {
    allowed(user, state, &fields, Permission::Report)?;
    let id = parse_id(id).ok_or_else(|| not_found(user, state, "incident"))?;
    let zone = state.settings.timezone;
    let mut form = FormState::from_fields(&fields, &["kind", "at"]);
    let kind = match ClockEvent::parse(&fields.text("kind")) {
        Ok(kind) if kind.as_str() == ClockEvent::DISCOVERED => {
            form.error("kind", "is set when the report is filed");
            None
        }
        Ok(kind) => Some(kind),
        Err(_) => {
            form.error("kind", "choose the event that happened");
            None
        }
    };
    let at = match fields.text("at") {
        text if text.is_empty() => {
            form.error("at", "is required");
            None
        }
        text => match format::parse_input(&text, zone) {
            Ok(at) => Some(Timestamp::from_utc(at)),
            Err(reason) => {
                form.error("at", reason);
                None
            }
        },
    };
    let (Some(kind), Some(at), true) = (kind, at, form.errors.is_empty()) else {
        return Err(refused_event(state, user, id, form).await);
    };
    let label = format::event_label(kind.as_str());
    match state
        .cases
        .record_event(id, kind, at, &user.session.name)
        .await
    {
        Ok(true) => Ok(user.redirect_with(
            state,
            &format!("/incidents/{id}#deadlines"),
            "ok",
            format!(
                "Recorded “{label}” at {}. The deadlines below are recomputed.",
                format::local(at.utc(), zone).text
            ),
        )),
        Ok(false) => Ok(user.redirect_with(
            state,
            &format!("/incidents/{id}#events"),
            "ok",
            format!("“{label}” was already recorded at that time; nothing changed."),
        )),
        Err(ServiceError::Invalid(errors)) => {
            form.field_errors(errors, "kind");
            Err(refused_event(state, user, id, form).await)
        }
        Err(ServiceError::Conflict(reason)) => {
            form.error("kind", reason);
            Err(refused_event(state, user, id, form).await)
        }
        Err(ServiceError::NotFound) => Err(not_found(user, state, "incident")),
        Err(error) => Err(user.internal(state, error)),
    }
}

async fn refused_event(state: &AppState, user: &User, id: Uuid, form: FormState) -> Response {
    let forms = Forms {
        event: Some(form),
        settle: None,
    };
    render(state, user, id, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn complete(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    finish(settle(&state, &user, &id, Fields(fields), SettleAction::Complete).await)
}

pub async fn waive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    finish(settle(&state, &user, &id, Fields(fields), SettleAction::Waive).await)
}

fn bounded_text(form: &mut FormState, field: &str, text: String, required: bool) -> Option<String> {
    if text.is_empty() {
        if required {
            form.error(field, "is required: say why, for the record");
        }
        None
    } else if text.chars().count() > MAX_NOTE_CHARS {
        form.error(
            field,
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        );
        None
    } else {
        Some(text)
    }
}

async fn settle(
    state: &AppState,
    user: &User,
    id: &str,
    fields: Fields,
    action: SettleAction,
) -> Outcome {
    allowed(user, state, &fields, Permission::Administer)?;
    let id = parse_id(id).ok_or_else(|| not_found(user, state, "obligation"))?;
    let record = match state.cases.obligation(id).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(not_found(user, state, "obligation")),
        Err(error) => return Err(user.internal(state, error)),
    };
    let zone = state.settings.timezone;
    let now = state.cases.now();
    let mut form = FormState::from_fields(&fields, &["at", "note", "reason"]);
    let settlement = match action {
        SettleAction::Complete => {
            let at = match fields.text("at") {
                text if text.is_empty() => Some(now),
                text => format::parse_input(&text, zone)
                    .map_err(|reason| form.error("at", reason))
                    .ok(),
            };
            let note = bounded_text(&mut form, "note", fields.text("note"), false);
            at.map(|at| Settlement::Complete { at, note })
        }
        SettleAction::Waive => bounded_text(&mut form, "reason", fields.text("reason"), true)
            .map(|reason| Settlement::Waive { reason }),
    };
    let Some(incident_id) = record.subject.incident() else {
        // A request's duty is settled by answering or closing the request
        // on its own page; a contract's by what its page records.
        let text = match record.subject {
            crate::domain::Subject::Contract(_) => {
                "This duty belongs to a contract: record what was done on the contract's page."
            }
            _ => "This duty belongs to a privacy request: answer or close the request here.",
        };
        return Err(user.redirect_with(state, &record.subject.page_path(), "error", text.into()));
    };
    let refused = |form: FormState| async move {
        let forms = Forms {
            event: None,
            settle: Some((id, action, form)),
        };
        render(
            state,
            user,
            incident_id,
            forms,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await
    };
    let (Some(settlement), true) = (settlement, form.errors.is_empty()) else {
        return Err(refused(form).await);
    };
    match state.cases.settle(id, settlement, &user.session.name).await {
        Ok(settled) => {
            let status = format::status(settled.status(now), settled.due_at, now);
            Ok(user.redirect_with(
                state,
                &format!("{}#obligation-{id}", settled.subject.page_path()),
                "ok",
                format!(
                    "“{}” is now: {}.",
                    settled.title,
                    status.word.to_lowercase()
                ),
            ))
        }
        Err(ServiceError::Invalid(errors)) => {
            form.field_errors(errors, action.main_field());
            Err(refused(form).await)
        }
        Err(ServiceError::Conflict(reason)) => {
            form.error(action.main_field(), reason);
            Err(refused(form).await)
        }
        Err(ServiceError::NotFound) => Err(not_found(user, state, "obligation")),
        Err(error) => Err(user.internal(state, error)),
    }
}

/// Approves the family notice through `notices::approve` and shows its
/// outcome, whatever it is, on the incident page.
pub async fn approve(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    finish(approve_inner(&state, &user, &id, Fields(fields)).await)
}

async fn approve_inner(state: &AppState, user: &User, id: &str, fields: Fields) -> Outcome {
    allowed(user, state, &fields, Permission::Administer)?;
    let id = parse_id(id).ok_or_else(|| not_found(user, state, "incident"))?;
    let back = format!("/incidents/{id}#family-notice");
    if fields.get("confirm") != Some("yes") {
        return Ok(user.redirect_with(
            state,
            &format!("/incidents/{id}/notice#notice-approve"),
            "error",
            "The notice was not approved: tick the box to confirm it is ready to send.".to_owned(),
        ));
    }
    let (level, text) = match crate::cases::notices::approve(&state.cases, id, &user.session.name)
        .await
    {
        Ok(approval) => {
            let queued = match approval.published_url {
                Some(url) => format!(
                    "Notice approved: {} queued to guardians; the website notice is published at {url}.",
                    crate::words::count(approval.recipients, "message", "messages")
                ),
                None => format!(
                    "Notice approved: {} queued to guardians.",
                    crate::words::count(approval.recipients, "message", "messages")
                ),
            };
            if approval.meets_deadline {
                ("ok", queued)
            } else {
                // The incident page's delivery progress shows the times.
                (
                    "error",
                    format!(
                        "{queued} At the email relay's limits they will not all be sent before \
                         the families' deadline: add a relay or start paper letters now."
                    ),
                )
            }
        }
        Err(ServiceError::Invalid(errors)) => (
            "error",
            format!(
                "The notice was not approved: {}.",
                errors
                    .iter()
                    .map(|e| format!("{} {}", super::notice::label(&e.field), e.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Err(ServiceError::Conflict(reason)) => {
            ("error", format!("The notice was not approved: {reason}."))
        }
        Err(ServiceError::NotFound) => return Err(not_found(user, state, "incident")),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), incident_id = %id, "notice approval failed");
            (
                "error",
                "The notice was not approved: an internal error was logged.".to_owned(),
            )
        }
    };
    Ok(user.redirect_with(state, &back, level, text))
}
