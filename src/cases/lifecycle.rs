//! Closing a report that should not stand: withdrawn with a reason (filed
//! by mistake, not a breach after all), or merged into the first report of
//! the same breach. Either way every duty still open is waived with a reason
//! that says so, which stops its reminders and is audited like any waiver;
//! the incident then reads as closed. Duties already met keep their record.
//!
//! Each duty is waived in its own transaction: a failure part-way leaves the
//! rest open, and doing it again waives what is left (a duty already settled
//! is skipped), so nothing is lost or done twice.

use super::{Context, ServiceError};
use crate::domain::FieldError;
use crate::store::{ObligationRecord, Settlement};
use uuid::Uuid;

/// The longest reason accepted (as a waiver's).
pub const REASON_LIMIT: usize = 5000;

/// Why an incident is closed early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// Filed in error; the reason says why.
    Withdraw { reason: String },
    /// A second report of the breach `into` already tracks.
    MergeInto { into: Uuid, reason: Option<String> },
}

/// What closing did.
#[derive(Debug, Clone)]
pub struct Closed {
    /// The duties waived now.
    pub waived: Vec<ObligationRecord>,
    /// The reason every one of them carries.
    pub reason: String,
}

/// Waives every unsettled duty of `id` with the closing's reason.
pub async fn close(
    cases: &Context,
    id: Uuid,
    closing: Closing,
    by: &str,
) -> Result<Closed, ServiceError> {
    let incident = cases
        .store
        .incident(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let reason = match &closing {
        Closing::Withdraw { reason } => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > REASON_LIMIT {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "reason",
                    format!("must say why, in at most {REASON_LIMIT} characters"),
                )]));
            }
            format!("Withdrawn: {reason}")
        }
        Closing::MergeInto { into, reason } => {
            if *into == id {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "into",
                    "is this incident: merge a duplicate into the first report",
                )]));
            }
            let Some(first) = cases.store.incident(*into).await? else {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "into",
                    "is not an incident",
                )]));
            };
            let why = reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            if why.chars().count() > REASON_LIMIT {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "reason",
                    format!("must be at most {REASON_LIMIT} characters"),
                )]));
            }
            format!(
                "Merged into the incident \"{}\", which tracks the same breach{why}",
                first.title
            )
        }
    };
    let now = cases.now();
    let mut waived = Vec::new();
    for obligation in cases.store.incident_obligations(incident.id).await? {
        if obligation.status(now).is_settled() {
            continue;
        }
        match cases
            .settle(
                obligation.id,
                Settlement::Waive {
                    reason: reason.clone(),
                },
                by,
            )
            .await
        {
            Ok(record) => waived.push(record),
            // Settled meanwhile (another instance, the fan-out): nothing to do.
            Err(ServiceError::Conflict(_)) => {}
            Err(error) => return Err(error),
        }
    }
    tracing::info!(incident_id = %id, waived = waived.len(), "incident closed early");
    Ok(Closed { waived, reason })
}
