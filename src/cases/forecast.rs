//! When the family notice's fan-out will finish, against the families'
//! deadline: the messages still to send, at the relay's quotas and an
//! assumed rate per connection (`email::quota::sending_time`), from now.
//! The approval answer carries it and the incident page shows it, so a
//! district whose relay cannot send in time learns so at once and can add a
//! relay or start paper letters.

use super::{Context, ServiceError};
use crate::email::quota::{sending_time, Limits};
use crate::rules::OwnWork;
use crate::store::EmailStatus;
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecast {
    /// The messages still to send.
    pub messages: u64,
    pub projected_finish_at: DateTime<Utc>,
    /// The families' obligation's due time (the earliest open one); none
    /// when it has no fixed time.
    pub due_at: Option<DateTime<Utc>>,
    /// False when the projected finish falls after `due_at`.
    pub meets_deadline: bool,
}

/// The forecast for `messages` to send from now.
pub async fn for_messages(
    cases: &Context,
    incident_id: Uuid,
    messages: u64,
) -> Result<Forecast, ServiceError> {
    let settings = &cases.settings;
    let now = cases.now();
    let duration = sending_time(
        messages,
        Limits::of(&settings.email),
        settings.email.max_connections,
    );
    let projected =
        now + chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::days(365 * 100));
    let due_at = cases
        .store
        .incident_obligations(incident_id)
        .await?
        .into_iter()
        .filter(|o| settings.engine.is_own_work(&o.kind, OwnWork::FamilyNotice))
        .filter(|o| o.completed_at.is_none() && o.waived_at.is_none())
        .filter_map(|o| o.due_at)
        .min();
    Ok(Forecast {
        messages,
        projected_finish_at: projected,
        due_at,
        meets_deadline: due_at.is_none_or(|due| projected <= due),
    })
}

/// The forecast for the messages of an approved notice not sent yet
/// (queued or deferred).
pub async fn remaining(cases: &Context, incident_id: Uuid) -> Result<Forecast, ServiceError> {
    let counts = cases.store.delivery_counts(incident_id).await?;
    let left: i64 = counts
        .iter()
        .filter(|(status, _)| matches!(status, EmailStatus::Queued | EmailStatus::Deferred))
        .map(|(_, n)| *n)
        .sum();
    for_messages(cases, incident_id, left.unsigned_abs()).await
}
