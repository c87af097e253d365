//! The staff lane: reminders, digests and reports go out through the
//! fan-out's machinery (`sender`, `recorder`), so that a burst of them is
//! sent over pipelined sessions and recorded in group commits instead of a
//! session checkout and a transaction per job.
//!
//! The lane starts with the first staff message and runs as long as the
//! process (started again should its recorder fail): `email.max_connections` senders of their own (taking send slots
//! ahead of a running fan-out, `sender::Lane::Staff`) and one recorder,
//! which takes a pool connection per commit, since it is idle most of the
//! time. A job hands its messages in and waits for their attempts, each
//! told only once committed; the guarantees are the fan-out's: at most one
//! message per connection accepted by the server and not yet recorded.

use super::recorder::{self, Connection, Senders};
use super::sender::{Lane, Message, Sender, Work};
use super::Composed;
use crate::scheduler::Worker;
use crate::store::{Attempt, EmailRecord};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// One staff message to send: its planned row and its bytes (an error when
/// it could not be made, recorded as a permanent failure).
pub(crate) struct StaffMessage {
    pub(crate) email: EmailRecord,
    pub(crate) kind: &'static str,
    pub(crate) composed: Result<Composed, String>,
}

/// The lane's feed, once started.
#[derive(Default)]
pub(crate) struct StaffLane {
    feed: Mutex<Option<flume::Sender<Work>>>,
}

impl StaffLane {
    /// Sends `messages` of `job` and returns their attempts, each recorded;
    /// an error when the lane stopped (a recorder failure) before all were:
    /// those not recorded stay planned and go out when the job runs again.
    pub(crate) async fn send(
        &self,
        worker: &Arc<Worker>,
        job: Uuid,
        messages: Vec<StaffMessage>,
    ) -> anyhow::Result<Vec<Attempt>> {
        let feed = self.feed(worker);
        let mut told = Vec::with_capacity(messages.len());
        for message in messages {
            let (tell, attempt) = oneshot::channel();
            let work = Work {
                message: Message::Staff {
                    email: message.email,
                    kind: message.kind,
                    composed: message.composed,
                },
                job,
                told: Some(tell),
            };
            feed.send_async(work)
                .await
                .map_err(|_| anyhow::anyhow!("the staff mail lane has stopped"))?;
            told.push(attempt);
        }
        let mut attempts = Vec::with_capacity(told.len());
        for attempt in told {
            attempts.push(attempt.await.map_err(|_| {
                anyhow::anyhow!("the staff mail lane stopped before recording a message")
            })?);
        }
        Ok(attempts)
    }
}

impl StaffLane {
    /// The running lane's feed; the lane is started (again, after its
    /// recorder failed and its senders stopped) when none takes work.
    fn feed(&self, worker: &Arc<Worker>) -> flume::Sender<Work> {
        let mut feed = self
            .feed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match feed.as_ref() {
            Some(running) if !running.is_disconnected() => running.clone(),
            _ => feed.insert(start(worker)).clone(),
        }
    }
}

/// Starts the lane's senders and recorder; the feed they take work from.
fn start(worker: &Arc<Worker>) -> flume::Sender<Work> {
    let connections = worker.sends.capacity();
    // Room for a burst's worth of messages in hand, so a batch of jobs
    // hands its messages in without waiting on each other.
    let (work_tx, work_rx) = flume::bounded::<Work>(connections * 64);
    let (record_tx, record_rx) = mpsc::channel(connections * 2);
    let busy = Arc::new(Senders::new(connections));
    // The lane has no chunks: its jobs wait for their own messages' outcomes.
    let progress = Arc::new(recorder::Progress::default());
    let (finished_tx, _) = mpsc::unbounded_channel();
    let store = Arc::clone(&worker.store);
    let recording = Arc::clone(&busy);
    tokio::spawn(async move {
        if let Err(error) = recorder::run(
            store,
            Connection::PerCommit,
            record_rx,
            recording,
            progress,
            finished_tx,
        )
        .await
        {
            tracing::error!(
                error = format!("{error:#}"),
                "recording staff messages failed; their jobs will run again"
            );
        }
    });
    for index in 0..connections {
        let sender = Sender {
            worker: Arc::clone(worker),
            work: work_rx.clone(),
            records: record_tx.clone(),
            senders: Arc::clone(&busy),
            index,
            lane: Lane::Staff,
            // Jobs wait for their messages: the lane runs as long as the
            // process (its senders idle between bursts), not until the
            // shutdown signal, which the scheduler's batches finish before.
            shutdown: CancellationToken::new(),
        };
        tokio::spawn(sender.run());
    }
    work_tx
}
