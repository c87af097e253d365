//! The incident page's proof of notice: every affected student's coverage,
//! the students no email reached (administrators only: names are personal
//! data), and the forms recording a paper letter mailed or an exception.
//! A form's outcome comes back as a message on the page, as approval's does.

use super::lookup::{not_found, parse_id};
use crate::auth::Permission;
use crate::cases::letters::LetterStudents;
use crate::cases::ServiceError;
use crate::domain::coverage::Coverage;
use crate::state::AppState;
use crate::web::format;
use crate::web::{Fields, User};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Serialize;
use uuid::Uuid;

/// The most student names the page lists; the API lists them all.
const PAGE_STUDENTS: usize = 500;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageSection {
    /// False before a roster is imported.
    pub available: bool,
    pub students: usize,
    pub reached: usize,
    pub pending: usize,
    pub letter_needed: usize,
    pub letter_mailed: usize,
    pub exception: usize,
    pub unreached: usize,
    /// Students needing a letter, for administrators.
    pub needing: Vec<NeedingStudent>,
    pub more: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedingStudent {
    pub student_id: String,
    pub name: String,
    pub guardians: String,
    pub why: &'static str,
}

/// The coverage section of `incident_id`'s page.
pub async fn section(state: &AppState, incident_id: Uuid, admin: bool) -> CoverageSection {
    let report = match state.cases.coverage(incident_id).await {
        Ok(report) => report,
        Err(error) => {
            tracing::warn!(error = %error, %incident_id, "reading coverage for the incident page failed");
            return CoverageSection::default();
        }
    };
    let needing: Vec<NeedingStudent> = report
        .students
        .iter()
        .filter(|s| s.state == Coverage::LetterNeeded)
        .map(|s| NeedingStudent {
            student_id: s.student_id.clone(),
            name: s.name.clone(),
            guardians: s.guardian_names.join(", "),
            why: s.letter_reason.map_or("", |r| r.words()),
        })
        .collect();
    let more = needing.len().saturating_sub(PAGE_STUDENTS);
    CoverageSection {
        available: !report.students.is_empty(),
        students: report.students.len(),
        reached: report.count(Coverage::Reached),
        pending: report.count(Coverage::Pending),
        letter_needed: report.count(Coverage::LetterNeeded),
        letter_mailed: report.count(Coverage::LetterMailed),
        exception: report.count(Coverage::Exception),
        unreached: report.uncovered(),
        needing: if admin {
            needing.into_iter().take(PAGE_STUDENTS).collect()
        } else {
            Vec::new()
        },
        more: if admin { more } else { 0 },
    }
}

/// `POST /incidents/{id}/letters/mailed`: the ticked students (or every
/// student needing a letter, with `all`), mailed on `at` (now when empty).
pub async fn mailed(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    record(&state, &user, &id, Fields(fields), Kind::Mailed).await
}

/// `POST /incidents/{id}/letters/exception`: the ticked students and the reason.
pub async fn exception(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    record(&state, &user, &id, Fields(fields), Kind::Exception).await
}

#[derive(Clone, Copy)]
enum Kind {
    Mailed,
    Exception,
}

async fn record(state: &AppState, user: &User, id: &str, fields: Fields, kind: Kind) -> Response {
    if let Err(refused) = user
        .require(state, Permission::Administer)
        .and_then(|()| user.check_csrf(state, fields.get("csrf")))
    {
        return refused.into();
    }
    let Some(id) = parse_id(id) else {
        return not_found(user, state, "incident");
    };
    let back = format!("/incidents/{id}#coverage");
    let ticked: Vec<String> = fields
        .0
        .iter()
        .filter(|(name, _)| name == "student")
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    let outcome = match kind {
        Kind::Mailed => {
            let at = match fields.text("at") {
                text if text.is_empty() => Ok(state.cases.now()),
                text => format::parse_input(&text, state.settings.timezone),
            };
            let students = if fields.get("all").is_some() {
                LetterStudents::All
            } else {
                LetterStudents::Listed(ticked)
            };
            match at {
                Ok(at) => {
                    state
                        .cases
                        .record_letters_mailed(id, students, at, &user.session.name)
                        .await
                }
                Err(reason) => Err(ServiceError::Invalid(vec![crate::domain::FieldError::new(
                    "at", reason,
                )])),
            }
        }
        Kind::Exception => {
            let reason = fields.text("reason");
            if reason.is_empty() || reason.chars().count() > 5000 {
                Err(ServiceError::Invalid(vec![crate::domain::FieldError::new(
                    "reason",
                    "is required (at most 5000 characters)",
                )]))
            } else {
                state
                    .cases
                    .record_exceptions(id, ticked, reason, &user.session.name)
                    .await
            }
        }
    };
    let (level, text) = match outcome {
        Ok(report) => (
            "ok",
            match report.uncovered() {
                0 => "Recorded. Every affected student's family is now notified.".to_owned(),
                n => format!(
                    "Recorded. {} not yet reached.",
                    crate::words::count(n as u64, "student is", "students are")
                ),
            },
        ),
        Err(ServiceError::Invalid(errors)) => (
            "error",
            format!(
                "Nothing was recorded: {}.",
                errors
                    .iter()
                    .map(|e| format!("{} {}", field_words(&e.field), e.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Err(ServiceError::NotFound) => return not_found(user, state, "incident"),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), incident_id = %id, "recording letters failed");
            (
                "error",
                "Nothing was recorded: an internal error was logged.".to_owned(),
            )
        }
    };
    user.redirect_with(state, &back, level, text)
}

/// A field's name as the form shows it (`students[2]` is the third ticked
/// student; the page has no list indexes).
fn field_words(field: &str) -> String {
    match field {
        "at" => "The mailing date".to_owned(),
        "reason" => "The reason".to_owned(),
        "all" => "Every student needing a letter:".to_owned(),
        "students" => "The students".to_owned(),
        other => match other
            .strip_prefix("students[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => format!("Ticked student {}", n + 1),
            None => other.to_owned(),
        },
    }
}

/// `GET /incidents/{id}/letters`: the print-ready letters, as the API's
/// `?format=html` gives them, for a signed-in reader (names are personal
/// data, so administrators only, as on the incident page).
pub async fn print(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    let templates =
        match crate::email::templates::Templates::load(state.settings.email.templates.as_deref()) {
            Ok(templates) => templates,
            Err(error) => return user.internal(&state, error),
        };
    match state.cases.printable_letters(&templates, id).await {
        Ok(letters) => match crate::http::letters_html::render(&state.settings, &letters) {
            Ok(html) => axum::response::Html(html).into_response(),
            Err(error) => user.internal(&state, error),
        },
        Err(ServiceError::NotFound) => not_found(&user, &state, "incident"),
        Err(error) => user.internal(&state, error),
    }
}
