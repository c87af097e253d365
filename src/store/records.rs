//! The records the store reads and writes: what callers hand in and get
//! back, whichever backend holds them.

use super::{StoreError, StoreResult};
use crate::domain::incident::ReportedFacts;
use crate::domain::placeholder::placeholders;
use crate::domain::{ClockEvent, ObligationStatus, Party, Subject, Undated};
use crate::rules::taxonomy::Classification;
use crate::rules::DueKind;
use crate::rules::SourcePlan;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    pub kind: ClockEvent,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub contractor: Option<String>,
    pub own_systems: bool,
    pub data_elements: Vec<String>,
    pub classification: Classification,
    pub affected_students: Option<u64>,
    /// Counts, a delay's details, `historical`: what the report said beyond
    /// its events.
    pub facts: ReportedFacts,
    pub filed_by: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
    pub events: Vec<EventRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObligationRecord {
    pub id: Uuid,
    /// The incident or the privacy request it is owed about.
    pub subject: Subject,
    pub kind: String,
    pub title: String,
    pub party: Party,
    pub recipient: String,
    pub clock: ClockEvent,
    pub clock_started_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// The operative source's kind of deadline: with no `due_at` and a
    /// started clock, `as_soon_as_practicable` is due now, with no fixed time.
    pub due_kind: DueKind,
    /// A law-enforcement delay holds the clock: no due time until it ends.
    pub on_hold: bool,
    /// The next business day where a roll rule may move a weekend or holiday
    /// end: shown beside `due_at`, never instead of it.
    pub rolled_due_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourcePlan>,
    pub completed_at: Option<DateTime<Utc>>,
    pub completion_note: Option<String>,
    pub completed_by: Option<String>,
    pub waived_at: Option<DateTime<Utc>>,
    pub waive_reason: Option<String>,
    pub waived_by: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl ObligationRecord {
    pub fn status(&self, now: DateTime<Utc>) -> ObligationStatus {
        ObligationStatus::of(
            now,
            self.due_at,
            self.completed_at,
            self.waived_at.is_some(),
            self.undated(),
        )
    }

    /// Why it has no due time, if it has none.
    pub fn undated(&self) -> Undated {
        if self.on_hold {
            Undated::OnHold
        } else if self.clock_started_at.is_some() && self.due_kind == DueKind::AsSoonAsPracticable {
            Undated::NoFixedTime
        } else {
            Undated::NotStarted
        }
    }
}

/// The completion note of an obligation its completing event completed: a
/// correction of that event moves the completion with it.
pub const EVENT_COMPLETION_NOTE: &str = "completed by a recorded event";

/// An answer kept for an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub caller: String,
    pub key: String,
    pub response: StoredResponse,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The idempotency key was used before; here is the first answer.
    Replayed(StoredResponse),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentStatusFilter {
    /// Some obligation is not done, late or waived.
    Open,
    /// Some obligation is overdue.
    Overdue,
    /// Every obligation is done, late or waived.
    Closed,
}

#[derive(Debug, Clone)]
pub struct IncidentSummary {
    pub incident: IncidentRecord,
    pub unsettled: i64,
    pub next_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ObligationFilter {
    /// Empty: every status.
    pub statuses: Vec<ObligationStatus>,
    pub due_before: Option<DateTime<Utc>>,
    pub incident_id: Option<Uuid>,
    pub now: DateTime<Utc>,
    pub limit: i64,
    /// Skip this many (the order is stable: due time, kind, id).
    pub offset: i64,
}

#[derive(Debug, Clone)]
pub struct ObligationWithIncident {
    pub obligation: ObligationRecord,
    /// The title of its subject: the incident's, or the request's (its
    /// kind and reference in words, never the requester's name).
    pub incident_title: String,
}

/// How an obligation is settled by an administrator.
#[derive(Debug, Clone)]
pub enum Settlement {
    Complete {
        at: DateTime<Utc>,
        note: Option<String>,
    },
    Waive {
        reason: String,
    },
}

#[derive(Debug)]
pub enum SettleOutcome {
    Settled(ObligationRecord),
    NotFound,
    /// Already completed or waived; the record as it stands.
    AlreadySettled(ObligationRecord),
}

/// A message's delivery status (the OpenAPI document lists the values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    Queued,
    Sent,
    /// A temporary failure; retried at `next_attempt_at`.
    Deferred,
    /// A permanent failure, or temporary ones past the retry limit.
    Failed,
    /// Accepted, then returned by a delivery status notification read
    /// from the bounce mailbox (its status and text in `email_bounces`).
    Bounced,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sent => "sent",
            EmailStatus::Deferred => "deferred",
            EmailStatus::Failed => "failed",
            EmailStatus::Bounced => "bounced",
        }
    }

    pub fn parse(text: &str) -> StoreResult<Self> {
        [
            EmailStatus::Queued,
            EmailStatus::Sent,
            EmailStatus::Deferred,
            EmailStatus::Failed,
            EmailStatus::Bounced,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
        .ok_or_else(|| StoreError::Corrupt(format!("email status {text:?}")))
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            EmailStatus::Sent | EmailStatus::Failed | EmailStatus::Bounced
        )
    }
}

/// A message to one recipient, planned before it is sent.
#[derive(Debug, Clone)]
pub struct NewEmail {
    pub id: Uuid,
    pub job_id: Option<Uuid>,
    pub kind: String,
    pub incident_id: Option<Uuid>,
    pub recipient: String,
    pub message_id: String,
}

#[derive(Debug, Clone)]
pub struct EmailRecord {
    pub id: Uuid,
    pub job_id: Option<Uuid>,
    pub kind: String,
    pub incident_id: Option<Uuid>,
    pub recipient: String,
    pub message_id: String,
    pub status: EmailStatus,
    pub attempts: i64,
    pub last_reply: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A roster import's counts, kept with the incident.
#[derive(Debug, Clone, Serialize)]
pub struct RosterImportRecord {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub format: String,
    pub students: u64,
    pub recipients: u64,
    pub unreachable: u64,
    pub rejected_rows: u64,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// A guardian address to notify, with the children it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRecipient {
    pub email: String,
    pub name: String,
    pub language: Option<String>,
    pub children: Vec<NoticeChild>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeChild {
    pub student_id: String,
    pub name: String,
}

/// The notice to families of one incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoticeRecord {
    pub incident_id: Uuid,
    pub what_happened: String,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    /// The website page's title; none: the default (see `public_title`).
    pub public_title: Option<String>,
    /// The free text written per language (a primary tag such as "es").
    pub languages: BTreeMap<String, NoticeWording>,
    pub drafted_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub recipients: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_url: Option<String>,
}

impl NoticeRecord {
    /// Every placeholder the draft still holds, with the field it is in
    /// (`what_we_are_doing`, `languages.es.contact`): approval refuses a draft
    /// with any.
    pub fn unfilled_placeholders(&self) -> Vec<(String, String)> {
        let english = [
            ("what_happened", &self.what_happened),
            ("what_we_are_doing", &self.what_we_are_doing),
            ("what_families_can_do", &self.what_families_can_do),
            ("contact", &self.contact),
        ];
        let mut found: Vec<(String, String)> = english
            .into_iter()
            .flat_map(|(field, text)| {
                placeholders(text)
                    .into_iter()
                    .map(move |placeholder| (field.to_owned(), placeholder.to_owned()))
            })
            .collect();
        for (language, wording) in &self.languages {
            for (field, text) in [
                ("what_happened", &wording.what_happened),
                ("what_we_are_doing", &wording.what_we_are_doing),
                ("what_families_can_do", &wording.what_families_can_do),
                ("contact", &wording.contact),
            ] {
                for placeholder in text.as_deref().map(placeholders).unwrap_or_default() {
                    found.push((
                        format!("languages.{language}.{field}"),
                        placeholder.to_owned(),
                    ));
                }
            }
        }
        found
    }
}

/// The notice's free text in one language other than English; a field
/// left out falls back to the English one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NoticeWording {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_happened: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_we_are_doing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_families_can_do: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// What approving planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproveOutcome {
    pub recipients: u64,
    pub chunks: u64,
    /// It had been approved before; nothing new was planned.
    pub already: bool,
}

/// A planned family notice with what its message needs.
#[derive(Debug, Clone)]
pub struct FamilyDelivery {
    pub email: EmailRecord,
    pub recipient: NoticeRecipient,
}

/// The outcome of one send attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub email_id: Uuid,
    pub at: DateTime<Utc>,
    pub outcome: EmailStatus,
    pub reply: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub worker: String,
}
