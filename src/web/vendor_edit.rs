//! Registering and changing a vendor from the pages (admin): one form
//! holding the whole registration, empty at `/vendors/new`, filled at
//! `/vendors/{id}/edit`, sent back whole and parsed as the API's
//! `POST /api/v1/vendors` and `PUT /api/v1/vendors/{id}` bodies are, so the
//! pages and the API refuse the same things. A refusal shows the form again
//! with each reason beside its field and what was typed kept; nothing is
//! stored.

use super::vendors::current;
use super::{Fields, Refused, User};
use crate::auth::Permission;
use crate::cases::vendors::input;
use crate::cases::ServiceError;
use crate::domain::vendor::{AgreementKind, AgreementStatus};
use crate::domain::FieldError;
use crate::state::AppState;
use crate::store::VendorRecord;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The form's fields, named as the API body's keys.
const FIELDS: [&str; 11] = [
    "name",
    "aliases",
    "contacts",
    "services",
    "data_elements",
    "agreement.kind",
    "agreement.status",
    "agreement.signed_at",
    "agreement.expires_at",
    "agreement.breach_notice.within",
    "agreement.breach_notice.citation",
];

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct EditPage {
    /// The vendor changed; none when registering one.
    id: Option<String>,
    name: String,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<String, String>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
}

fn values_of(record: &VendorRecord) -> BTreeMap<&'static str, String> {
    let vendor = &record.vendor;
    let agreement = &vendor.agreement;
    let clause = agreement.breach_notice.as_ref();
    BTreeMap::from([
        ("name", vendor.name.clone()),
        ("aliases", vendor.aliases.join("\n")),
        ("contacts", vendor.contacts.join("\n")),
        ("services", vendor.services.clone().unwrap_or_default()),
        ("data_elements", vendor.data_elements.join(", ")),
        (
            "agreement.kind",
            agreement
                .kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("agreement.status", agreement.status.as_str().to_owned()),
        (
            "agreement.signed_at",
            agreement
                .signed_at
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        (
            "agreement.expires_at",
            agreement
                .expires_at
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        (
            "agreement.breach_notice.within",
            clause.map(|c| c.within.to_string()).unwrap_or_default(),
        ),
        (
            "agreement.breach_notice.citation",
            clause.map(|c| c.citation.clone()).unwrap_or_default(),
        ),
    ])
}

fn page(
    user: &User,
    state: &AppState,
    status: StatusCode,
    id: Option<Uuid>,
    name: String,
    values: BTreeMap<&'static str, String>,
    errors: BTreeMap<String, String>,
) -> Response {
    let page = EditPage {
        id: id.map(|id| id.to_string()),
        name,
        values,
        errors,
        kinds: AgreementKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: k.label(),
            })
            .collect(),
        statuses: AgreementStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str(),
                label: s.label(),
            })
            .collect(),
    };
    user.page(state, status, "vendor_edit.html", "vendors", &page)
}

pub async fn form(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    match current(&user, &state, &id).await {
        Ok(record) => page(
            &user,
            &state,
            StatusCode::OK,
            Some(record.id),
            record.vendor.name.clone(),
            values_of(&record),
            BTreeMap::new(),
        ),
        Err(response) => response,
    }
}

/// One entry per line (or comma, for data elements), blanks dropped.
fn list(text: &str, separators: &[char]) -> Value {
    Value::Array(
        text.split(separators)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| Value::String(item.to_owned()))
            .collect(),
    )
}

/// The API body the form stands for: empty fields are left out.
fn body(fields: &Fields) -> Value {
    let text = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let mut agreement = Map::new();
    for (key, name) in [
        ("kind", "agreement.kind"),
        ("status", "agreement.status"),
        ("signed_at", "agreement.signed_at"),
        ("expires_at", "agreement.expires_at"),
    ] {
        if let Some(value) = text(name) {
            agreement.insert(key.into(), value.into());
        }
    }
    let within = text("agreement.breach_notice.within");
    let citation = text("agreement.breach_notice.citation");
    if within.is_some() || citation.is_some() {
        agreement.insert(
            "breach_notice".into(),
            json!({"within": within, "citation": citation}),
        );
    }
    json!({
        "name": fields.text("name"),
        "aliases": list(&fields.text("aliases"), &['\n']),
        "contacts": list(&fields.text("contacts"), &['\n']),
        "services": text("services"),
        "data_elements": list(&fields.text("data_elements"), &[',', '\n']),
        "agreement": agreement,
    })
}

/// An API field ("aliases[1]") as the form's field ("aliases").
fn form_field(error: &FieldError) -> String {
    let field = error.field.split('[').next().unwrap_or(&error.field);
    if FIELDS.contains(&field) {
        field.to_owned()
    } else {
        "name".to_owned()
    }
}

pub async fn save(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = checked(&user, &state, &fields) {
        return refused.into();
    }
    match current(&user, &state, &id).await {
        Ok(record) => submit(&user, &state, &fields, Some(record)).await,
        Err(response) => response,
    }
}

/// `GET /vendors/new` (admin): the form, empty.
pub async fn new_form(State(state): State<AppState>, user: User) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    let values = FIELDS
        .iter()
        .map(|name| (*name, String::new()))
        .chain([(
            "agreement.status",
            AgreementStatus::None.as_str().to_owned(),
        )])
        .collect();
    page(
        &user,
        &state,
        StatusCode::OK,
        None,
        String::new(),
        values,
        BTreeMap::new(),
    )
}

/// `POST /vendors/new` (admin): registers the vendor, as
/// `POST /api/v1/vendors` does, and goes to its page.
pub async fn register(
    State(state): State<AppState>,
    user: User,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if let Err(refused) = checked(&user, &state, &fields) {
        return refused.into();
    }
    submit(&user, &state, &fields, None).await
}

/// An administrator's form with this session's token.
fn checked(user: &User, state: &AppState, fields: &Fields) -> Result<(), Refused> {
    user.require(state, Permission::Administer)?;
    user.check_csrf(state, fields.get("csrf"))?;
    Ok(())
}

/// Parses the form as the API body and registers the vendor (`record`
/// none) or replaces `record`'s registration; a refusal shows the form
/// again with what was typed.
async fn submit(
    user: &User,
    state: &AppState,
    fields: &Fields,
    record: Option<VendorRecord>,
) -> Response {
    let typed: BTreeMap<&'static str, String> = FIELDS
        .iter()
        .map(|name| (*name, fields.text(name)))
        .collect();
    let (id, name) = record.as_ref().map_or((None, String::new()), |r| {
        (Some(r.id), r.vendor.name.clone())
    });
    let refused = |errors: Vec<FieldError>| {
        let mut shown = BTreeMap::new();
        for error in &errors {
            shown
                .entry(form_field(error))
                .or_insert_with(|| error.reason.clone());
        }
        page(
            user,
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            id,
            name.clone(),
            typed.clone(),
            shown,
        )
    };
    let vendor = match input::parse(&body(fields), &state.settings.engine) {
        Ok(vendor) => vendor,
        Err(errors) => return refused(errors),
    };
    let by = &user.session.name;
    let saved = match id {
        Some(id) => state.cases.update_vendor(id, vendor, by).await,
        None => state.cases.register_vendor(vendor, by).await,
    };
    match saved {
        Ok(saved) => {
            let done = match id {
                Some(_) => format!("The registration of {} was saved.", saved.vendor.name),
                None => format!("{} was registered.", saved.vendor.name),
            };
            user.redirect_with(state, &format!("/vendors/{}", saved.id), "ok", done)
        }
        Err(ServiceError::Invalid(errors)) => refused(errors),
        Err(ServiceError::Conflict(reason)) => refused(vec![FieldError::new("name", reason)]),
        Err(error) => user.internal(state, error),
    }
}
