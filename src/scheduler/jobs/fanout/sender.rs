//! One sender: takes messages, sends them, hands each outcome to the
//! recorder.
//!
//! A sender never has more than one message that the server accepted and
//! the database does not yet know about: a message's closing dot (the
//! moment the server takes it) is sent only once the sender's previous
//! outcome is committed. A crash therefore repeats at most one message per
//! connection.
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

use super::compose::{Composed, Composer};
use super::recorder::{Record, Senders};
use crate::email::message::KIND_FAMILY_NOTICE;
use crate::email::smtp::direct::DirectSmtp;
use crate::email::smtp::session::Session;
use crate::email::{Mailer, SendOutcome};
use crate::scheduler::Worker;
use crate::store::{Attempt, EmailRecord, FamilyDelivery};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A message to send, with the job it belongs to.
pub struct Work {
    pub message: Message,
    pub job: Uuid,
    /// Told the attempt once it is committed (a staff message's job waits
    /// for its outcomes; a family notice's chunk is followed by `Progress`).
    pub told: Option<oneshot::Sender<Attempt>>,
}

/// What a sender sends: a family notice, composed as it is sent, or a
/// staff message (a reminder, a digest, a report) composed by its job.
pub enum Message {
    Family {
        delivery: FamilyDelivery,
        composer: Arc<Composer>,
    },
    Staff {
        email: EmailRecord,
        kind: &'static str,
        composed: Result<Composed, String>,
    },
}

impl Work {
    /// The bytes and envelope to send; an error is permanent.
    fn compose(&self) -> Result<Composed, String> {
        match &self.message {
            Message::Family { delivery, composer } => composer.compose(delivery),
            Message::Staff { composed, .. } => composed.clone(),
        }
    }

    fn email(&self) -> &EmailRecord {
        match &self.message {
            Message::Family { delivery, .. } => &delivery.email,
            Message::Staff { email, .. } => email,
        }
    }

    fn kind(&self) -> &'static str {
        match &self.message {
            Message::Family { .. } => KIND_FAMILY_NOTICE,
            Message::Staff { kind, .. } => kind,
        }
    }
}

/// Whose messages a sender carries, which decides how it takes a send
/// slot: the fan-out's give theirs up to anyone waiting; the staff lane's
/// (reminders, digests, reports) count as waiting, so a fan-out yields to
/// them (`SendPermits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    FanOut,
    Staff,
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

/// What one sender needs.
pub struct Sender {
    pub worker: Arc<Worker>,
    pub work: flume::Receiver<Work>,
    pub records: mpsc::Sender<Record>,
    pub senders: Arc<Senders>,
    pub index: usize,
    pub lane: Lane,
    /// Once it fires, no new message is taken (those queued stay planned
    /// and are released with their chunks).
    pub shutdown: CancellationToken,
}

/// Why a sender stopped early: the recorder is gone (nothing more may be
/// sent), or shutdown abandoned a stalled SMTP step (its message was not
/// recorded, so it stays planned and is sent after the restart).
struct Stopped;

/// How long an SMTP step in flight may still run once shutdown began. A
/// step that answers normally takes milliseconds and is waited for (its
/// outcome recorded); one still running after this is a stall, abandoned
/// so that the daemon stops within its grace instead of the step's timeout.
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

    /// The next message, waiting for one; None once the feed is closed.
    async fn next_work(&self) -> Option<Work> {
        self.senders.done(self.index);
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
    /// running `STOP_GRACE` later (dropping it closes its connection).
    async fn unless_stopping<T>(&self, step: impl std::future::Future<Output = T>) -> Option<T> {
        let stopping = async {
            self.shutdown.cancelled().await;
            tokio::time::sleep(STOP_GRACE).await;
        };
        tokio::select! {
            outcome = step => Some(outcome),
            () = stopping => None,
        }
    }

    /// A send slot, taken the lane's way.
    async fn slot(&self) -> OwnedSemaphorePermit {
        match self.lane {
            Lane::FanOut => self.worker.sends.acquire_for_fanout().await,
            Lane::Staff => self.worker.sends.acquire().await,
        }
    }

    /// The next message if one is waiting right now.
    fn waiting_work(&self) -> Option<Work> {
        if self.shutdown.is_cancelled() {
            return None;
        }
        self.work.try_recv().ok()
    }

    /// Hands an outcome to the recorder, once the previous one is
    /// committed (one commit pending per sender).
    async fn record(
        &self,
        item: &mut Work,
        outcome: SendOutcome,
        previous: &mut Commit,
    ) -> Result<(), Stopped> {
        if !committed(previous).await {
            return Err(Stopped);
        }
        let (done, commit) = oneshot::channel();
        let record = Record {
            attempt: self.worker.attempt_for(item.email(), outcome),
            job: item.job,
            kind: item.kind(),
            sender: self.index,
            committed: done,
            told: item.told.take(),
        };
        self.records.send(record).await.map_err(|_| Stopped)?;
        *previous = Some(commit);
        Ok(())
    }

    async fn one_by_one(&self, previous: &mut Commit) -> Result<(), Stopped> {
        while let Some(mut item) = self.next_work().await {
            let _slot = self.slot().await;
            let outcome = match item.compose() {
                Err(reason) => SendOutcome::Permanent(reason),
                Ok(composed) => {
                    if let Some(limiter) = &self.worker.limiter {
                        limiter.until_ready().await;
                    }
                    if !committed(previous).await {
                        return Err(Stopped);
                    }
                    let timeout = self.worker.settings.email.timeout;
                    let sending =
                        self.worker
                            .mailer
                            .send_raw(&composed.envelope, &composed.bytes, timeout);
                    match self.unless_stopping(sending).await {
                        Some(outcome) => outcome,
                        None => return Err(Stopped),
                    }
                }
            };
            self.record(&mut item, outcome, previous).await?;
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
            let slot = self.slot().await;
            let mut run = Run {
                direct,
                session: None,
                _slot: slot,
            };
            pending = self.run_of_messages(&mut run, item, previous).await?;
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
        first: Work,
        previous: &mut Commit,
    ) -> Result<Option<Work>, Stopped> {
        let Some(mut current) = self.begin(run, first, previous).await? else {
            return Ok(None);
        };
        loop {
            // The next message, composed while the previous outcome commits.
            let mut next = None;
            if !self.worker.sends.others_waiting() {
                if let Some(mut item) = self.waiting_work() {
                    match item.compose() {
                        Ok(composed) => next = Some((item, composed)),
                        Err(reason) => {
                            // Recorded after the current one (one commit
                            // pending at a time); nothing was sent. The run
                            // ends with the current message.
                            self.finish(run, current, None, previous).await?;
                            self.record(&mut item, SendOutcome::Permanent(reason), previous)
                                .await?;
                            return Ok(None);
                        }
                    }
                }
            }
            if next.is_some() {
                if let Some(limiter) = &self.worker.limiter {
                    limiter.until_ready().await;
                }
            }
            match self.finish(run, current, next, previous).await? {
                Carry::Begun(begun) => current = begun,
                Carry::Pending(item) => return Ok(item),
            }
        }
    }

    /// Begins a message on the run's session (connecting if needed); None
    /// if it could not be begun (its outcome is recorded).
    async fn begin(
        &self,
        run: &mut Run<'_>,
        mut item: Work,
        previous: &mut Commit,
    ) -> Result<Option<Begun>, Stopped> {
        let composed = match item.compose() {
            Ok(composed) => composed,
            Err(reason) => {
                self.record(&mut item, SendOutcome::Permanent(reason), previous)
                    .await?;
                return Ok(None);
            }
        };
        if let Some(limiter) = &self.worker.limiter {
            limiter.until_ready().await;
        }
        let session = match run.session.as_mut() {
            Some(session) => session,
            None => match self.unless_stopping(run.direct.checkout()).await {
                None => return Err(Stopped),
                Some(Ok(session)) => run.session.insert(session),
                Some(Err(error)) => {
                    self.record(&mut item, SendOutcome::from(Err(error)), previous)
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
                self.record(&mut item, SendOutcome::from(Err(error)), previous)
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
        mut current: Begun,
        next: Option<(Work, Composed)>,
        previous: &mut Commit,
    ) -> Result<Carry, Stopped> {
        let Some(session) = run.session.as_mut() else {
            // A begun message keeps its session; should that ever not hold,
            // the message is retried rather than lost.
            let lost = SendOutcome::Temporary("the SMTP session was lost".into());
            self.record(&mut current.item, lost, previous).await?;
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
        let finishing = session.finish_and_begin(&current.composed.bytes, next_envelope);
        let Some((done, begun)) = self.unless_stopping(finishing).await else {
            // Abandoned mid-message: neither it nor `next` is recorded, so
            // both stay planned. Had the server taken the dot already, the
            // message is sent again after the restart, as after a crash:
            // at most one per connection.
            run.session = None;
            return Err(Stopped);
        };
        if session.is_broken() {
            run.session = None;
        }
        self.record(&mut current.item, SendOutcome::from(done), previous)
            .await?;
        Ok(match (next, begun) {
            (None, _) => Carry::Pending(None),
            (Some((item, composed)), Some(Ok(()))) => Carry::Begun(Begun { item, composed }),
            (Some((mut item, _)), Some(Err(error))) if run.session.is_some() => {
                // Refused (this address, this server): recorded; the run
                // goes on with the next message.
                self.record(&mut item, SendOutcome::from(Err(error)), previous)
                    .await?;
                Carry::Pending(self.waiting_work())
            }
            // The connection broke: the next message starts afresh.
            (Some((item, _)), _) => Carry::Pending(Some(item)),
        })
    }
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
