//! Delivery progress of an incident's family notice, as the incident page
//! shows it: how many messages are sent, deferred (retrying) and failed, and
//! the failed addresses for follow-up (administrators only: they are
//! personal data).
//!

use crate::state::AppState;
use crate::store::EmailStatus;
use crate::web::format::{self, LocalTime};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Default, Serialize)]
pub struct DeliveryProgress {
    /// False when nothing was planned (the notice is not approved yet): the
    /// page says so instead of showing zeros.
    pub available: bool,
    pub queued: u64,
    pub sent: u64,
    pub deferred: u64,
    pub failed: u64,
    /// Accepted, then returned by a bounce.
    pub bounced: u64,
    /// Permanent failures, for an administrator to follow up by other means.
    pub failed_recipients: Vec<FailedRecipient>,
    /// Bounced messages with what the bounce said (administrators only).
    pub bounced_recipients: Vec<FailedRecipient>,
    /// When the messages still to send should be sent; none once nothing
    /// is left to send.
    pub forecast: Option<ForecastView>,
}

/// The fan-out's projected finish, in the district's zone.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastView {
    pub finish: LocalTime,
    pub due: Option<LocalTime>,
    pub meets_deadline: bool,
}

impl ForecastView {
    pub fn new(forecast: &crate::cases::forecast::Forecast, zone: chrono_tz::Tz) -> Self {
        Self {
            finish: format::local(forecast.projected_finish_at, zone),
            due: forecast.due_at.map(|due| format::local(due, zone)),
            meets_deadline: forecast.meets_deadline,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FailedRecipient {
    pub address: String,
    pub attempts: u64,
    /// The SMTP server's last reply.
    pub last_reply: Option<String>,
}

/// The delivery progress of `incident_id`'s family notice, from the
/// delivery records (the data behind `GET /api/v1/incidents/{id}/deliveries`).
pub async fn progress(state: &AppState, incident_id: Uuid) -> DeliveryProgress {
    let counts = match state.cases.delivery_counts(incident_id).await {
        Ok(counts) => counts,
        Err(error) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "reading delivery counts for the incident page failed"
            );
            return DeliveryProgress::default();
        }
    };
    let count = |status: EmailStatus| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
            .sum::<u64>()
    };
    let failed = count(EmailStatus::Failed);
    // The failed addresses, at most a page of them: the API lists them all.
    let failed_recipients = if failed > 0 {
        state
            .cases
            .deliveries(incident_id, Some(EmailStatus::Failed), None, 200)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| FailedRecipient {
                address: e.recipient,
                attempts: u64::try_from(e.attempts).unwrap_or(0),
                last_reply: e.last_reply,
            })
            .collect()
    } else {
        Vec::new()
    };
    let bounced = count(EmailStatus::Bounced);
    let bounced_recipients = if bounced > 0 {
        bounced_words(state, incident_id).await
    } else {
        Vec::new()
    };
    let left = count(EmailStatus::Queued) + count(EmailStatus::Deferred);
    let forecast = if left > 0 {
        match crate::cases::forecast::remaining(&state.cases, incident_id).await {
            Ok(forecast) => Some(ForecastView::new(&forecast, state.settings.timezone)),
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "forecasting the fan-out for the incident page failed"
                );
                None
            }
        }
    } else {
        None
    };
    DeliveryProgress {
        bounced,
        bounced_recipients,
        available: !counts.is_empty(),
        queued: count(EmailStatus::Queued),
        sent: count(EmailStatus::Sent),
        deferred: count(EmailStatus::Deferred),
        failed,
        failed_recipients,
        forecast,
    }
}

/// The bounced addresses with the bounce's status and text in the place
/// of the last reply, at most a page of them (the API lists them all).
async fn bounced_words(state: &AppState, incident_id: Uuid) -> Vec<FailedRecipient> {
    let bounces = state.cases.bounces(incident_id).await.unwrap_or_default();
    state
        .cases
        .deliveries(incident_id, Some(EmailStatus::Bounced), None, 200)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let said = bounces
                .iter()
                .find(|b| b.email_id == e.id)
                .map(|b| match &b.diagnostic {
                    Some(text) => format!("bounced ({}): {text}", b.status),
                    None => format!("bounced ({})", b.status),
                });
            FailedRecipient {
                address: e.recipient,
                attempts: u64::try_from(e.attempts).unwrap_or(0),
                last_reply: said.or(e.last_reply),
            }
        })
        .collect()
}
