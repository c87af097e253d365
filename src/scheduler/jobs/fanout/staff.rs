//! The staff lane: reminders, digests and reports to staff go out through
//! the fan-out's senders and recorder (`sender::Lane::Staff`), a set of them
//! that lives as long as the scheduler. Every staff job of a batch hands its
//! messages to the same `email.max_connections` senders, so a burst of
//! reminders (many incidents, many contacts) shares pipelined connections,
//! one round trip per message, and group commits of their attempts, instead
//! of a session exchange per message and a transaction per job.
//!
//! What staff email keeps: each message is planned by its job before it is
//! handed over (`delivery`), and its attempt is committed before the job
//! hears of it; a sender sends a dot only once its previous outcome is
//! committed, so a crash repeats at most one message per connection (plus
//! one per parked connection), as for the family notice. Each message is
//! one recipient's, so one failing recipient holds up nobody else.
//!
//! Should the recorder fail (the database went away), that set of senders
//! stops and a new one starts a second later; messages not recorded stay
//! planned and their jobs are rescheduled. On shutdown the senders take
//! nothing new and the messages in flight end and are recorded (as in
//! `fanout`); what was still queued is left planned, and `ended` fires.

use super::compose::Composed;
use super::recorder::{self, Progress, Senders};
use super::sender::{Lane, Sender};
use super::work::{Message, Work};
use crate::scheduler::Worker;
use crate::store::{Attempt, EmailRecord};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long a failed set of senders waits before the next one starts.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// The lane's intake; its senders run on tasks of their own.
pub(crate) struct StaffLane {
    work: flume::Sender<Work>,
    /// Fires once the senders and the recorder ended for good (shutdown):
    /// nothing handed over is recorded after that.
    ended: CancellationToken,
}

/// A message handed to the lane: its attempt comes once committed.
pub(crate) struct Handed(oneshot::Receiver<Attempt>);

impl StaffLane {
    /// Starts the senders; they stop taking messages once `shutdown` fires.
    pub(crate) fn start(worker: &Arc<Worker>, shutdown: &CancellationToken) -> Self {
        // A page of room, as the fan-out's feed: enough for a batch of
        // jobs' messages while the senders keep busy.
        let (work, taken) = flume::bounded::<Work>(super::PAGE as usize);
        let ended = CancellationToken::new();
        tokio::spawn(tracing::Instrument::instrument(
            supervise(Arc::clone(worker), taken, shutdown.clone(), ended.clone()),
            tracing::Span::current(),
        ));
        Self { work, ended }
    }

    /// Hands one planned message over; None if the lane has ended (the
    /// message stays planned).
    pub(crate) async fn send(
        &self,
        job: Uuid,
        email: EmailRecord,
        composed: Composed,
    ) -> Option<Handed> {
        let (recorded, attempt) = oneshot::channel();
        let work = Work {
            job,
            message: Message::Staff {
                email,
                composed,
                recorded,
            },
            rate_limited: 0,
        };
        tokio::select! {
            sent = self.work.send_async(work) => sent.ok().map(|()| Handed(attempt)),
            () = self.ended.cancelled() => None,
        }
    }

    /// The message's committed attempt; None if it was not recorded (the
    /// lane stopped first: the message stays planned).
    pub(crate) async fn recorded(&self, handed: Handed) -> Option<Attempt> {
        tokio::select! {
            attempt = handed.0 => attempt.ok(),
            () = self.ended.cancelled() => None,
        }
    }

    /// Waits until every message in flight at shutdown is recorded.
    pub(crate) async fn ended(&self) {
        self.ended.cancelled().await;
    }
}

/// Runs sets of senders with their recorder until shutdown, a new set after
/// a recorder failure.
async fn supervise(
    worker: Arc<Worker>,
    taken: flume::Receiver<Work>,
    shutdown: CancellationToken,
    ended: CancellationToken,
) {
    let connections = worker.sends.capacity();
    while !shutdown.is_cancelled() {
        // The senders of this set stop on shutdown, or once the recorder
        // has failed (nothing more may be sent without it).
        let set = shutdown.child_token();
        let (records, recording) = mpsc::channel(connections * 2);
        // Staff jobs finish themselves: no chunk is ever held here.
        let (finished, _) = mpsc::unbounded_channel();
        let busy = Arc::new(Senders::new(connections));
        let recorder = tokio::spawn(recorder::run(
            None,
            Arc::clone(&worker.store),
            recording,
            Arc::clone(&busy),
            Arc::new(Progress::default()),
            finished,
        ));
        let senders: Vec<_> = (0..connections)
            .map(|index| {
                let sender = Sender {
                    lane: Lane::Staff,
                    worker: Arc::clone(&worker),
                    work: taken.clone(),
                    records: records.clone(),
                    senders: Arc::clone(&busy),
                    index,
                    shutdown: set.clone(),
                    again: Default::default(),
                };
                tokio::spawn(sender.run())
            })
            .collect();
        drop(records);
        // Ends once every sender has (shutdown), or on an error.
        let result = recorder.await;
        set.cancel();
        for sender in senders {
            let _ = sender.await;
        }
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(
                error = format!("{error:#}"),
                "recording staff email failed; its senders restart and unrecorded messages stay planned"
            ),
            Err(error) => tracing::error!(
                error = format!("{error:#}"),
                "the staff email recorder panicked; its senders restart"
            ),
        }
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(RESTART_AFTER) => {}
        }
    }
    ended.cancel();
}
