//! An obligation with its sources and reminders, and the list of obligations
//! across incidents.

use super::{maybe_time, time, time_left, Ids};
use crate::domain::{ClockEvent, ObligationStatus};
use crate::rules::{Assumption, DueKind, SourcePlan, Within};
use crate::store::{Job, JobState, ObligationRecord, ObligationWithIncident};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One party's duty to notify another by a deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Obligation {
    /// Always in the API's answers; `breachd deadlines` has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Uuid, required = true)]
    pub id: Option<Uuid>,
    /// As `id`, only in the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Uuid, required = true)]
    pub incident_id: Option<Uuid>,
    /// The privacy request it is owed about, instead of an incident (only
    /// in the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Uuid>,
    /// The contract it is owed about, instead of an incident (only in the
    /// API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_id: Option<Uuid>,
    #[schema(example = "contractor_notifies_board")]
    pub kind: String,
    pub title: String,
    /// `contractor` or `district`.
    pub party: String,
    pub recipient: String,
    pub status: ObligationStatus,
    /// The clock event of the operative source.
    pub clock: String,
    #[schema(format = DateTime)]
    pub clock_started_at: Option<String>,
    /// The earliest due time of the sources; null while pending, on hold,
    /// or where the law sets no fixed time (`due_kind`).
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// `fixed`, `relative` (tied to another duty), `as_soon_as_practicable`
    /// (due now, with no fixed time, while open) or `periodic`.
    pub due_kind: DueKind,
    /// The next business day where a weekend or holiday end may roll
    /// (N.Y. Gen. Constr. Law § 25-a): a secondary date, never the deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub rolled_due_at: Option<String>,
    /// "2d 3h left", "5h 12m overdue"; only while unsettled with a due time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_left: Option<String>,
    pub sources: Vec<Source>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    pub completion_note: Option<String>,
    #[schema(format = DateTime)]
    pub waived_at: Option<String>,
    pub waive_reason: Option<String>,
    /// Only within an incident.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Vec<Reminder>>,
    /// Only in the list across incidents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident_title: Option<String>,
}

pub fn obligation(record: &ObligationRecord, now: DateTime<Utc>, zone: Tz, ids: Ids) -> Obligation {
    let status = record.status(now);
    let shown = ids == Ids::Shown;
    Obligation {
        id: shown.then_some(record.id),
        incident_id: record.subject.incident().filter(|_| shown),
        request_id: record.subject.request().filter(|_| shown),
        contract_id: record.subject.contract().filter(|_| shown),
        kind: record.kind.clone(),
        title: record.title.clone(),
        party: record.party.to_string(),
        recipient: record.recipient.clone(),
        status,
        clock: record.clock.to_string(),
        clock_started_at: maybe_time(record.clock_started_at, zone),
        due_at: maybe_time(record.due_at, zone),
        due_kind: record.due_kind,
        rolled_due_at: maybe_time(record.rolled_due_at, zone),
        time_left: record
            .due_at
            .filter(|_| !status.is_settled())
            .map(|due| time_left(due - now)),
        sources: record.sources.iter().map(|s| source(s, zone)).collect(),
        completed_at: maybe_time(record.completed_at, zone),
        completion_note: record.completion_note.clone(),
        waived_at: maybe_time(record.waived_at, zone),
        waive_reason: record.waive_reason.clone(),
        reminders: None,
        incident_title: None,
    }
}

/// One source of an obligation (statute, board policy, contract clause)
/// with its own due time; the obligation's due time is the earliest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Source {
    #[schema(example = "us-ct/contractor-notifies-board/30d")]
    pub rule: String,
    #[schema(example = "Conn. Gen. Stat. § 10-234dd")]
    pub citation: String,
    pub source_url: Option<String>,
    pub description: Option<String>,
    /// `48h` (elapsed hours), `30d` (calendar days) or `2bd` (business days).
    #[schema(value_type = String, example = "30d")]
    pub within: Within,
    #[schema(example = "30 calendar days")]
    pub within_description: String,
    /// The clock event that starts it, e.g. `discovered`.
    #[schema(value_type = String)]
    pub clock: ClockEvent,
    #[schema(format = DateTime)]
    pub clock_started_at: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    pub due_kind: DueKind,
    /// Whether the statute or regulation text itself was read; false: confirm
    /// with counsel (see `note`).
    pub verified: bool,
    /// How sure the reading is, and why where it is unsure.
    pub note: Option<String>,
    /// Where the law sets no fixed time but an outer limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub outer_bound_at: Option<String>,
    /// A secondary, rolled date (see the obligation's `rolled_due_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub rolled_due_at: Option<String>,
    /// A law-enforcement delay holds this source's clock.
    pub on_hold: bool,
    /// This duty is ordered after that kind's (N.J.S.A. 56:8-163(c): the
    /// State Police before the customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// A deadline a filing may extend: the filing event, when it was filed,
    /// and the extended time, shown beside `due_at`, never instead of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<Extension>,
    /// Facts that were unknown, and the strict reading taken for each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub assumptions: Vec<Assumption>,
}

/// An extension a filing may bring, where a statute allows a longer time on
/// a written filing (the rule's own citation says which).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Extension {
    /// The event that records the filing.
    pub event: String,
    pub citation: String,
    #[schema(format = DateTime)]
    pub filed_at: Option<String>,
    /// Filed by the deadline, as the extension requires.
    pub filed_in_time: bool,
    /// The extended time, once a filing in time is recorded.
    #[schema(format = DateTime)]
    pub extended_due_at: Option<String>,
}

fn source(source: &SourcePlan, zone: Tz) -> Source {
    Source {
        rule: source.rule.clone(),
        citation: source.citation.clone(),
        source_url: source.source_url.clone(),
        description: source.description.clone(),
        within: source.within,
        within_description: source.within.describe(),
        clock: source.clock.clone(),
        clock_started_at: maybe_time(source.clock_started_at, zone),
        due_at: maybe_time(source.due_at, zone),
        due_kind: source.due_kind,
        verified: source.verified.unwrap_or(false),
        note: source.note.clone(),
        outer_bound_at: maybe_time(source.outer_bound_at, zone),
        rolled_due_at: maybe_time(source.rolled_due_at, zone),
        on_hold: source.on_hold,
        after: source.after.clone(),
        extension: source.extension.as_ref().map(|extension| Extension {
            event: extension.event.to_string(),
            citation: extension.citation.clone(),
            filed_at: maybe_time(extension.filed_at, zone),
            filed_in_time: extension.filed_in_time,
            extended_due_at: maybe_time(extension.extended_due_at, zone),
        }),
        assumptions: source.assumptions.clone(),
    }
}

/// Where a reminder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderState {
    Planned,
    Sent,
    Skipped,
    Cancelled,
    Failed,
}

impl ReminderState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderState::Planned => "planned",
            ReminderState::Sent => "sent",
            ReminderState::Skipped => "skipped",
            ReminderState::Cancelled => "cancelled",
            ReminderState::Failed => "failed",
        }
    }
}

impl From<JobState> for ReminderState {
    fn from(state: JobState) -> Self {
        match state {
            JobState::Scheduled => ReminderState::Planned,
            JobState::Done => ReminderState::Sent,
            JobState::Skipped => ReminderState::Skipped,
            JobState::Cancelled => ReminderState::Cancelled,
            JobState::Failed | JobState::Dead => ReminderState::Failed,
        }
    }
}

/// A planned, sent, skipped or cancelled reminder of an obligation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reminder {
    /// The escalation step, e.g. `opened`, `50%`, `due`.
    pub step: Option<String>,
    #[schema(format = DateTime)]
    pub planned_at: String,
    pub state: ReminderState,
    /// Sent (or due to be sent) later than planned.
    pub late: bool,
    /// The contact roles it goes to.
    pub roles: Option<Vec<String>>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

/// An obligation's reminders: planned, sent, skipped or cancelled.
pub fn reminders<'a>(jobs: impl Iterator<Item = &'a Job>, zone: Tz) -> Vec<Reminder> {
    let mut list: Vec<&Job> = jobs
        .filter(|j| j.kind == crate::store::JobKind::Reminder)
        .collect();
    list.sort_by_key(|j| (j.step_order, j.due_at));
    list.into_iter()
        .map(|job| {
            let sent_late = job.state == JobState::Done
                && job
                    .finished_at
                    .is_some_and(|at| at - job.due_at > crate::store::LATE_AFTER);
            Reminder {
                step: job.payload["label"].as_str().map(str::to_owned),
                planned_at: time(job.due_at, zone),
                state: job.state.into(),
                late: job.late || sent_late,
                // The planner writes a list of role names; anything else
                // (an older payload) shows as no roles.
                roles: serde_json::from_value(job.payload["roles"].clone()).ok(),
                finished_at: maybe_time(job.finished_at, zone),
            }
        })
        .collect()
}

/// Obligations across incidents, soonest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationList {
    pub obligations: Vec<Obligation>,
    /// The `offset` of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<i64>,
    /// The daemon's clock, in the district's zone.
    #[schema(format = DateTime)]
    pub now: String,
    /// The district's zone (IANA name) the times are shown in.
    #[schema(example = "America/New_York")]
    pub timezone: String,
}

pub fn obligation_list(
    rows: &[ObligationWithIncident],
    next_offset: Option<i64>,
    now: DateTime<Utc>,
    zone: Tz,
) -> ObligationList {
    let obligations = rows
        .iter()
        .map(|row| Obligation {
            incident_title: Some(row.incident_title.clone()),
            ..obligation(&row.obligation, now, zone, Ids::Shown)
        })
        .collect();
    ObligationList {
        obligations,
        next_offset,
        now: time(now, zone),
        timezone: zone.name().to_owned(),
    }
}
