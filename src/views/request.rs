//! A family's privacy request as the API answers it (staff only: it holds
//! the requester's name and address), with the duties it started.

use super::{maybe_time, obligation, time, Ids, Obligation};
use crate::domain::request::{RequestStatus, Via};
use crate::store::{ObligationRecord, PrivacyRequestRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Who asked. Personal data: never logged, counted or published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requester {
    #[schema(max_length = 100, example = "Jane Doe")]
    pub name: String,
    #[schema(max_length = 254, example = "jane@example.org")]
    pub email: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: Uuid,
    /// The short code the requester was given in the receipt.
    #[schema(example = "PR-7KQ2-9XMD")]
    pub reference: String,
    /// `inquiry`, `complaint`, `dispute`, `records_access` or `correction`.
    #[schema(example = "dispute")]
    pub kind: String,
    pub status: RequestStatus,
    #[schema(format = DateTime)]
    pub received_at: String,
    pub via: Via,
    pub requester: Requester,
    pub summary: String,
    /// A contact role or a contact's address.
    pub assigned_to: Option<String>,
    pub answer: Option<String>,
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub close_note: Option<String>,
    /// The response duties its kind started (none where neither a rule pack
    /// nor the board's policy sets one).
    pub obligations: Vec<Obligation>,
}

/// Requests, newest received first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestList {
    pub requests: Vec<RequestView>,
    #[schema(minimum = 0)]
    pub limit: i64,
    #[schema(minimum = 0)]
    pub offset: i64,
}

pub fn request(
    record: &PrivacyRequestRecord,
    obligations: &[ObligationRecord],
    now: DateTime<Utc>,
    zone: Tz,
) -> RequestView {
    RequestView {
        id: record.id,
        reference: record.reference.to_string(),
        kind: record.kind.as_str().to_owned(),
        status: record.status(),
        received_at: time(record.received_at, zone),
        via: record.via,
        requester: Requester {
            name: record.requester_name.clone(),
            email: record.requester_email.clone(),
        },
        summary: record.summary.clone(),
        assigned_to: record.assigned_to.clone(),
        answer: record.answer.clone(),
        answered_at: maybe_time(record.answered_at, zone),
        closed_at: maybe_time(record.closed_at, zone),
        close_note: record.close_note.clone(),
        obligations: obligations
            .iter()
            .map(|o| obligation(o, now, zone, Ids::Shown))
            .collect(),
    }
}

/// A page of requests; each without its duties (`GET /api/v1/requests/{id}`
/// has them).
pub fn request_list(
    records: &[PrivacyRequestRecord],
    limit: i64,
    offset: i64,
    now: DateTime<Utc>,
    zone: Tz,
) -> RequestList {
    RequestList {
        requests: records
            .iter()
            .map(|record| request(record, &[], now, zone))
            .collect(),
        limit,
        offset,
    }
}
