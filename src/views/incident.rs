//! An incident with its classification and obligations (also the answer of
//! `breachd deadlines --json`, without ids), and the list of incidents.

use super::obligation::{obligation, reminders, Obligation};
use super::{time, Ids};
use crate::domain::DataClass;
use crate::rules::Classification;
use crate::store::{IncidentRecord, IncidentSummary as SummaryRecord, Job, ObligationRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// Whether an incident still has work to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenClosed {
    /// Some obligation is not settled.
    Open,
    /// Every obligation is done, late or waived.
    Closed,
}

/// An incident with its classification and obligations (also the answer of
/// `breachd deadlines --json`, without ids).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Incident {
    /// Always in the API's answers; `breachd deadlines` has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Uuid, required = true)]
    pub id: Option<Uuid>,
    pub title: String,
    pub description: Option<String>,
    pub contractor: Option<String>,
    pub own_systems: bool,
    pub affected_students: Option<u64>,
    pub data_elements: Vec<String>,
    pub status: OpenClosed,
    /// The name of the token that filed it; as `id`, only in the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = true)]
    pub filed_by: Option<String>,
    /// As `id`, only in the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, format = DateTime, required = true)]
    pub created_at: Option<String>,
    /// Clock event name → when it happened.
    pub events: BTreeMap<String, String>,
    pub classification: Classification,
    pub obligations: Vec<Obligation>,
}

/// `jobs` are the incident's jobs: each obligation lists its reminders.
pub fn incident(
    record: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[Job],
    now: DateTime<Utc>,
    zone: Tz,
    ids: Ids,
) -> Incident {
    let shown = ids == Ids::Shown;
    let settled = obligations.iter().all(|o| o.status(now).is_settled());
    Incident {
        id: shown.then_some(record.id),
        title: record.title.clone(),
        description: record.description.clone(),
        contractor: record.contractor.clone(),
        own_systems: record.own_systems,
        affected_students: record.affected_students,
        data_elements: record.data_elements.clone(),
        status: if settled {
            OpenClosed::Closed
        } else {
            OpenClosed::Open
        },
        filed_by: shown.then(|| record.filed_by.clone()),
        created_at: shown.then(|| time(record.created_at, zone)),
        events: events(record, zone),
        classification: record.classification.clone(),
        obligations: obligations
            .iter()
            .map(|o| {
                let mut view = obligation(o, now, zone, ids);
                if shown {
                    view.reminders = Some(reminders(
                        jobs.iter().filter(|j| j.obligation_id == Some(o.id)),
                        zone,
                    ));
                }
                view
            })
            .collect(),
    }
}

/// Clock event name → when it happened; a later entry of a kind wins.
fn events(record: &IncidentRecord, zone: Tz) -> BTreeMap<String, String> {
    record
        .events
        .iter()
        .map(|event| (event.kind.to_string(), time(event.at, zone)))
        .collect()
}

/// One incident in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentSummary {
    pub id: Uuid,
    pub title: String,
    pub contractor: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub status: OpenClosed,
    pub overdue: bool,
    #[schema(minimum = 0)]
    pub unsettled_obligations: i64,
    #[schema(format = DateTime)]
    pub next_due_at: Option<String>,
    /// Clock event name → when it happened.
    pub events: BTreeMap<String, String>,
    pub classes: BTreeSet<DataClass>,
}

/// Incidents, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<IncidentSummary>,
    #[schema(minimum = 0)]
    pub limit: i64,
    #[schema(minimum = 0)]
    pub offset: i64,
}

/// A page of the incident list, as the store found it.
pub fn incident_list(
    summaries: &[SummaryRecord],
    limit: i64,
    offset: i64,
    now: DateTime<Utc>,
    zone: Tz,
) -> IncidentList {
    let incidents = summaries
        .iter()
        .map(|summary| {
            let incident = &summary.incident;
            IncidentSummary {
                id: incident.id,
                title: incident.title.clone(),
                contractor: incident.contractor.clone(),
                created_at: time(incident.created_at, zone),
                status: if summary.unsettled > 0 {
                    OpenClosed::Open
                } else {
                    OpenClosed::Closed
                },
                overdue: summary.next_due_at.is_some_and(|due| due < now),
                unsettled_obligations: summary.unsettled,
                next_due_at: summary.next_due_at.map(|due| time(due, zone)),
                events: events(incident, zone),
                classes: incident.classification.classes.clone(),
            }
        })
        .collect();
    IncidentList {
        incidents,
        limit,
        offset,
    }
}
