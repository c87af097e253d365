//! Filing a report from a form (`/incidents/new`), for IT staff under
//! pressure: the incident fields of the API (docs/api.md), data elements ticked from
//! the taxonomy or typed freely (an unknown name is flagged and treated as
//! student information, the strictest clock), and date-times typed in the
//! district's zone. "Preview deadlines" shows what would be due without
//! storing anything; "File report" files it and shows the incident with its
//! deadlines.
//!
//! The form is turned into the API's JSON body and parsed by the same
//! `NewIncident::from_json`, so the two accept exactly the same reports and
//! give the same reasons, shown next to each field with what was typed kept.
//! A hidden idempotency key makes a double submit file once.

use super::format::{self, LocalTime, StatusView};
use super::{Fields, User};
use crate::auth::Permission;
use crate::cases::{self, ServiceError, FUTURE_TOLERANCE};
use crate::domain::timestamp::format_in_zone;
use crate::domain::{DataClass, FieldError, NewIncident};
use crate::state::AppState;
use crate::views::time_left;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What was typed, echoed back into the form.
#[derive(Debug, Default, Serialize)]
struct Values {
    title: String,
    description: String,
    contractor: String,
    own_systems: bool,
    discovered_at: String,
    board_notified_at: String,
    data_elements: Vec<String>,
    other_elements: String,
    affected_students: String,
    idempotency_key: String,
}

#[derive(Serialize)]
struct ElementChoice {
    name: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct Group {
    class: &'static str,
    label: &'static str,
    elements: Vec<ElementChoice>,
}

#[derive(Serialize)]
struct Typed {
    name: String,
    /// The taxonomy's element, when the name is one of its names or aliases.
    canonical: Option<String>,
    class: &'static str,
}

#[derive(Serialize)]
struct PreviewRow {
    title: String,
    recipient: String,
    status: StatusView,
    clock: String,
    due: Option<LocalTime>,
    time_left: Option<String>,
    citation: Option<String>,
}

#[derive(Serialize)]
struct ErrorItem {
    field: String,
    label: &'static str,
    reason: String,
}

#[derive(Serialize)]
struct ReportPage {
    zone: String,
    values: Values,
    errors: BTreeMap<String, String>,
    error_list: Vec<ErrorItem>,
    groups: Vec<Group>,
    typed: Vec<Typed>,
    preview: Option<Vec<PreviewRow>>,
    needs_review: Vec<String>,
    /// An incident this form already filed (a stale form sent again).
    already_filed: Option<String>,
}

/// The form's fields in the order they appear, for the error summary.
const FIELD_ORDER: [&str; 8] = [
    "title",
    "contractor",
    "own_systems",
    "discovered_at",
    "board_notified_at",
    "data_elements",
    "affected_students",
    "description",
];

fn label(field: &str) -> &'static str {
    match field {
        "title" => "Title",
        "description" => "What happened",
        "contractor" => "Contractor",
        "own_systems" => "Our own systems",
        "discovered_at" => "Discovered",
        "board_notified_at" => "Board notified",
        "data_elements" => "Data affected",
        "affected_students" => "Affected students",
        _ => "Form",
    }
}

/// The form field a `FieldError` of the JSON body belongs to.
fn form_field(error: &FieldError) -> (String, String) {
    match error.field.split_once('[') {
        Some((field, _)) => (field.to_owned(), format!("an entry {}", error.reason)),
        None => (error.field.clone(), error.reason.clone()),
    }
}

fn groups(state: &AppState, checked: &[String]) -> Vec<Group> {
    let elements = state.settings.engine.taxonomy.elements();
    DataClass::ALL
        .into_iter()
        .map(|class| Group {
            class: class.as_str(),
            label: class.describe(),
            elements: elements
                .iter()
                .filter(|e| e.class == class)
                .map(|e| ElementChoice {
                    name: e.name.clone(),
                    label: format::element_label(&e.name),
                    checked: checked.contains(&e.name),
                })
                .collect(),
        })
        .filter(|group| !group.elements.is_empty())
        .collect()
}

/// Free-text element names: one per line or separated by commas.
fn typed_names(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

fn new_key() -> String {
    Uuid::new_v4().simple().to_string()
}

fn blank_page(state: &AppState) -> ReportPage {
    ReportPage {
        zone: state.settings.timezone.name().to_owned(),
        values: Values {
            idempotency_key: new_key(),
            ..Values::default()
        },
        errors: BTreeMap::new(),
        error_list: Vec::new(),
        groups: groups(state, &[]),
        typed: Vec::new(),
        preview: None,
        needs_review: Vec::new(),
        already_filed: None,
    }
}

pub async fn page(State(state): State<AppState>, user: User) -> Response {
    if let Err(refusal) = user.require(&state, Permission::Report) {
        return refusal.into_response();
    }
    user.page(
        &state,
        StatusCode::OK,
        "report.html",
        "report",
        &blank_page(&state),
    )
}

/// The form as the API's JSON body, and the errors found on the way (times
/// that are not times in the district's zone).
fn body_of(values: &Values, state: &AppState) -> (Value, Vec<(String, String)>) {
    let zone = state.settings.timezone;
    let mut body = Map::new();
    let mut errors = Vec::new();
    for (field, text) in [
        ("title", &values.title),
        ("description", &values.description),
        ("contractor", &values.contractor),
    ] {
        if !text.is_empty() {
            body.insert(field.into(), Value::String(text.clone()));
        }
    }
    if values.own_systems {
        body.insert("own_systems".into(), Value::Bool(true));
    }
    for (field, text) in [
        ("discovered_at", &values.discovered_at),
        ("board_notified_at", &values.board_notified_at),
    ] {
        if text.is_empty() {
            continue;
        }
        match format::parse_input(text, zone) {
            Ok(at) => {
                body.insert(field.into(), Value::String(format_in_zone(at, zone)));
            }
            Err(reason) => errors.push((field.to_owned(), reason)),
        }
    }
    let mut elements: Vec<Value> = values
        .data_elements
        .iter()
        .cloned()
        .map(Value::String)
        .collect();
    elements.extend(
        typed_names(&values.other_elements)
            .into_iter()
            .map(Value::String),
    );
    body.insert("data_elements".into(), Value::Array(elements));
    if !values.affected_students.is_empty() {
        let count = values.affected_students.replace([',', ' '], "");
        body.insert(
            "affected_students".into(),
            count
                .parse::<u64>()
                .map_or_else(|_| Value::String(count.clone()), Value::from),
        );
    }
    (Value::Object(body), errors)
}

pub async fn submit(
    State(state): State<AppState>,
    user: User,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refusal) = user
        .require(&state, Permission::Report)
        .and_then(|()| user.check_csrf(&state, fields.get("csrf")))
    {
        return refusal.into_response();
    }
    let zone = state.settings.timezone;
    let now = state.cases.now();
    let key = fields.text("idempotency_key");
    let values = Values {
        title: fields.text("title"),
        description: fields.text("description"),
        contractor: fields.text("contractor"),
        own_systems: fields.get("own_systems").is_some(),
        discovered_at: fields.text("discovered_at"),
        board_notified_at: fields.text("board_notified_at"),
        data_elements: fields.all("data_elements"),
        other_elements: fields.get("other_elements").unwrap_or_default().to_owned(),
        affected_students: fields.text("affected_students"),
        idempotency_key: if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
            key
        } else {
            new_key()
        },
    };
    let (body, local_errors) = body_of(&values, &state);
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for (field, reason) in local_errors {
        errors.entry(field).or_insert(reason);
    }
    let parsed = NewIncident::from_json(&body).map_err(|field_errors| {
        for error in &field_errors {
            let (field, reason) = form_field(error);
            errors.entry(field).or_insert(reason);
        }
    });
    // The same check `file` makes, so that a preview says it too.
    if let Ok(new) = &parsed {
        for (field, at) in [
            ("discovered_at", Some(new.discovered_at)),
            ("board_notified_at", new.board_notified_at),
        ] {
            if at.is_some_and(|at| at.utc() > now + FUTURE_TOLERANCE) {
                errors
                    .entry(field.to_owned())
                    .or_insert_with(|| "must not be in the future".to_owned());
            }
        }
    }
    let engine = &state.settings.engine;
    let typed: Vec<Typed> = typed_names(&values.other_elements)
        .into_iter()
        .map(|name| {
            let element = engine.taxonomy.lookup(&name);
            Typed {
                canonical: element.map(|e| e.name.clone()),
                class: element
                    .map_or(DataClass::StudentInformation, |e| e.class)
                    .describe(),
                name,
            }
        })
        .collect();
    let mut page = ReportPage {
        zone: zone.name().to_owned(),
        groups: groups(&state, &values.data_elements),
        values,
        errors: BTreeMap::new(),
        error_list: Vec::new(),
        typed,
        preview: None,
        needs_review: Vec::new(),
        already_filed: None,
    };
    let new = match parsed {
        Ok(new) if errors.is_empty() => new,
        _ => return refuse(&state, &user, page, errors),
    };
    if fields.get("action") == Some("preview") {
        let (incident, obligations) =
            cases::draft(engine, &new, Uuid::nil(), &user.session.name, now);
        page.needs_review = incident.classification.needs_review;
        page.preview = Some(
            obligations
                .iter()
                .map(|o| {
                    let status = o.status(now);
                    PreviewRow {
                        title: o.title.clone(),
                        recipient: o.recipient.clone(),
                        status: format::status(status, o.due_at, now),
                        clock: format::event_label(o.clock.as_str()),
                        due: o.due_at.map(|at| format::local(at, zone)),
                        time_left: o
                            .due_at
                            .filter(|_| !status.is_settled())
                            .map(|due| time_left(due - now)),
                        citation: super::board::operative_source(o).map(|s| s.citation.clone()),
                    }
                })
                .collect(),
        );
        return user.page(&state, StatusCode::OK, "report.html", "report", &page);
    }
    let request_hash = hex::encode(Sha256::digest(body.to_string().as_bytes()));
    let idempotency = Some((page.values.idempotency_key.clone(), request_hash.clone()));
    let filed = match state.cases.file(new, &user.session.name, idempotency).await {
        Ok(filed) => filed,
        Err(ServiceError::Invalid(field_errors)) => {
            for error in &field_errors {
                let (field, reason) = form_field(error);
                errors.entry(field).or_insert(reason);
            }
            return refuse(&state, &user, page, errors);
        }
        Err(error) => return user.internal(&state, error),
    };
    let answer: Value = serde_json::from_str(&filed.response.body).unwrap_or(Value::Null);
    let Some(id) = answer["id"].as_str().map(str::to_owned) else {
        return user.internal(&state, "a filed incident's answer has no id");
    };
    if filed.replayed && filed.response.request_hash != request_hash {
        // The form was filed, then edited and sent again (the browser's
        // back button): say so rather than file a second incident.
        page.already_filed = Some(id);
        page.values.idempotency_key = new_key();
        return user.page(&state, StatusCode::CONFLICT, "report.html", "report", &page);
    }
    let count = answer["obligations"].as_array().map_or(0, Vec::len);
    let text = if filed.replayed {
        "This report was already filed; here it is.".to_owned()
    } else {
        format!(
            "Report filed. {} computed; the deadlines are below.",
            crate::words::count(count as u64, "obligation", "obligations")
        )
    };
    user.redirect_with(&state, &format!("/incidents/{id}#deadlines"), "ok", text)
}

fn refuse(
    state: &AppState,
    user: &User,
    mut page: ReportPage,
    errors: BTreeMap<String, String>,
) -> Response {
    page.error_list = errors
        .iter()
        .map(|(field, reason)| ErrorItem {
            field: field.clone(),
            label: label(field),
            reason: reason.clone(),
        })
        .collect();
    page.error_list.sort_by_key(|item| {
        FIELD_ORDER
            .iter()
            .position(|field| *field == item.field)
            .unwrap_or(FIELD_ORDER.len())
    });
    page.errors = errors;
    user.page(
        state,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report.html",
        "report",
        &page,
    )
}
