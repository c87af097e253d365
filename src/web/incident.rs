//! The incident page and its actions: recording a clock event (reporter),
//! completing or waiving an obligation and approving the family notice
//! (admin). Every action is a form post checked for the session's CSRF
//! token and the role; a success redirects back with a message, a refusal
//! shows the page again with the reason next to the field and what was typed
//! kept.

use super::deliveries::{self, DeliveryProgress};
use super::format::{self, LocalTime, StatusView};
use super::timeline::{self, Timeline};
use super::{Fields, Refused, User};
use crate::domain::{ClockEvent, FieldError, Timestamp};
use crate::http::auth::Permission;
use crate::http::AppState;
use crate::incidents::ServiceError;
use crate::store::{IncidentRecord, Job, ObligationRecord, Settlement};
use crate::views;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest note or reason accepted (as the API).
const MAX_NOTE_CHARS: usize = 5000;

/// What was typed into a form that was refused, and why, per field.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl FormState {
    fn from_fields(fields: &Fields, names: &[&str]) -> Self {
        Self {
            values: names
                .iter()
                .map(|name| ((*name).to_owned(), fields.text(name)))
                .collect(),
            errors: BTreeMap::new(),
        }
    }

    fn error(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_insert(reason.into());
    }

    fn field_errors(&mut self, errors: Vec<FieldError>, fallback: &str) {
        for error in errors {
            let field = if self.values.contains_key(&error.field) {
                error.field
            } else {
                fallback.to_owned()
            };
            self.error(&field, error.reason);
        }
    }
}

/// Which form on the page to show refused, if any.
#[derive(Debug, Default)]
struct Forms {
    event: Option<FormState>,
    /// (obligation id, "complete" or "waive", the form)
    settle: Option<(Uuid, &'static str, FormState)>,
}

#[derive(Serialize)]
struct EventView {
    kind: String,
    label: String,
    at: LocalTime,
    recorded_by: String,
}

#[derive(Serialize)]
struct ElementView {
    name: String,
    canonical: Option<String>,
    class: String,
}

#[derive(Serialize)]
struct SourceView {
    rule: String,
    citation: String,
    url: Option<String>,
    description: Option<String>,
    within: String,
    clock: String,
    due: Option<LocalTime>,
    operative: bool,
}

#[derive(Serialize)]
struct ReminderView {
    step: String,
    planned: Option<LocalTime>,
    state: String,
    late: bool,
    roles: String,
    finished: Option<LocalTime>,
}

#[derive(Serialize)]
struct ObligationView {
    id: String,
    kind: String,
    title: String,
    recipient: String,
    party: String,
    status: StatusView,
    settled: bool,
    clock: String,
    clock_started: Option<LocalTime>,
    due: Option<LocalTime>,
    time_left: Option<String>,
    citation: Option<String>,
    sources: Vec<SourceView>,
    reminders: Vec<ReminderView>,
    completed: Option<LocalTime>,
    completion_note: Option<String>,
    completed_by: Option<String>,
    waived: Option<LocalTime>,
    waive_reason: Option<String>,
    waived_by: Option<String>,
    /// The refused complete/waive form of this obligation, if any.
    form_action: Option<&'static str>,
    form: Option<FormState>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct IncidentPage {
    id: String,
    title: String,
    description: Option<String>,
    contractor: Option<String>,
    breach_at: &'static str,
    affected_students: Option<u64>,
    filed_by: String,
    filed_at: LocalTime,
    closed: bool,
    events: Vec<EventView>,
    elements: Vec<ElementView>,
    needs_review: Vec<String>,
    classes: Vec<&'static str>,
    obligations: Vec<ObligationView>,
    timeline: Timeline,
    event_choices: Vec<Choice>,
    event_form: FormState,
    event_refused: bool,
    now_input: String,
    deliveries: DeliveryProgress,
}

fn parse_id(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text).ok()
}

fn not_found(user: &User, state: &AppState, what: &str) -> Response {
    user.message(
        state,
        StatusCode::NOT_FOUND,
        "Not found",
        &format!("There is no such {what}."),
    )
}

fn reminders(jobs: &[Job], obligation: Uuid, zone: Tz) -> Vec<ReminderView> {
    let parsed = |text: Option<&str>| {
        text.and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|at| format::local(at.with_timezone(&Utc), zone))
    };
    // The API's view of the reminders, so both say the same.
    let view = views::reminders(
        jobs.iter().filter(|j| j.obligation_id == Some(obligation)),
        zone,
    );
    view.into_iter()
        .map(|r| ReminderView {
            step: r.step.unwrap_or_default(),
            planned: parsed(Some(&r.planned_at)),
            state: r.state.as_str().to_owned(),
            late: r.late,
            roles: r
                .roles
                .map(|roles| {
                    roles
                        .iter()
                        .map(|role| role.replace('_', " "))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            finished: parsed(r.finished_at.as_deref()),
        })
        .collect()
}

fn obligation_view(
    o: &ObligationRecord,
    jobs: &[Job],
    now: DateTime<Utc>,
    zone: Tz,
    forms: &Forms,
) -> ObligationView {
    let status = o.status(now);
    let operative = super::board::operative_source(o).map(|s| s.rule.clone());
    let (form_action, form) = match &forms.settle {
        Some((id, action, form)) if *id == o.id => (Some(*action), Some(form.clone())),
        _ => (None, None),
    };
    ObligationView {
        id: o.id.to_string(),
        kind: o.kind.clone(),
        title: o.title.clone(),
        recipient: o.recipient.clone(),
        party: o.party.clone(),
        status: format::status(status, o.due_at, now),
        settled: status.is_settled(),
        clock: format::event_label(&o.clock),
        clock_started: o.clock_started_at.map(|at| format::local(at, zone)),
        due: o.due_at.map(|at| format::local(at, zone)),
        time_left: o
            .due_at
            .filter(|_| !status.is_settled())
            .map(|due| views::time_left(due - now)),
        citation: super::board::operative_source(o).map(|s| s.citation.clone()),
        sources: o
            .sources
            .iter()
            .map(|s| SourceView {
                rule: s.rule.clone(),
                citation: s.citation.clone(),
                url: super::board::web_url(s.source_url.as_deref()),
                description: s.description.clone(),
                within: s.within.describe(),
                clock: format::event_label(s.clock.as_str()),
                due: s.due_at.map(|at| format::local(at, zone)),
                operative: o.due_at.is_some() && operative.as_deref() == Some(s.rule.as_str()),
            })
            .collect(),
        reminders: reminders(jobs, o.id, zone),
        completed: o.completed_at.map(|at| format::local(at, zone)),
        completion_note: o.completion_note.clone(),
        completed_by: o.completed_by.clone(),
        waived: o.waived_at.map(|at| format::local(at, zone)),
        waive_reason: o.waive_reason.clone(),
        waived_by: o.waived_by.clone(),
        form_action,
        form,
    }
}

fn breach_at(incident: &IncidentRecord) -> &'static str {
    match crate::domain::incident::breach_at(incident.contractor.is_some(), incident.own_systems) {
        crate::domain::BreachAt::Contractor => "contractor",
        crate::domain::BreachAt::District => "district",
        crate::domain::BreachAt::Unknown => "unknown",
    }
}

/// Renders the incident page, with a refused form shown if there is one.
async fn render(
    state: &AppState,
    user: &User,
    id: Uuid,
    forms: Forms,
    status: StatusCode,
) -> Response {
    let (incident, mut obligations) = match state.incidents.incident(id).await {
        Ok(found) => found,
        Err(ServiceError::NotFound) => return not_found(user, state, "incident"),
        Err(error) => return user.internal(state, error),
    };
    let jobs = match state.incidents.store.incident_jobs(id).await {
        Ok(jobs) => jobs,
        Err(error) => return user.internal(state, error),
    };
    let now = state.incidents.clock.now();
    let zone = state.settings.timezone;
    // Soonest due first, pending last: the order of urgency.
    obligations.sort_by_key(|o| (o.status(now).is_settled(), o.due_at.is_none(), o.due_at));
    let recorded: Vec<&str> = incident.events.iter().map(|e| e.kind.as_str()).collect();
    let event_choices: Vec<Choice> = state
        .incidents
        .engine
        .events()
        .into_iter()
        .filter(|kind| {
            kind.as_str() != ClockEvent::DISCOVERED && !recorded.contains(&kind.as_str())
        })
        .map(|kind| Choice {
            label: format::event_label(kind.as_str()),
            value: kind.to_string(),
        })
        .collect();
    let mut events: Vec<EventView> = incident
        .events
        .iter()
        .map(|e| EventView {
            kind: e.kind.clone(),
            label: format::event_label(&e.kind),
            at: format::local(e.at, zone),
            recorded_by: e.recorded_by.clone(),
        })
        .collect();
    events.sort_by(|a, b| a.at.iso.cmp(&b.at.iso));
    let event_refused = forms.event.is_some();
    let event_form = forms.event.clone().unwrap_or_else(|| FormState {
        values: [
            (
                "kind".to_owned(),
                if recorded.contains(&ClockEvent::BOARD_NOTIFIED) {
                    String::new()
                } else {
                    ClockEvent::BOARD_NOTIFIED.to_owned()
                },
            ),
            ("at".to_owned(), format::input_value(now, zone)),
        ]
        .into(),
        errors: BTreeMap::new(),
    });
    let page = IncidentPage {
        id: incident.id.to_string(),
        title: incident.title.clone(),
        description: incident.description.clone(),
        contractor: incident.contractor.clone(),
        breach_at: breach_at(&incident),
        affected_students: incident.affected_students,
        filed_by: incident.filed_by.clone(),
        filed_at: format::local(incident.created_at, zone),
        closed: obligations.iter().all(|o| o.status(now).is_settled()),
        events,
        elements: incident
            .classification
            .elements
            .iter()
            .map(|e| ElementView {
                name: e.name.clone(),
                canonical: e.canonical.clone(),
                class: e.class.describe().to_owned(),
            })
            .collect(),
        needs_review: incident.classification.needs_review.clone(),
        classes: incident
            .classification
            .classes
            .iter()
            .map(|c| c.describe())
            .collect(),
        obligations: obligations
            .iter()
            .map(|o| obligation_view(o, &jobs, now, zone, &forms))
            .collect(),
        timeline: timeline::layout(&obligations, &incident.events, now, zone),
        event_choices,
        event_form,
        event_refused,
        now_input: format::input_value(now, zone),
        deliveries: deliveries::progress(state, id).await,
    };
    user.page(state, status, "incident.html", "", &page)
}

pub async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    render(&state, &user, id, Forms::default(), StatusCode::OK).await
}

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
        .incidents
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
    finish(settle(&state, &user, &id, Fields(fields), "complete").await)
}

pub async fn waive(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    finish(settle(&state, &user, &id, Fields(fields), "waive").await)
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
    action: &'static str,
) -> Outcome {
    allowed(user, state, &fields, Permission::Administer)?;
    let id = parse_id(id).ok_or_else(|| not_found(user, state, "obligation"))?;
    let record = match state.incidents.store.obligation(id).await {
        Ok(Some(record)) => record,
        Ok(None) => return Err(not_found(user, state, "obligation")),
        Err(error) => return Err(user.internal(state, error)),
    };
    let zone = state.settings.timezone;
    let now = state.incidents.clock.now();
    let mut form = FormState::from_fields(&fields, &["at", "note", "reason"]);
    let settlement = if action == "complete" {
        let at = match fields.text("at") {
            text if text.is_empty() => Some(now),
            text => format::parse_input(&text, zone)
                .map_err(|reason| form.error("at", reason))
                .ok(),
        };
        let note = bounded_text(&mut form, "note", fields.text("note"), false);
        at.map(|at| Settlement::Complete { at, note })
    } else {
        bounded_text(&mut form, "reason", fields.text("reason"), true)
            .map(|reason| Settlement::Waive { reason })
    };
    let incident_id = record.incident_id;
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
    match state
        .incidents
        .settle(id, settlement, &user.session.name)
        .await
    {
        Ok(settled) => {
            let status = format::status(settled.status(now), settled.due_at, now);
            Ok(user.redirect_with(
                state,
                &format!("/incidents/{}#obligation-{id}", settled.incident_id),
                "ok",
                format!(
                    "“{}” is now: {}.",
                    settled.title,
                    status.word.to_lowercase()
                ),
            ))
        }
        Err(ServiceError::Invalid(errors)) => {
            let fallback = if action == "complete" { "at" } else { "reason" };
            form.field_errors(errors, fallback);
            Err(refused(form).await)
        }
        Err(ServiceError::Conflict(reason)) => {
            let field = if action == "complete" { "at" } else { "reason" };
            form.error(field, reason);
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
    let (level, text) = match crate::notices::approve(state, id, &user.session.name).await {
        Ok(approval) => (
            "ok",
            match approval.published_url {
                Some(url) => format!(
                    "Notice approved: {} message(s) queued to guardians; the website notice is published at {url}.",
                    approval.recipients
                ),
                None => format!(
                    "Notice approved: {} message(s) queued to guardians.",
                    approval.recipients
                ),
            },
        ),
        Err(ServiceError::Invalid(errors)) => (
            "error",
            format!(
                "The notice was not approved: {}.",
                errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        Err(ServiceError::Conflict(reason)) => {
            ("error", format!("The notice was not approved: {reason}."))
        }
        Err(ServiceError::NotFound) => return Err(not_found(user, state, "incident")),
        Err(error) => {
            tracing::error!(%error, incident_id = %id, "notice approval failed");
            (
                "error",
                "The notice was not approved: an internal error was logged.".to_owned(),
            )
        }
    };
    Ok(user.redirect_with(state, &back, level, text))
}
