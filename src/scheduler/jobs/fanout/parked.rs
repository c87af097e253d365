//! A parked connection: a sender whose message's closing dot went
//! unanswered for `email.stall_after` leaves the connection here and goes
//! on over a fresh one, while this task waits for the reply up to
//! `email.data_timeout` and hands the outcome to the recorder like any
//! other: sent if the server took the message late (so it is never sent
//! twice), deferred if the limit passed first.
//!
//! The crash bound holds per connection: a parked connection carries
//! exactly one message that the server may have accepted and the database
//! does not know about (its dot was sent only after the sender's previous
//! outcome was committed, and nothing else is sent on it), and the sender's
//! fresh connection at most one more. At most `email.max_connections +
//! email.max_parked_connections` messages can therefore be repeated after a
//! crash, one per connection.
//!
//! On shutdown a parked connection is abandoned at once, unrecorded: its
//! message stays planned and goes out after the restart, as after a crash.

use super::recorder::{Outcome, Record};
use super::work::Work;
use crate::email::smtp::session::{Session, Stalled};
use crate::email::smtp::stalls::ParkPermit;
use crate::email::SendOutcome;
use crate::scheduler::Worker;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The sender index of a parked connection's record: no sender waits for
/// its commit, and the recorder's gathering does not count it.
pub(super) const PARKED: usize = usize::MAX;

/// A connection whose dot's reply is still awaited, with its message.
pub(super) struct Parked {
    pub session: Session,
    pub stalled: Stalled,
    pub item: Work,
    /// Its place under `email.max_parked_connections`, freed once the
    /// connection is closed.
    pub place: ParkPermit,
}

/// Waits for the reply in a task of its own.
pub(super) fn park(
    parked: Parked,
    worker: Arc<Worker>,
    records: mpsc::Sender<Record>,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        let Parked {
            session,
            stalled,
            item,
            place,
        } = parked;
        let outcome = tokio::select! {
            outcome = session.await_parked(stalled) => outcome,
            // Dropping the session closes the connection without a reply:
            // the message stays planned.
            () = shutdown.cancelled() => return,
        };
        drop(place);
        // Nobody waits for this commit: the sender went on long ago.
        let (committed, _) = oneshot::channel();
        let attempt = worker.attempt_for(item.email(), SendOutcome::from(outcome));
        let record = Record {
            outcome: Outcome::Attempt(attempt),
            job: item.job,
            sender: PARKED,
            committed,
            waiting: item.into_waiting(),
        };
        // A recorder that is gone failed: its chunks run again.
        let _ = records.send(record).await;
    });
}
