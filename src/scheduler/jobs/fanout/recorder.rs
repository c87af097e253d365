//! Recording outcomes in groups: one transaction for the outcomes of half
//! the senders or more (`run`), then each sender is told its message is on
//! disk, and each chunk whose messages are all recorded is handed on to be
//! finished. A message that could not be built (breachd's fault) and the
//! messages of its chunk skipped after it are counted without a write: they
//! stay planned.

use crate::store::{Attempt, EmailStatus, Job, Store};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;
use uuid::Uuid;

/// What became of one message handed to a sender.
pub enum Outcome {
    /// Sent, deferred or failed: written with its attempt.
    Attempt(Attempt),
    /// It could not be built: the chunk stops with this fault, and the
    /// message stays planned.
    Fault(String),
    /// Not sent because its chunk stopped on a fault: it stays planned.
    Skipped,
}

/// One outcome to record; `committed` fires once it is.
pub struct Record {
    pub outcome: Outcome,
    pub job: Uuid,
    /// The sender's index (see `Senders`).
    pub sender: usize,
    pub committed: oneshot::Sender<()>,
    /// A staff job waiting for this attempt (told after the commit too).
    pub waiting: Option<oneshot::Sender<Attempt>>,
}

/// A chunk whose messages have all been tried and recorded.
#[derive(Debug)]
pub struct Finished {
    pub job: Job,
    pub incident_id: Uuid,
    pub chunk: i64,
    pub sent: u64,
    pub failed: u64,
    /// Feeding stopped early (shutdown): messages may still be queued.
    pub interrupted: bool,
    /// A message could not be built (the first such error): the chunk
    /// stopped, its remaining messages still planned.
    pub fault: Option<String>,
}

struct InProgress {
    finished: Finished,
    fed: u64,
    recorded: u64,
    feed_done: bool,
}

/// The chunks this runner holds, with how far each has got.
#[derive(Default)]
pub struct Progress {
    chunks: Mutex<HashMap<Uuid, InProgress>>,
}

impl Progress {
    fn chunks(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, InProgress>> {
        // A panic elsewhere while holding the lock leaves counts that are
        // still usable: keep going rather than poison every sender.
        self.chunks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn open(&self, job: Job, incident_id: Uuid, chunk: i64) {
        let id = job.id;
        self.chunks().insert(
            id,
            InProgress {
                finished: Finished {
                    job,
                    incident_id,
                    chunk,
                    sent: 0,
                    failed: 0,
                    interrupted: false,
                    fault: None,
                },
                fed: 0,
                recorded: 0,
                feed_done: false,
            },
        );
    }

    /// One more message of `job` was handed to the senders.
    pub fn fed(&self, job: Uuid) {
        if let Some(chunk) = self.chunks().get_mut(&job) {
            chunk.fed += 1;
        }
    }

    /// Every due message of `job` was handed over; the chunk, if all of
    /// them are recorded already.
    pub fn feed_done(&self, job: Uuid, interrupted: bool) -> Option<Finished> {
        let mut chunks = self.chunks();
        let chunk = chunks.get_mut(&job)?;
        chunk.feed_done = true;
        chunk.finished.interrupted = interrupted;
        Self::take_if_finished(&mut chunks, job)
    }

    /// One outcome of `job` is committed; the chunk, if that was its last.
    fn recorded(&self, job: Uuid, outcome: Counted) -> Option<Finished> {
        let mut chunks = self.chunks();
        let chunk = chunks.get_mut(&job)?;
        chunk.recorded += 1;
        match outcome {
            Counted::Status(EmailStatus::Sent) => chunk.finished.sent += 1,
            Counted::Status(EmailStatus::Failed) => chunk.finished.failed += 1,
            // A send attempt never ends in a bounce: that is read later.
            Counted::Status(EmailStatus::Queued | EmailStatus::Deferred | EmailStatus::Bounced)
            | Counted::Skipped => {}
            Counted::Fault(reason) => {
                chunk.finished.fault.get_or_insert(reason);
            }
        }
        Self::take_if_finished(&mut chunks, job)
    }

    fn take_if_finished(chunks: &mut HashMap<Uuid, InProgress>, job: Uuid) -> Option<Finished> {
        let chunk = chunks.get(&job)?;
        if chunk.feed_done && chunk.recorded >= chunk.fed {
            chunks.remove(&job).map(|chunk| chunk.finished)
        } else {
            None
        }
    }

    /// The jobs still held (their leases are renewed).
    pub fn held(&self) -> Vec<Uuid> {
        self.chunks().keys().copied().collect()
    }

    /// Gives up every chunk still held (the runner stopped on an error).
    pub fn abandon(&self) -> Vec<Finished> {
        self.chunks()
            .drain()
            .map(|(_, chunk)| Finished {
                interrupted: true,
                ..chunk.finished
            })
            .collect()
    }
}

/// An outcome as the chunk's counts see it.
enum Counted {
    Status(EmailStatus),
    Fault(String),
    Skipped,
}

/// The longest a group commit waits for the senders still sending; one
/// slow connection delays the others' next dot by at most this much.
const GATHER_AT_MOST: Duration = Duration::from_millis(1);

/// Which senders are in the middle of a message, so that the recorder
/// knows which outcomes may still come without a commit.
pub struct Senders {
    busy: Vec<AtomicBool>,
    changed: Notify,
}

impl Senders {
    pub fn new(count: usize) -> Self {
        Self {
            busy: (0..count).map(|_| AtomicBool::new(false)).collect(),
            changed: Notify::new(),
        }
    }

    /// Sender `index` took a message.
    pub fn working(&self, index: usize) {
        self.busy[index].store(true, Ordering::SeqCst);
    }

    /// Sender `index` handed its outcome over, or stopped.
    pub fn done(&self, index: usize) {
        self.busy[index].store(false, Ordering::SeqCst);
        self.changed.notify_one();
    }

    /// Whether at least half of the senders that could report before the
    /// commit have: those with their outcome in the group (each then waits
    /// for this commit before its next dot) against the ones still in the
    /// middle of a message.
    fn half_in(&self, in_group: &[bool]) -> bool {
        let reported = in_group.iter().filter(|&&reported| reported).count();
        let sending = self
            .busy
            .iter()
            .zip(in_group)
            .filter(|(busy, &in_group)| !in_group && busy.load(Ordering::SeqCst))
            .count();
        reported >= sending
    }
}

/// What a recorder did, for the runner's closing log line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Commits {
    pub commits: u64,
    pub outcomes: u64,
    /// Groups committed because gathering ran out of time.
    pub cut_short: u64,
}

/// Commits outcomes in groups. A commit writes each page it touched whole,
/// so larger groups cost far less per outcome; but a sender waits for its
/// outcome's commit before its next dot. The recorder commits once at
/// least half of the senders that can report have (at most
/// `GATHER_AT_MOST` after the first): the senders fall into two cohorts,
/// one talking to the SMTP server while the other's outcomes commit.
/// Measured on the 20,000-guardian benchmark (interleaved single rounds,
/// five or six of each): about 10% faster than waiting for every sender
/// and 3% faster than committing whatever is there. An error ends the
/// loop; the senders waiting on it then send nothing more.
///
/// `kind` labels the metrics of what is recorded: the family notice's; a
/// staff lane's jobs (of several kinds) count their own when told.
pub async fn run(
    kind: Option<&'static str>,
    store: Arc<dyn Store>,
    mut records: mpsc::Receiver<Record>,
    senders: Arc<Senders>,
    progress: Arc<Progress>,
    finished: mpsc::UnboundedSender<Finished>,
) -> anyhow::Result<Commits> {
    let mut done = Commits::default();
    let mut recorder = store.attempt_recorder().await?;
    let mut attempts = Vec::new();
    let mut waiting = Vec::new();
    let mut in_group = vec![false; senders.busy.len()];
    while let Some(first) = records.recv().await {
        let deadline = Instant::now() + GATHER_AT_MOST;
        in_group.fill(false);
        let mut next = Some(first);
        loop {
            while let Some(record) = next.take() {
                if let Some(slot) = in_group.get_mut(record.sender) {
                    *slot = true;
                }
                let mut told = None;
                let counted = match record.outcome {
                    Outcome::Attempt(attempt) => {
                        let status = attempt.outcome;
                        told = record.waiting.map(|job| (job, attempt.clone()));
                        attempts.push(attempt);
                        Counted::Status(status)
                    }
                    Outcome::Fault(reason) => Counted::Fault(reason),
                    Outcome::Skipped => Counted::Skipped,
                };
                waiting.push((record.job, counted, record.committed, told));
                next = records.try_recv().ok();
            }
            if senders.half_in(&in_group) {
                break;
            }
            tokio::select! {
                record = records.recv() => match record {
                    Some(record) => next = Some(record),
                    None => break,
                },
                // A sender ran out of work: the group may be complete.
                () = senders.changed.notified() => {}
                () = tokio::time::sleep_until(deadline) => {
                    done.cut_short += 1;
                    break;
                }
            }
        }
        done.commits += 1;
        done.outcomes += attempts.len() as u64;
        recorder.record(&attempts).await?;
        if let Some(kind) = kind {
            crate::metrics::emails_recorded(kind, &attempts);
        }
        attempts.clear();
        for (job, counted, committed, told) in waiting.drain(..) {
            // A sender (or a staff job) that is gone needs no answer.
            let _ = committed.send(());
            if let Some((job, attempt)) = told {
                let _ = job.send(attempt);
            }
            if let Some(chunk) = progress.recorded(job, counted) {
                let _ = finished.send(chunk);
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::JobState;
    use chrono::Utc;

    fn job() -> Job {
        let now = Utc::now();
        crate::store::NewJob {
            id: Uuid::now_v7(),
            kind: crate::store::JobKind::FamilyNotice,
            key: "k".into(),
            payload: serde_json::json!({"chunk": 0}),
            due_at: now,
            state: JobState::Scheduled,
            incident_id: None,
            obligation_id: None,
            obligation_due: None,
            step_order: None,
            late: false,
        }
        .as_planned(now)
    }

    #[test]
    fn a_chunk_finishes_when_fed_and_every_outcome_is_recorded() {
        let progress = Progress::default();
        let job = job();
        let id = job.id;
        progress.open(job, Uuid::now_v7(), 0);
        progress.fed(id);
        progress.fed(id);
        assert!(progress
            .recorded(id, Counted::Status(EmailStatus::Sent))
            .is_none());
        // Recorded before the feed was done: not finished yet.
        assert!(progress
            .recorded(id, Counted::Status(EmailStatus::Failed))
            .is_none());
        assert_eq!(progress.held(), vec![id]);
        let finished = progress.feed_done(id, false).unwrap();
        assert_eq!((finished.sent, finished.failed), (1, 1));
        assert!(progress.held().is_empty());
    }

    #[test]
    fn the_last_record_finishes_a_chunk_whose_feed_is_done() {
        let progress = Progress::default();
        let job = job();
        let id = job.id;
        progress.open(job, Uuid::now_v7(), 3);
        progress.fed(id);
        assert!(progress.feed_done(id, true).is_none());
        let finished = progress
            .recorded(id, Counted::Status(EmailStatus::Deferred))
            .unwrap();
        assert_eq!(
            (finished.chunk, finished.sent, finished.interrupted),
            (3, 0, true)
        );
    }

    #[test]
    fn a_group_waits_for_half_of_the_senders_that_can_still_report() {
        let senders = Senders::new(4);
        for index in 0..4 {
            senders.working(index);
        }
        assert!(!senders.half_in(&[true, false, false, false]), "1 of 4");
        assert!(senders.half_in(&[true, true, false, false]), "2 of 4");
        // A sender whose outcome is in the group and that took its next
        // message waits for this very commit: it counts as reported.
        senders.done(2);
        senders.done(3);
        assert!(
            senders.half_in(&[true, false, false, false]),
            "1 of 2 sending"
        );
        senders.done(1);
        assert!(
            senders.half_in(&[true, false, false, false]),
            "the only one"
        );
    }

    #[test]
    fn a_fault_finishes_the_chunk_with_its_first_error_and_counts_nobody_failed() {
        let progress = Progress::default();
        let job = job();
        let id = job.id;
        progress.open(job, Uuid::now_v7(), 0);
        for _ in 0..3 {
            progress.fed(id);
        }
        assert!(progress.feed_done(id, false).is_none());
        assert!(progress
            .recorded(id, Counted::Fault("template a: first".into()))
            .is_none());
        assert!(progress
            .recorded(id, Counted::Fault("template a: second".into()))
            .is_none());
        let finished = progress.recorded(id, Counted::Skipped).unwrap();
        assert_eq!(finished.fault.as_deref(), Some("template a: first"));
        assert_eq!((finished.sent, finished.failed), (0, 0));
    }

    #[test]
    fn an_empty_chunk_finishes_when_its_feed_is_done() {
        let progress = Progress::default();
        let job = job();
        let id = job.id;
        progress.open(job, Uuid::now_v7(), 0);
        assert!(progress.feed_done(id, false).is_some());
    }
}
