//! The notice page of an incident: the draft exactly as each audience will
//! receive it (a guardian of one child and of several, per language, and
//! the website page), an edit form for administrators, a test message to one
//! of the district's contacts, and the approval step that says what will
//! happen before it happens. Once approved, the page shows who approved it
//! and when, and the approve button is gone.

use super::lookup::{not_found, parse_id};
use super::page::FormState;
use crate::auth::Permission;
use crate::cases::notice_wording::WORDING;
use crate::cases::preview::{self, NoticePreview};
use crate::cases::ServiceError;
use crate::domain::FieldError;
use crate::state::AppState;
use crate::store::NoticeRecord;
use crate::web::format::{self, LocalTime};
use crate::web::{Fields, Refused, User};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;

/// The form's fields: the public title and the four text fields.
const FORM_FIELDS: [&str; 5] = [
    "public_title",
    "what_happened",
    "what_we_are_doing",
    "what_families_can_do",
    "contact",
];

/// A field's name as the page labels it, for messages people read.
pub(super) fn label(field: &str) -> String {
    let (language, field) = match field.strip_prefix("languages.") {
        Some(rest) => match rest.split_once('.') {
            Some((language, field)) => (Some(language), field),
            None => (Some(rest), ""),
        },
        None => (None, field),
    };
    let name = match field {
        "public_title" => "The website page's title",
        "what_happened" => "What happened",
        "what_we_are_doing" => "What we are doing",
        "what_families_can_do" => "What families can do",
        "contact" => "Contact",
        "to" => "The test's address",
        "roster" => "The roster",
        "language" => "The language",
        "template" => "The message template",
        _ => "The notice",
    };
    match language {
        Some(language) => format!("{name} ({})", language_name(language)),
        None => name.to_owned(),
    }
}

/// A language's name in English, for the language links.
fn language_name(code: &str) -> String {
    match code {
        "en" => "English".into(),
        "es" => "Spanish".into(),
        "pt" => "Portuguese".into(),
        "fr" => "French".into(),
        "ht" => "Haitian Creole".into(),
        "zh" => "Chinese".into(),
        "vi" => "Vietnamese".into(),
        "ar" => "Arabic".into(),
        other => format!("language {other}"),
    }
}

#[derive(Serialize)]
struct LanguageLink {
    code: String,
    name: String,
    current: bool,
}

#[derive(Serialize)]
struct Approved {
    by: String,
    at: LocalTime,
    recipients: Option<i64>,
    published_url: Option<String>,
}

#[derive(Serialize)]
struct NoticePage {
    id: String,
    title: String,
    language: String,
    language_name: String,
    languages: Vec<LanguageLink>,
    preview: NoticePreview,
    /// Plain-words labels of the fields that read English in this language.
    english_fallback: Vec<String>,
    /// "What we are doing: [FILL IN: ...]".
    placeholders: Vec<String>,
    approved: Option<Approved>,
    form: FormState,
    contacts: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct LanguageQuery {
    language: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Query(query): Query<LanguageQuery>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    render(
        &state,
        &user,
        id,
        query.language.as_deref(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The page, with a refused edit's typed text and reasons when given.
async fn render(
    state: &AppState,
    user: &User,
    id: Uuid,
    language: Option<&str>,
    refused: Option<FormState>,
    status: StatusCode,
) -> Response {
    let preview = match preview::preview(&state.cases, &state.templates, id, language).await {
        Ok(preview) => preview,
        Err(ServiceError::NotFound) => return not_found(user, state, "incident"),
        // A malformed ?language= shows English rather than an error page.
        Err(ServiceError::Invalid(_)) if language.is_some() => {
            return Box::pin(render(state, user, id, None, refused, status)).await
        }
        Err(error) => return user.internal(state, error),
    };
    let (incident, notice) = match (
        state.cases.incident_record(id).await,
        state.cases.notice(id).await,
    ) {
        (Ok(Some(incident)), Ok(notice)) => (incident, notice),
        (Ok(None), _) => return not_found(user, state, "incident"),
        (Err(error), _) | (_, Err(error)) => return user.internal(state, error),
    };
    let notice = notice.unwrap_or_else(|| {
        crate::cases::notices::draft(&incident, &state.settings, state.cases.now())
    });
    let zone = state.settings.timezone;
    let current = preview.language.clone();
    let mut codes: Vec<String> = preview_languages(state, &notice);
    if !codes.contains(&current) {
        codes.push(current.clone());
    }
    let languages = codes
        .into_iter()
        .map(|code| LanguageLink {
            name: language_name(&code),
            current: code == current,
            code,
        })
        .collect();
    let form = refused.unwrap_or_else(|| FormState {
        values: form_values(&notice, &current),
        errors: Default::default(),
    });
    let page = NoticePage {
        id: id.to_string(),
        title: incident.title.clone(),
        language_name: language_name(&current),
        language: current,
        languages,
        english_fallback: preview.english_fallback.iter().map(|f| label(f)).collect(),
        placeholders: notice
            .unfilled_placeholders()
            .into_iter()
            .map(|(field, text)| format!("{}: {text}", label(&field)))
            .collect(),
        approved: notice.approved_at.map(|at| Approved {
            by: notice.approved_by.clone().unwrap_or_default(),
            at: format::local(at, zone),
            recipients: notice.recipients,
            published_url: notice.published_url.clone(),
        }),
        preview,
        form,
        contacts: state
            .settings
            .contacts
            .values()
            .flatten()
            .map(|mailbox| mailbox.email.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    user.page(state, status, "notice.html", "", &page)
}

/// English, the languages the taxonomy has words in, and those written.
fn preview_languages(state: &AppState, notice: &NoticeRecord) -> Vec<String> {
    let mut codes: Vec<String> = state
        .settings
        .engine
        .taxonomy
        .languages()
        .into_iter()
        .collect();
    for code in notice.languages.keys() {
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    codes.sort_by_key(|code| code != "en");
    codes
}

/// The edit form's values for a language: English's own fields, or the
/// variant's (empty where it reads English).
fn form_values(
    notice: &NoticeRecord,
    language: &str,
) -> std::collections::BTreeMap<String, String> {
    let variant = notice.languages.get(language);
    let text = |english: &str, own: Option<&String>| -> String {
        if language == "en" {
            english.to_owned()
        } else {
            own.cloned().unwrap_or_default()
        }
    };
    [
        (
            "public_title",
            notice.public_title.clone().unwrap_or_default(),
        ),
        (
            "what_happened",
            text(
                &notice.what_happened,
                variant.and_then(|v| v.what_happened.as_ref()),
            ),
        ),
        (
            "what_we_are_doing",
            text(
                &notice.what_we_are_doing,
                variant.and_then(|v| v.what_we_are_doing.as_ref()),
            ),
        ),
        (
            "what_families_can_do",
            text(
                &notice.what_families_can_do,
                variant.and_then(|v| v.what_families_can_do.as_ref()),
            ),
        ),
        (
            "contact",
            text(&notice.contact, variant.and_then(|v| v.contact.as_ref())),
        ),
    ]
    .into_iter()
    .map(|(field, value)| (field.to_owned(), value))
    .collect()
}

/// Saves the edit form: the English fields, or one language's variant
/// (an empty field there reads English).
pub async fn save(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = allowed(&user, &state, &fields) {
        return refused.into();
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    let language = match fields.text("language").trim() {
        "" => "en".to_owned(),
        code => code.to_owned(),
    };
    let edit = match edit_object(&state, id, &language, &fields).await {
        Ok(edit) => edit,
        Err(response) => return response,
    };
    let back = format!("/incidents/{id}/notice?language={language}");
    match crate::cases::notice_wording::edit(&state.cases, id, &edit).await {
        Ok(_) => user.redirect_with(&state, &back, "ok", "The draft was saved.".to_owned()),
        Err(ServiceError::Invalid(errors)) => {
            let mut form = FormState::from_fields(&fields, &FORM_FIELDS);
            for FieldError { field, reason } in errors {
                // `languages.es.contact` is the form's `contact`.
                let name = field.rsplit('.').next().unwrap_or(&field).to_owned();
                let name = if FORM_FIELDS.contains(&name.as_str()) {
                    name
                } else {
                    "what_happened".to_owned()
                };
                form.error(&name, format!("{} {reason}", label(&field)));
            }
            render(
                &state,
                &user,
                id,
                Some(&language),
                Some(form),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict(_)) => user.redirect_with(
            &state,
            &back,
            "error",
            "The notice was already approved; it can no longer change.".to_owned(),
        ),
        Err(ServiceError::NotFound) => not_found(&user, &state, "incident"),
        Err(error) => user.internal(&state, error),
    }
}

/// The form as the use case's JSON edit: English fields as they are; a
/// language's fields replace that variant, the others kept.
async fn edit_object(
    state: &AppState,
    id: Uuid,
    language: &str,
    fields: &Fields,
) -> Result<Map<String, Value>, Response> {
    let mut edit = Map::new();
    let title = fields.text("public_title");
    edit.insert(
        "public_title".into(),
        if title.trim().is_empty() {
            Value::Null
        } else {
            json!(title)
        },
    );
    if language == "en" {
        for field in WORDING {
            edit.insert(field.into(), json!(fields.text(field)));
        }
        return Ok(edit);
    }
    let existing = state
        .cases
        .notice(id)
        .await
        .map_err(|error| tracing::error!(error = %error, "reading the notice failed"))
        .ok()
        .flatten()
        .map(|notice| notice.languages)
        .unwrap_or_default();
    let mut languages: Map<String, Value> = existing
        .into_iter()
        .filter(|(code, _)| code != language)
        .map(|(code, wording)| (code, json!(wording)))
        .collect();
    let variant: Map<String, Value> = WORDING
        .iter()
        .filter(|field| !fields.text(field).trim().is_empty())
        .map(|field| ((*field).to_owned(), json!(fields.text(field))))
        .collect();
    if !variant.is_empty() {
        languages.insert(language.to_owned(), Value::Object(variant));
    }
    edit.insert("languages".into(), Value::Object(languages));
    Ok(edit)
}

fn allowed(user: &User, state: &AppState, fields: &Fields) -> Result<(), Refused> {
    user.require(state, Permission::Administer)?;
    user.check_csrf(state, fields.get("csrf"))
}

/// Mails the rendered notice to the contact picked in the form.
pub async fn send_test(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = allowed(&user, &state, &fields) {
        return refused.into();
    }
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    let language = match fields.text("language").trim() {
        "" => "en".to_owned(),
        code => code.to_owned(),
    };
    let back = format!("/incidents/{id}/notice?language={language}");
    let to = fields.text("to");
    let (level, text) = match preview::send_test(
        &state.cases,
        &state.templates,
        &state.mailer,
        id,
        &to,
        Some(&language),
    )
    .await
    {
        Ok(sent) => (
            "ok",
            format!(
                "A test of the {} notice was sent to {}. Nothing was sent to families.",
                language_name(&language),
                sent.to
            ),
        ),
        Err(ServiceError::Invalid(errors)) => (
            "error",
            format!(
                "No test was sent: {}.",
                errors
                    .iter()
                    .map(|e| format!("{} {}", label(&e.field), e.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Err(ServiceError::Conflict(reason)) => ("error", format!("No test was sent: {reason}.")),
        Err(ServiceError::NotFound) => return not_found(&user, &state, "incident"),
        Err(error) => return user.internal(&state, error),
    };
    user.redirect_with(&state, &back, level, text)
}
