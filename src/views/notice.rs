//! The notice to families, what approving it planned, and its deliveries.

use super::{maybe_time, time};
use crate::store::{BounceRecord, EmailRecord, EmailStatus, NoticeRecord, NoticeWording};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Whether the notice is still a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Its wording may still change.
    Draft,
    /// Sent (or being sent) to every guardian; it can no longer change.
    Approved,
}

/// The notice to families: a draft until an administrator approves it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub what_happened: String,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    /// The website page's title.
    pub public_title: Option<String>,
    /// The free text per language other than English; a field left out
    /// reads English.
    #[schema(value_type = BTreeMap<String, Object>)]
    pub languages: BTreeMap<String, NoticeWording>,
    /// Placeholders still to fill in or delete; approval refuses the draft
    /// while there is any.
    pub placeholders: Vec<Placeholder>,
    #[schema(format = DateTime)]
    pub drafted_at: String,
    pub state: NoticeState,
    #[schema(format = DateTime)]
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    /// How many guardians it goes to, once approved.
    #[schema(minimum = 0)]
    pub recipients: Option<i64>,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    pub published_url: Option<String>,
    /// Whether the public sees the website notice at its address.
    pub website: Option<super::WebsiteStatus>,
}

/// A placeholder in the draft and the field it is in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Placeholder {
    /// `what_we_are_doing`, or `languages.es.contact` in a variant.
    pub field: String,
    /// As written: `[FILL IN: ...]`.
    pub text: String,
}

/// The notice as drafted, with its state, for the API and the pages.
pub fn notice(notice: &NoticeRecord, zone: Tz) -> Notice {
    Notice {
        what_happened: notice.what_happened.clone(),
        what_we_are_doing: notice.what_we_are_doing.clone(),
        what_families_can_do: notice.what_families_can_do.clone(),
        contact: notice.contact.clone(),
        public_title: notice.public_title.clone(),
        languages: notice.languages.clone(),
        placeholders: notice
            .unfilled_placeholders()
            .into_iter()
            .map(|(field, text)| Placeholder { field, text })
            .collect(),
        drafted_at: time(notice.drafted_at, zone),
        state: if notice.approved_at.is_some() {
            NoticeState::Approved
        } else {
            NoticeState::Draft
        },
        approved_at: maybe_time(notice.approved_at, zone),
        approved_by: notice.approved_by.clone(),
        recipients: notice.recipients,
        published_at: maybe_time(notice.published_at, zone),
        published_url: notice.published_url.clone(),
        website: None,
    }
}

/// What approving the notice planned.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Approval {
    /// One message per guardian address.
    pub recipients: u64,
    pub chunks: u64,
    /// It was approved before: this answer repeats it.
    pub already_approved: bool,
    pub published_url: Option<String>,
    /// When the fan-out is projected to finish (RFC 3339 in the district's
    /// zone): the messages still to send at `email.max_per_minute`,
    /// `email.max_per_day`, `email.rate_per_second` and an assumed 2
    /// messages a second per connection, whichever is slowest.
    #[schema(format = DateTime, example = "2026-04-21T14:05:00-04:00")]
    pub projected_finish_at: String,
    /// The families' obligation's due time; null when it has no fixed time.
    #[schema(format = DateTime)]
    pub families_due_at: Option<String>,
    /// False when `projected_finish_at` is after `families_due_at`: add a
    /// relay or start paper letters now. True when there is no fixed due time.
    pub meets_deadline: bool,
}

/// The family notice's deliveries, one row per recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deliveries {
    /// Delivery status → how many.
    #[schema(value_type = BTreeMap<String, u64>)]
    pub summary: BTreeMap<String, i64>,
    pub deliveries: Vec<Delivery>,
    /// Pass as `after` for the next page; null on the last.
    pub next_after: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub address: String,
    /// `queued`, `sent`, `deferred`, `failed` (refused by the mail server)
    /// or `bounced` (accepted, then returned by a bounce: see `bounce`).
    pub status: EmailStatus,
    #[schema(minimum = 0)]
    pub attempts: i64,
    /// The last SMTP reply.
    pub last_reply: Option<String>,
    pub message_id: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    /// What the bounce said, for a `bounced` delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounce: Option<DeliveryBounce>,
}

/// A delivery status notification (RFC 3464) read from the bounce mailbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryBounce {
    /// The DSN's status code (RFC 3463), e.g. `5.1.1`.
    #[schema(example = "5.1.1")]
    pub status: String,
    /// The DSN's Diagnostic-Code: the remote server's words.
    pub diagnostic: Option<String>,
    /// When breachd read it.
    #[schema(format = DateTime)]
    pub bounced_at: String,
    /// Read after the families' duty was complete: a follow-up letter is due.
    pub after_completion: bool,
}

impl DeliveryBounce {
    pub fn new(bounce: &BounceRecord, zone: Tz) -> Self {
        DeliveryBounce {
            status: bounce.status.clone(),
            diagnostic: bounce.diagnostic.clone(),
            bounced_at: time(bounce.bounced_at, zone),
            after_completion: bounce.after_completion,
        }
    }
}

/// Delivery status → how many, from the store's counts.
pub(super) fn delivery_summary(counts: &[(EmailStatus, i64)]) -> BTreeMap<String, i64> {
    counts
        .iter()
        .map(|(status, n)| (status.as_str().to_owned(), *n))
        .collect()
}

/// One page of deliveries (`rows`) and the counts over all of them, with
/// what the incident's bounces said.
pub fn deliveries(
    rows: &[EmailRecord],
    counts: &[(EmailStatus, i64)],
    bounces: &[BounceRecord],
    zone: Tz,
) -> Deliveries {
    Deliveries {
        summary: delivery_summary(counts),
        deliveries: rows
            .iter()
            .map(|e| Delivery {
                address: e.recipient.clone(),
                status: e.status,
                attempts: e.attempts,
                last_reply: e.last_reply.clone(),
                message_id: e.message_id.clone(),
                sent_at: maybe_time(e.sent_at, zone),
                next_attempt_at: maybe_time(e.next_attempt_at, zone),
                bounce: bounces
                    .iter()
                    .find(|b| b.email_id == e.id)
                    .map(|b| DeliveryBounce::new(b, zone)),
            })
            .collect(),
        next_after: rows.last().map(|e| e.recipient.clone()),
    }
}
