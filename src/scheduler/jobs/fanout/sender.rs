//! One sender: takes messages, sends them, hands each outcome to the
//! recorder. A sender carries the family notice's messages or staff
//! email's (`Lane`); what differs is which quotas it waits for and who goes
//! first for a send slot.
//!
//! A connection never has more than one message that the server accepted
//! and the database does not yet know about: a message's closing dot (the
//! moment the server takes it) is sent only once the sender's previous
//! outcome is committed. A crash therefore repeats at most one message per
//! connection.
//!
//! A dot unanswered for `email.stall_after` parks its connection
//! (`parked`): the reply is awaited in the background and recorded when it
//! comes, and the sender goes on over a fresh connection, so one stalled
//! message holds up neither the sender nor the messages after it. With
//! every parking place taken, the sender waits as long as the step allows.
//!
//! Over breachd's own SMTP sessions a sender streams: it keeps its
//! connection and send slot while messages keep coming, and one write
//! carries a message's content and dot together with the next message's
//! MAIL, RCPT and DATA (RFC 2920 lets message content open a pipelined
//! group), so each message costs one round trip. The next message is
//! composed while the previous outcome is being committed. A sender gives
//! its slot up between messages when anything else (a reminder) waits for
//! one. Other transports (files, `smtps://`) send one message at a time,
//! each after the previous commit.
//!
//! Every message waits for the relay's quotas (`email::quota`) before its
//! sender takes a send slot; a message pipelined behind another goes only
//! if the quota lets it go at once. A reply saying the relay limits
//! breachd's rate slows every sender down and puts the message back in this
//! sender's hands unrecorded, so it does not spend one of its retries (at
//! most `RATE_LIMITED_TRIES` times; then it is deferred like any 4xx).
//!
//! A message that cannot be built (its template fails) is breachd's fault:
//! nothing is recorded for it, its chunk is halted (the feeder stops, the
//! senders skip the chunk's other messages, which stay planned) and the
//! chunk is handed back as faulted (`finish_chunk`).

use super::compose::{ComposeError, Composed};
use super::parked::{self, Parked};
use super::recorder::{Outcome, Record, Senders};
use super::work::{Message, Work};
use crate::email::quota::is_rate_limited;
use crate::email::smtp::direct::DirectSmtp;
use crate::email::smtp::session::{Ended, Session};
use crate::email::{Mailer, SendOutcome};
use crate::scheduler::Worker;
use crate::store::Attempt;

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How many rate-limited replies a message is put back for before the next
/// one counts as an ordinary temporary failure (deferred with backoff).
const RATE_LIMITED_TRIES: u8 = 8;

/// Why a message taken was not made.
enum Unmade {
    /// Its address cannot be written to: a permanent failure of its own.
    Refused(String),
    /// Its template failed: breachd's fault, the chunk halts.
    Fault(String),
    /// Its chunk halted on a fault before it.
    Halted,
}

/// The previous outcome's commit, awaited before the next dot.
type Commit = Option<oneshot::Receiver<()>>;

/// Waits for the previous outcome's commit; false if it will never come
/// (the recorder failed: nothing more may be sent).
async fn committed(previous: &mut Commit) -> bool {
    match previous.take() {
        Some(commit) => commit.await.is_ok(),
        None => true,
    }
}

/// Whose messages a sender carries: both lanes share the send slots, the
/// connections and the quotas, not all of their rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// The family notice: waits for every quota (the day's too, and the
    /// slowdown after "too fast", its message put back unrecorded), and
    /// gives its slot up to staff email.
    FanOut,
    /// Staff email (`staff`): waits for the per-second and per-minute
    /// quotas only (counted against the day, never held for it, as a
    /// reminder must go), goes before the fan-out for a slot, and a "too
    /// fast" reply slows the fan-out and defers the message like any 4xx.
    Staff,
}

/// What one sender needs.
pub struct Sender {
    pub lane: Lane,
    pub worker: Arc<Worker>,
    pub work: flume::Receiver<Work>,
    pub records: mpsc::Sender<Record>,
    pub senders: Arc<Senders>,
    pub index: usize,
    /// Once it fires, no new message is taken (those queued stay planned
    /// and are released with their chunks).
    pub shutdown: CancellationToken,
    /// Messages the relay said "too fast" to, to send again after the pause.
    pub again: Mutex<VecDeque<Work>>,
}

/// Why a sender stopped early: the recorder is gone (nothing more may be
/// sent), or shutdown abandoned a stalled SMTP step (its message was not
/// recorded, so it stays planned and is sent after the restart).
struct Stopped;

/// How long an SMTP step in flight may still run once shutdown began, at
/// most (less when the server's dots count as stalled sooner: see
/// `Sender::stop_grace`). A step that answers normally takes milliseconds
/// and is waited for (its outcome recorded); one still running after this
/// is a stall, abandoned so that the daemon stops within its grace instead
/// of the step's timeout.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

impl Sender {
    pub async fn run(self) {
        let mut previous: Commit = None;
        let _ = match self.worker.mailer.as_ref() {
            Mailer::Direct(direct) => self.stream(direct, &mut previous).await,
            _ => self.one_by_one(&mut previous).await,
        };
        // The runner ends once every outcome is recorded.
        committed(&mut previous).await;
        self.senders.done(self.index);
    }

    fn again(&self) -> std::sync::MutexGuard<'_, VecDeque<Work>> {
        self.again
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next message, waiting for one; None once the feed is closed.
    async fn next_work(&self) -> Option<Work> {
        self.senders.done(self.index);
        if self.shutdown.is_cancelled() {
            return None;
        }
        let again = self.again().pop_front();
        if let Some(item) = again {
            self.senders.working(self.index);
            return Some(item);
        }
        let next = tokio::select! {
            next = self.work.recv_async() => next.ok(),
            () = self.shutdown.cancelled() => None,
        };
        if next.is_some() {
            self.senders.working(self.index);
        }
        next
    }

    /// `step`'s outcome, or None when shutdown began and it was still
    /// running `stop_grace` later (dropping it closes its connection).
    async fn unless_stopping<T>(&self, step: impl std::future::Future<Output = T>) -> Option<T> {
        let stopping = async {
            self.shutdown.cancelled().await;
            tokio::time::sleep(self.stop_grace()).await;
        };
        tokio::select! {
            outcome = step => Some(outcome),
            () = stopping => None,
        }
    }

    /// `STOP_GRACE`, or less: a step unanswered past the server's stall
    /// wait is a stall by the same measure that parks connections.
    fn stop_grace(&self) -> std::time::Duration {
        match self.worker.mailer.as_ref() {
            Mailer::Direct(direct) => direct
                .stalls()
                .stall_after()
                .map_or(STOP_GRACE, |after| after.min(STOP_GRACE)),
            _ => STOP_GRACE,
        }
    }

    /// The next message if one is waiting right now.
    fn waiting_work(&self) -> Option<Work> {
        if self.shutdown.is_cancelled() {
            return None;
        }
        let again = self.again().pop_front();
        again.or_else(|| self.work.try_recv().ok())
    }

    /// Waits for the relay's quotas; stopped by shutdown (the message in
    /// hand is not recorded: it stays planned).
    async fn quota(&self) -> Result<(), Stopped> {
        let quota = &self.worker.quota;
        let taking = async {
            match self.lane {
                Lane::FanOut => quota.take().await,
                Lane::Staff => quota.take_other().await,
            }
        };
        tokio::select! {
            () = taking => Ok(()),
            () = self.shutdown.cancelled() => Err(Stopped),
        }
    }

    /// A send slot for a run of messages: staff email is served first.
    async fn slot(&self) -> OwnedSemaphorePermit {
        match self.lane {
            Lane::FanOut => self.worker.sends.acquire_for_fanout().await,
            Lane::Staff => self.worker.sends.acquire().await,
        }
    }

    /// The message's bytes, unless its chunk halted or it cannot be made.
    fn make(&self, item: &Work) -> Result<Composed, Unmade> {
        let (delivery, composer, halt) = match &item.message {
            Message::Family {
                delivery,
                composer,
                halt,
            } => (delivery, composer, halt),
            Message::Staff { composed, .. } => return Ok(composed.clone()),
        };
        if halt.load(Ordering::SeqCst) {
            return Err(Unmade::Halted);
        }
        match composer.compose(delivery) {
            Ok(composed) => Ok(composed),
            Err(ComposeError::Address(reason)) => Err(Unmade::Refused(reason)),
            Err(ComposeError::Build(reason)) => {
                halt.store(true, Ordering::SeqCst);
                tracing::error!(
                    job_id = %item.job,
                    error = reason,
                    "a family notice could not be built: its chunk stops, nobody is marked failed"
                );
                Err(Unmade::Fault(reason))
            }
        }
    }

    /// Records why a message was not made.
    async fn unmade(&self, item: Work, why: Unmade, previous: &mut Commit) -> Result<(), Stopped> {
        match why {
            Unmade::Refused(reason) => {
                self.record(item, SendOutcome::Permanent(reason), previous)
                    .await
            }
            Unmade::Fault(reason) => {
                self.record_outcome(item.job, Outcome::Fault(reason), None, previous)
                    .await
            }
            Unmade::Halted => {
                self.record_outcome(item.job, Outcome::Skipped, None, previous)
                    .await
            }
        }
    }

    /// Hands a send's outcome to the recorder; a rate-limited reply slows
    /// every sender down and keeps the message to send again instead.
    async fn record(
        &self,
        item: Work,
        outcome: SendOutcome,
        previous: &mut Commit,
    ) -> Result<(), Stopped> {
        if let SendOutcome::Temporary(reply) = &outcome {
            if is_rate_limited(reply) {
                self.worker.quota.rate_limited();
                if self.lane == Lane::FanOut && item.rate_limited < RATE_LIMITED_TRIES {
                    let mut item = item;
                    item.rate_limited += 1;
                    self.again().push_back(item);
                    return Ok(());
                }
            }
        }
        let attempt = self.worker.attempt_for(item.email(), outcome);
        let job = item.job;
        self.record_outcome(
            job,
            Outcome::Attempt(attempt),
            item.into_waiting(),
            previous,
        )
        .await
    }

    /// Hands an outcome to the recorder, once the previous one is
    /// committed (one commit pending per sender).
    async fn record_outcome(
        &self,
        job: Uuid,
        outcome: Outcome,
        waiting: Option<oneshot::Sender<Attempt>>,
        previous: &mut Commit,
    ) -> Result<(), Stopped> {
        if !committed(previous).await {
            return Err(Stopped);
        }
        let (done, commit) = oneshot::channel();
        let record = Record {
            outcome,
            job,
            sender: self.index,
            committed: done,
            waiting,
        };
        self.records.send(record).await.map_err(|_| Stopped)?;
        *previous = Some(commit);
        Ok(())
    }

    async fn one_by_one(&self, previous: &mut Commit) -> Result<(), Stopped> {
        while let Some(item) = self.next_work().await {
            let composed = match self.make(&item) {
                Ok(composed) => composed,
                Err(why) => {
                    self.unmade(item, why, previous).await?;
                    continue;
                }
            };
            // The quota before the slot: a sender waiting for the relay's
            // next minute or day holds no slot a reminder could use.
            self.quota().await?;
            let _slot = self.slot().await;
            if !committed(previous).await {
                return Err(Stopped);
            }
            let timeout = self.worker.settings.email.timeout;
            let sending = self
                .worker
                .mailer
                .send_raw(&composed.envelope, &composed.bytes, timeout);
            let Some(outcome) = self.unless_stopping(sending).await else {
                return Err(Stopped);
            };
            self.record(item, outcome, previous).await?;
        }
        Ok(())
    }

    /// Streams messages over pooled sessions of breachd's own.
    async fn stream(&self, direct: &DirectSmtp, previous: &mut Commit) -> Result<(), Stopped> {
        // A message taken from the feed that is not begun yet.
        let mut pending: Option<Work> = None;
        loop {
            let item = match pending.take() {
                Some(item) => item,
                None => match self.next_work().await {
                    Some(item) => item,
                    None => return Ok(()),
                },
            };
            let composed = match self.make(&item) {
                Ok(composed) => composed,
                Err(why) => {
                    self.unmade(item, why, previous).await?;
                    continue;
                }
            };
            // The quota before the slot (see `one_by_one`).
            self.quota().await?;
            let slot = self.slot().await;
            let mut run = Run {
                direct,
                session: None,
                _slot: slot,
            };
            pending = self
                .run_of_messages(&mut run, Made { item, composed }, previous)
                .await?;
            if let Some(session) = run.session.take() {
                direct.checkin(session).await;
            }
        }
    }

    /// Sends `first` and the messages after it on one session while they
    /// keep coming and nobody else waits for a slot; returns a message
    /// taken but not begun (to start afresh).
    async fn run_of_messages(
        &self,
        run: &mut Run<'_>,
        first: Made,
        previous: &mut Commit,
    ) -> Result<Option<Work>, Stopped> {
        let Some(mut current) = self.begin(run, first, previous).await? else {
            return Ok(None);
        };
        loop {
            // The next message, composed while the previous outcome commits.
            let mut next = None;
            if !self.worker.sends.others_waiting() {
                if let Some(item) = self.waiting_work() {
                    match self.make(&item) {
                        // Pipelined only if the quota lets it go at once:
                        // the message in hand must not wait for its dot.
                        Ok(composed) if self.worker.quota.try_take() => {
                            next = Some((item, composed))
                        }
                        Ok(_) => {
                            self.finish(run, current, None, previous).await?;
                            return Ok(Some(item));
                        }
                        Err(why) => {
                            // Recorded after the current one (one commit
                            // pending at a time); nothing was sent. The run
                            // ends with the current message.
                            self.finish(run, current, None, previous).await?;
                            self.unmade(item, why, previous).await?;
                            return Ok(None);
                        }
                    }
                }
            }
            match self.finish(run, current, next, previous).await? {
                Carry::Begun(begun) => current = begun,
                Carry::Pending(item) => return Ok(item),
            }
        }
    }

    /// Begins a message (made, its quota taken) on the run's session,
    /// connecting if needed; None if it could not be begun (its outcome is
    /// recorded).
    async fn begin(
        &self,
        run: &mut Run<'_>,
        first: Made,
        previous: &mut Commit,
    ) -> Result<Option<Begun>, Stopped> {
        let Made { item, composed } = first;
        let session = match run.session.as_mut() {
            Some(session) => session,
            None => match self.unless_stopping(run.direct.checkout()).await {
                None => return Err(Stopped),
                Some(Ok(session)) => run.session.insert(session),
                Some(Err(error)) => {
                    self.record(item, SendOutcome::from(Err(error)), previous)
                        .await?;
                    return Ok(None);
                }
            },
        };
        let beginning = session.begin(&composed.envelope, !composed.bytes.is_ascii());
        match self.unless_stopping(beginning).await {
            None => {
                run.session = None;
                Err(Stopped)
            }
            Some(Ok(())) => Ok(Some(Begun { item, composed })),
            Some(Err(error)) => {
                if session.is_broken() {
                    run.session = None;
                }
                self.record(item, SendOutcome::from(Err(error)), previous)
                    .await?;
                Ok(None)
            }
        }
    }

    /// Sends the begun message's content and dot (after the previous
    /// commit), beginning `next` in the same write, and records the outcome.
    async fn finish(
        &self,
        run: &mut Run<'_>,
        current: Begun,
        next: Option<(Work, Composed)>,
        previous: &mut Commit,
    ) -> Result<Carry, Stopped> {
        let Some(session) = run.session.as_mut() else {
            // A begun message keeps its session; should that ever not hold,
            // the message is retried rather than lost.
            let lost = SendOutcome::Temporary("the SMTP session was lost".into());
            self.record(current.item, lost, previous).await?;
            return Ok(Carry::Pending(next.map(|(item, _)| item)));
        };
        if !committed(previous).await {
            // Dropped without its dot: the server discards the message.
            run.session = None;
            return Err(Stopped);
        }
        let next_envelope = next
            .as_ref()
            .map(|(_, composed)| (&composed.envelope, !composed.bytes.is_ascii()));
        // No parking once stopping: a parked connection would be abandoned
        // at once anyway.
        let stall_after = if self.shutdown.is_cancelled() {
            None
        } else {
            run.direct.stalls().stall_after()
        };
        let finishing =
            session.finish_unless_stalled(&current.composed.bytes, next_envelope, stall_after);
        // Abandoned mid-message: neither it nor `next` is recorded, so both
        // stay planned. Had the server taken the dot already, the message
        // is sent again after the restart, as after a crash: at most one
        // per connection.
        let Some(ended) = self.unless_stopping(finishing).await else {
            run.session = None;
            return Err(Stopped);
        };
        let (done, begun) = match ended {
            Ended::Answered { done, begun, took } => {
                if done.is_ok() {
                    run.direct.stalls().answered(took);
                }
                (done, begun)
            }
            Ended::Stalled(stalled) => match run.direct.stalls().try_park() {
                Some(place) => {
                    let Some(session) = run.session.take() else {
                        unreachable!("the session was just used");
                    };
                    let parked = Parked {
                        session,
                        stalled,
                        item: current.item,
                        place,
                    };
                    parked::park(
                        parked,
                        Arc::clone(&self.worker),
                        self.records.clone(),
                        self.shutdown.clone(),
                    );
                    // `next` was pipelined onto the parked connection but
                    // never begun there: it starts afresh.
                    return Ok(Carry::Pending(next.map(|(item, _)| item)));
                }
                // Every place is taken: wait as long as the step allows.
                None => {
                    let Some(session) = run.session.as_mut() else {
                        unreachable!("the session was just used");
                    };
                    let next_envelope = next
                        .as_ref()
                        .map(|(_, composed)| (&composed.envelope, !composed.bytes.is_ascii()));
                    match self
                        .unless_stopping(session.resume(stalled, next_envelope))
                        .await
                    {
                        Some(ended) => ended,
                        None => {
                            run.session = None;
                            return Err(Stopped);
                        }
                    }
                }
            },
        };
        if run.session.as_ref().is_some_and(Session::is_broken) {
            run.session = None;
        }
        self.record(current.item, SendOutcome::from(done), previous)
            .await?;
        Ok(match (next, begun) {
            (None, _) => Carry::Pending(None),
            (Some((item, composed)), Some(Ok(()))) => Carry::Begun(Begun { item, composed }),
            (Some((item, _)), Some(Err(error))) if run.session.is_some() => {
                // Refused (this address, this server): recorded; the run
                // goes on with the next message.
                self.record(item, SendOutcome::from(Err(error)), previous)
                    .await?;
                Carry::Pending(self.waiting_work())
            }
            // The connection broke: the next message starts afresh.
            (Some((item, _)), _) => Carry::Pending(Some(item)),
        })
    }
}

/// A message made and within the quota, not yet begun.
struct Made {
    item: Work,
    composed: Composed,
}

/// A message whose MAIL, RCPT and DATA were accepted: the server waits for
/// its content.
struct Begun {
    item: Work,
    composed: Composed,
}

/// What a finished message leaves for the run.
enum Carry {
    /// The next message, begun in the same write.
    Begun(Begun),
    /// The run ends; a message taken but not begun, if any.
    Pending(Option<Work>),
}

/// A sender's run of messages: its slot and its session.
struct Run<'a> {
    direct: &'a DirectSmtp,
    session: Option<Session>,
    _slot: OwnedSemaphorePermit,
}
