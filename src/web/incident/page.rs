//! The incident page: its view models and their rendering, with a refused
//! form (from `actions`) shown again beside the field it failed on.

use super::lookup::{not_found, parse_id};
use crate::cases::vendors::VendorLink;
use crate::cases::ServiceError;
use crate::domain::{ClockEvent, FieldError, Undated};
use crate::state::AppState;
use crate::store::{IncidentRecord, Job, ObligationRecord};
use crate::views;
use crate::web::deliveries::{self, DeliveryProgress};
use crate::web::format::{self, LocalTime, StatusView};
use crate::web::timeline::{self, Timeline};
use crate::web::{Fields, User};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The newest incidents offered as the first report of a duplicate.
const MERGE_CHOICES: i64 = 200;

/// What was typed into a form that was refused, and why, per field.
#[derive(Debug, Default, Clone, Serialize)]
pub(super) struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
}

impl FormState {
    pub(super) fn from_fields(fields: &Fields, names: &[&str]) -> Self {
        Self {
            values: names
                .iter()
                .map(|name| ((*name).to_owned(), fields.text(name)))
                .collect(),
            errors: BTreeMap::new(),
        }
    }

    pub(super) fn error(&mut self, field: &str, reason: impl Into<String>) {
        self.errors.entry(field.to_owned()).or_insert(reason.into());
    }

    pub(super) fn field_errors(&mut self, errors: Vec<FieldError>, fallback: &str) {
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

/// How an administrator settles an obligation from the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SettleAction {
    Complete,
    Waive,
}

impl SettleAction {
    /// The form's name for it (the template picks the refused form by it).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SettleAction::Complete => "complete",
            SettleAction::Waive => "waive",
        }
    }

    /// Where a refusal that names no field of the form is shown.
    pub(super) fn main_field(self) -> &'static str {
        match self {
            SettleAction::Complete => "at",
            SettleAction::Waive => "reason",
        }
    }
}

/// Which form on the page to show refused, if any.
#[derive(Debug, Default)]
pub(super) struct Forms {
    pub(super) event: Option<FormState>,
    pub(super) settle: Option<(Uuid, SettleAction, FormState)>,
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
    /// The statute's text itself was read; otherwise the page says to
    /// confirm with counsel, with the note.
    verified: bool,
    note: Option<String>,
    /// The extended time a filing brought, beside the statutory one.
    extended: Option<LocalTime>,
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
    /// What stands in for a due time when there is none, in words.
    undated: &'static str,
    /// Done before a duty the law orders first.
    out_of_order: Option<String>,
    /// A secondary date where a weekend or holiday end may roll.
    rolled: Option<LocalTime>,
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
    /// How the contractor stands in the vendor registry.
    vendor: Option<VendorFlag>,
    breach_at: &'static str,
    affected_students: Option<u64>,
    filed_by: String,
    filed_at: LocalTime,
    closed: bool,
    /// Some duty is overdue: the badge says so.
    overdue: bool,
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
    coverage: super::letters::CoverageSection,
    /// Who approved the family notice and when; none while a draft.
    notice_approved: Option<NoticeApproved>,
    /// Whether the website notice is seen at its public address, in words;
    /// none until it is published.
    website: Option<String>,
    /// Other incidents this one may duplicate (the merge form's choices).
    merge_choices: Vec<Choice>,
}

#[derive(Serialize)]
struct NoticeApproved {
    by: String,
    at: LocalTime,
}

/// The registered vendor an incident's contractor names, or why there is
/// none; and whether an agreement is on file.
#[derive(Serialize)]
struct VendorFlag {
    registered: bool,
    id: Option<String>,
    name: Option<String>,
    /// The agreement's status in words, when no agreement is signed.
    no_agreement: Option<&'static str>,
}

fn vendor_flag(link: &VendorLink) -> Option<VendorFlag> {
    match link {
        VendorLink::NoContractor => None,
        VendorLink::Unregistered => Some(VendorFlag {
            registered: false,
            id: None,
            name: None,
            no_agreement: None,
        }),
        VendorLink::Registered(record) => Some(VendorFlag {
            registered: true,
            id: Some(record.id.to_string()),
            name: Some(record.vendor.name.clone()),
            no_agreement: link
                .no_agreement_on_file()
                .then(|| record.vendor.agreement.status.label()),
        }),
    }
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
    all: &[ObligationRecord],
    jobs: &[Job],
    now: DateTime<Utc>,
    zone: Tz,
    forms: &Forms,
) -> ObligationView {
    let status = o.status(now);
    // A duty the law orders after another (the State Police before the
    // customers), recorded as done first: the page says so.
    let out_of_order = o.completed_at.and_then(|done| {
        o.sources
            .iter()
            .filter_map(|s| s.after.as_deref())
            .find_map(|before| {
                let earlier = all.iter().find(|other| other.kind == before)?;
                let first = earlier.completed_at.is_some_and(|at| at <= done);
                (!first).then(|| {
                    format!(
                        "Recorded as done before “{}”, which the law orders first.",
                        earlier.title
                    )
                })
            })
    });
    let operative = crate::web::board::operative_source(o).map(|s| s.rule.clone());
    let (form_action, form) = match &forms.settle {
        Some((id, action, form)) if *id == o.id => (Some(action.as_str()), Some(form.clone())),
        _ => (None, None),
    };
    ObligationView {
        id: o.id.to_string(),
        kind: o.kind.clone(),
        title: o.title.clone(),
        recipient: o.recipient.clone(),
        party: o.party.to_string(),
        status: format::status(status, o.due_at, now),
        settled: status.is_settled(),
        clock: format::event_label(o.clock.as_str()),
        clock_started: o.clock_started_at.map(|at| format::local(at, zone)),
        due: o.due_at.map(|at| format::local(at, zone)),
        undated: match o.undated() {
            Undated::NotStarted => "when the clock starts",
            Undated::NoFixedTime => "as soon as practicable: the law sets no fixed time",
            Undated::OnHold => {
                "on hold: a law-enforcement delay holds this clock; notice is due promptly once it ends"
            }
        },
        rolled: o.rolled_due_at.map(|at| format::local(at, zone)),
        out_of_order,
        time_left: o
            .due_at
            .filter(|_| !status.is_settled())
            .map(|due| views::time_left(due - now)),
        citation: crate::web::board::operative_source(o).map(|s| s.citation.clone()),
        sources: o
            .sources
            .iter()
            .map(|s| SourceView {
                rule: s.rule.clone(),
                citation: s.citation.clone(),
                url: crate::web::board::web_url(s.source_url.as_deref()),
                description: s.description.clone(),
                within: s.within.describe(),
                clock: format::event_label(s.clock.as_str()),
                due: s.due_at.map(|at| format::local(at, zone)),
                operative: o.due_at.is_some() && operative.as_deref() == Some(s.rule.as_str()),
                verified: s.verified.unwrap_or(false),
                note: s.note.clone(),
                extended: s
                    .extension
                    .as_ref()
                    .and_then(|e| e.extended_due_at)
                    .map(|at| format::local(at, zone)),
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
pub(super) async fn render(
    state: &AppState,
    user: &User,
    id: Uuid,
    forms: Forms,
    status: StatusCode,
) -> Response {
    let (incident, mut obligations) = match state.cases.incident(id).await {
        Ok(found) => found,
        Err(ServiceError::NotFound) => return not_found(user, state, "incident"),
        Err(error) => return user.internal(state, error),
    };
    let jobs = match state.cases.incident_jobs(id).await {
        Ok(jobs) => jobs,
        Err(error) => return user.internal(state, error),
    };
    let vendor = match state.cases.vendor_of(incident.contractor.as_deref()).await {
        Ok(link) => vendor_flag(&link),
        Err(error) => return user.internal(state, error),
    };
    let now = state.cases.now();
    let zone = state.settings.timezone;
    // Soonest due first, pending last: the order of urgency.
    obligations.sort_by_key(|o| (o.status(now).is_settled(), o.due_at.is_none(), o.due_at));
    let recorded: Vec<&str> = incident.events.iter().map(|e| e.kind.as_str()).collect();
    let event_choices: Vec<Choice> = state
        .settings
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
            kind: e.kind.to_string(),
            label: format::event_label(e.kind.as_str()),
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
    let notice = match state.cases.notice(id).await {
        Ok(notice) => notice,
        Err(error) => return user.internal(state, error),
    };
    let website = match &notice {
        Some(notice) if notice.published_at.is_some() => {
            match state.cases.website_status(id, notice).await {
                Ok(status) => Some(status.summary),
                Err(error) => return user.internal(state, error),
            }
        }
        _ => None,
    };
    let page = IncidentPage {
        id: incident.id.to_string(),
        title: incident.title.clone(),
        description: incident.description.clone(),
        contractor: incident.contractor.clone(),
        vendor,
        breach_at: breach_at(&incident),
        affected_students: incident.affected_students,
        filed_by: incident.filed_by.clone(),
        filed_at: format::local(incident.created_at, zone),
        closed: obligations.iter().all(|o| o.status(now).is_settled()),
        overdue: obligations
            .iter()
            .any(|o| o.status(now) == crate::domain::ObligationStatus::Overdue),
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
            .map(|o| obligation_view(o, &obligations, &jobs, now, zone, &forms))
            .collect(),
        timeline: timeline::layout(&obligations, &incident.events, now, zone),
        event_choices,
        event_form,
        event_refused,
        now_input: format::input_value(now, zone),
        deliveries: deliveries::progress(state, id).await,
        coverage: super::letters::section(state, id, user.may(crate::auth::Permission::Administer))
            .await,
        merge_choices: match state.cases.incidents(None, MERGE_CHOICES, 0).await {
            Ok(incidents) => incidents
                .into_iter()
                .filter(|summary| summary.incident.id != id)
                .map(|summary| Choice {
                    value: summary.incident.id.to_string(),
                    label: format!(
                        "{} (filed {})",
                        summary.incident.title,
                        format::local(summary.incident.created_at, zone).text
                    ),
                })
                .collect(),
            Err(error) => return user.internal(state, error),
        },
        notice_approved: notice.as_ref().and_then(|notice| {
            Some(NoticeApproved {
                at: format::local(notice.approved_at?, zone),
                by: notice.approved_by.clone().unwrap_or_default(),
            })
        }),
        website,
    };
    user.page(state, status, "incident.html", "", &page)
}

pub async fn page(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(&user, &state, "incident");
    };
    render(&state, &user, id, Forms::default(), StatusCode::OK).await
}
