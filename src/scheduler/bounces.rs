//! The bounce poller: every `bounces.poll` it reads the unseen messages of
//! the bounce mailbox (`email::bounces`), records each bounce against the
//! message its VERP token names, and re-evaluates that incident's coverage
//! (`jobs::coverage`), so a student whose only reached guardian bounced
//! needs a paper letter again. Other messages are marked ignored and
//! counted (`breachd_bounces_total`); nothing in a message stops the loop.
//!
//! A bounce after the families' duty was completed reopens nothing
//! silently: the duty keeps its completion (it was believed done then), the
//! bounce is recorded as a follow-up (`bounce_follow_up` in the audit log),
//! and the student shows as needing a letter on the board, in the digest
//! and on the incident page until one is recorded.
//!
//! A task on the cancellation token rather than a job row: polling an
//! outside mailbox plans nothing, and two instances reading it at once
//! record each bounce once (the store only turns a `sent` message
//! `bounced`).

use super::jobs::coverage::settle_families;
use super::Worker;
use crate::email::bounces::dsn::RecipientStatus;
use crate::email::bounces::mailbox::{Mailbox, Mark};
use crate::email::bounces::{self, Reading, MAX_DSN_BYTES};
use crate::email::message::KIND_FAMILY_NOTICE;
use crate::email::verp::Verp;
use crate::rules::OwnWork;
use crate::settings::BounceSettings;
use crate::store::{NewBounce, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A DSN's parsing is given this long (it is under `MAX_DSN_BYTES`, so
/// this is far more than it needs).
const PARSE_LIMIT: Duration = Duration::from_secs(5);

/// Polls until `shutdown` fires; returns at once without `[bounces]`.
pub async fn run(worker: Arc<Worker>, shutdown: CancellationToken) {
    let (Some(settings), Some(verp)) = (worker.settings.bounces.clone(), worker.verp.clone())
    else {
        return;
    };
    tracing::info!(mailbox = %settings.mailbox, poll_s = settings.poll.as_secs(), "reading bounces over IMAP");
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            polled = poll_once(&worker, &settings, &verp) => match polled {
                Ok(counts) if counts.read > 0 => tracing::info!(
                    read = counts.read,
                    recorded = counts.recorded,
                    ignored = counts.ignored,
                    left = counts.left,
                    "bounce mailbox read"
                ),
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "reading the bounce mailbox failed; trying again at the next poll"),
            },
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(settings.poll) => {}
        }
    }
}

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Polled {
    /// Unseen messages looked at.
    pub read: usize,
    /// Bounces recorded (or recorded before: the same DSN twice).
    pub recorded: usize,
    /// Marked ignored: not a DSN, not ours, not a failure, too large.
    pub ignored: usize,
    /// Left unseen to be read again (recording failed).
    pub left: usize,
}

/// Reads the mailbox once.
pub(crate) async fn poll_once(
    worker: &Worker,
    settings: &BounceSettings,
    verp: &Arc<Verp>,
) -> anyhow::Result<Polled> {
    let mut mailbox = Mailbox::open(settings).await?;
    let polled = read_unseen(worker, &mut mailbox, verp).await;
    mailbox.logout().await;
    polled
}

async fn read_unseen(
    worker: &Worker,
    mailbox: &mut Mailbox,
    verp: &Arc<Verp>,
) -> anyhow::Result<Polled> {
    let mut polled = Polled::default();
    for (uid, size) in mailbox.unseen().await? {
        polled.read += 1;
        let outcome = if size > MAX_DSN_BYTES {
            "oversized"
        } else {
            match mailbox.fetch(uid).await? {
                None => "unreadable",
                Some(raw) => match parse(raw, verp).await {
                    None => "unreadable",
                    Some(Reading::NotADsn) => "not_a_dsn",
                    Some(Reading::Unmatched) => "unmatched",
                    Some(Reading::NotAFailure(_)) => "not_a_failure",
                    Some(Reading::Bounce {
                        email_id,
                        recipients,
                    }) => match record(worker, email_id, &recipients).await {
                        Ok(outcome) => outcome,
                        Err(error) => {
                            tracing::warn!(error = %error, %email_id, "recording a bounce failed; it is read again at the next poll");
                            polled.left += 1;
                            continue;
                        }
                    },
                },
            }
        };
        crate::metrics::bounce_read(outcome);
        let mark = if matches!(outcome, "recorded" | "duplicate") {
            polled.recorded += 1;
            Mark::Bounce
        } else {
            polled.ignored += 1;
            Mark::Ignored
        };
        mailbox.mark(uid, mark).await?;
    }
    Ok(polled)
}

/// Parses off the async threads, within `PARSE_LIMIT`; None when it took
/// too long or panicked.
async fn parse(raw: Vec<u8>, verp: &Arc<Verp>) -> Option<Reading> {
    let verp = Arc::clone(verp);
    let parsing = tokio::task::spawn_blocking(move || bounces::read(&raw, &verp));
    match tokio::time::timeout(PARSE_LIMIT, parsing).await {
        Ok(Ok(reading)) => Some(reading),
        _ => None,
    }
}

/// Records the bounce of `email_id` and re-evaluates its incident's
/// coverage; the outcome's name for the metric.
pub(crate) async fn record(
    worker: &Worker,
    email_id: Uuid,
    recipients: &[RecipientStatus],
) -> Result<&'static str, StoreError> {
    // A valid token whose message is gone (a database restored from an
    // older backup) names nothing to mark.
    let Some(email) = worker.store.email(email_id).await? else {
        return Ok("unmatched");
    };
    let Some(failure) = bounces::failure_for(recipients, &email.recipient) else {
        return Ok("not_a_failure");
    };
    let now = worker.clock.now();
    let family = email
        .incident_id
        .filter(|_| email.kind == KIND_FAMILY_NOTICE);
    let after_completion = match family {
        Some(incident_id) => families_settled(worker, incident_id, now).await?,
        None => false,
    };
    let bounce = NewBounce {
        email_id,
        incident_id: email.incident_id,
        status: failure.status.clone(),
        diagnostic: failure.diagnostic.clone(),
        at: now,
        after_completion,
    };
    if !worker.store.record_bounce(&bounce).await? {
        return Ok("duplicate");
    }
    tracing::info!(%email_id, status = %bounce.status, after_completion, "bounce recorded");
    if let Some(incident_id) = family {
        let report = settle_families(
            worker.store.as_ref(),
            &worker.settings.engine,
            incident_id,
            now,
        )
        .await?;
        if after_completion {
            tracing::warn!(
                %incident_id,
                %email_id,
                unreached = report.uncovered(),
                "a family notice bounced after the families' duty was completed: a paper letter is needed (follow-up)"
            );
        }
    }
    Ok("recorded")
}

/// Whether the incident's families' duty is already completed (or waived).
async fn families_settled(
    worker: &Worker,
    incident_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    let engine = &worker.settings.engine;
    Ok(worker
        .store
        .incident_obligations(incident_id)
        .await?
        .iter()
        .any(|o| engine.is_own_work(&o.kind, OwnWork::FamilyNotice) && o.status(now).is_settled()))
}
