//! The incident view as a `serde_json::Value`, for callers that walk the
//! answer as a JSON document rather than a struct: the CLI's table (which it
//! also prints for the daemon's answers) and the scenario tests, which check
//! the very JSON the API and `breachd deadlines --json` give.

use super::Ids;
use crate::store::{IncidentRecord, Job, ObligationRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// [`super::incident`], as JSON.
pub fn incident(
    record: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[Job],
    now: DateTime<Utc>,
    zone: Tz,
    ids: Ids,
) -> Value {
    serde_json::to_value(super::incident(record, obligations, jobs, now, zone, ids))
        .expect("an incident view serializes: strings, numbers and string-keyed maps")
}
