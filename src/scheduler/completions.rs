//! Writes in groups: every job this instance ends (`Completions`), every
//! staff message its jobs plan (`Plans`), and every reminder step folding
//! its incident's other steps into its message (`Folds`), goes through a
//! task of its own, which writes whatever has queued up meanwhile in one
//! transaction (`Store::finish_jobs`: one UPDATE, one turn at the audit
//! chain; `Store::ensure_emails`: one INSERT; `Store::fold_reminders`: one
//! transaction on SQLite). Under load the groups grow by
//! themselves (the requests that arrive while a group commits form the
//! next), so a batch of jobs no longer pays a commit (an fsync, with
//! `sqlite_synchronous = "full"`) each; alone, a request commits at once.
//!
//! A caller's answer comes only after the commit: a job's effects that
//! follow its completion (the next step, the wake-up of a waiting test)
//! are never seen before the audit entry that records it, and a message is
//! handed to a sender only once it is planned.

use crate::clock::Clock;
use crate::store::{FoldedReminder, Job, JobEnd, NewEmail, Store, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// The most requests one transaction writes: a group stays a few hundred
/// rows and bound parameters, and a caller waits for one such commit at most.
const GROUP_AT_MOST: usize = 256;

/// What one kind of request writes, for a group of them at once.
#[async_trait::async_trait]
pub trait Group: Send + Sync + 'static {
    type Item: Clone + Send + Sync + 'static;
    type Answer: Send + 'static;
    /// One answer per item, in order.
    async fn write(
        store: &dyn Store,
        items: &[Self::Item],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Self::Answer>>;
}

/// Job completions: true when the worker still held the job.
pub struct Finishes;

#[async_trait::async_trait]
impl Group for Finishes {
    type Item = JobEnd;
    type Answer = bool;
    async fn write(
        store: &dyn Store,
        ends: &[JobEnd],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<bool>> {
        store.finish_jobs(ends, now).await
    }
}

/// A job's messages planned (`Store::ensure_emails`; one that exists is kept).
pub struct Planning;

#[async_trait::async_trait]
impl Group for Planning {
    type Item = Vec<NewEmail>;
    type Answer = ();
    async fn write(
        store: &dyn Store,
        jobs: &[Vec<NewEmail>],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<()>> {
        let rows: Vec<NewEmail> = jobs.iter().flatten().cloned().collect();
        store.ensure_emails(&rows, now).await?;
        Ok(vec![(); jobs.len()])
    }
}

/// A reminder step folding the other steps of its incident's instant
/// into its message: the leader and the worker holding it, and the steps
/// it ended.
pub struct Folding;

#[async_trait::async_trait]
impl Group for Folding {
    type Item = (Job, String);
    type Answer = Vec<FoldedReminder>;
    async fn write(
        store: &dyn Store,
        leaders: &[(Job, String)],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Vec<FoldedReminder>>> {
        // An instance has one worker id, so a group is nearly always one
        // run of one worker's leaders.
        let mut answers = Vec::with_capacity(leaders.len());
        for run in leaders.chunk_by(|a, b| a.1 == b.1) {
            let jobs: Vec<Job> = run.iter().map(|(job, _)| job.clone()).collect();
            answers.extend(store.fold_reminders(&jobs, &run[0].1, now).await?);
        }
        Ok(answers)
    }
}

struct Request<G: Group> {
    item: G::Item,
    answer: oneshot::Sender<StoreResult<G::Answer>>,
}

/// The instance's queue of one kind of write; its task starts with the
/// first request (inside the runtime) and ends when this is dropped.
pub struct Grouped<G: Group> {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    queue: OnceLock<mpsc::UnboundedSender<Request<G>>>,
}

pub type Completions = Grouped<Finishes>;
pub type Plans = Grouped<Planning>;
pub type Folds = Grouped<Folding>;

impl<G: Group> Grouped<G> {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            queue: OnceLock::new(),
        }
    }

    /// Writes `item` with the others queued meanwhile; returns once
    /// committed.
    pub async fn write(&self, item: G::Item) -> StoreResult<G::Answer> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(run::<G>(
                Arc::clone(&self.store),
                Arc::clone(&self.clock),
                receiver,
            ));
            sender
        });
        let (answer, answered) = oneshot::channel();
        queue
            .send(Request { item, answer })
            .map_err(|_| StoreError::NotReady("the group-commit task has stopped".into()))?;
        answered.await.map_err(|_| {
            StoreError::NotReady("the group-commit task stopped before committing".into())
        })?
    }
}

impl Completions {
    /// Ends a job its worker holds, with the others queued meanwhile;
    /// false when the worker no longer held it. Returns once committed.
    pub async fn finish(&self, end: JobEnd) -> StoreResult<bool> {
        self.write(end).await
    }
}

async fn run<G: Group>(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mut queue: mpsc::UnboundedReceiver<Request<G>>,
) {
    let mut group: Vec<Request<G>> = Vec::with_capacity(GROUP_AT_MOST);
    while let Some(first) = queue.recv().await {
        group.push(first);
        while group.len() < GROUP_AT_MOST {
            match queue.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        let items: Vec<G::Item> = group.iter().map(|request| request.item.clone()).collect();
        let now = clock.now();
        match G::write(store.as_ref(), &items, now).await {
            Ok(answers) => {
                for (request, answer) in group.drain(..).zip(answers) {
                    // A caller that is gone needs no answer.
                    let _ = request.answer.send(Ok(answer));
                }
            }
            Err(error) if group.len() == 1 => {
                if let Some(request) = group.pop() {
                    let _ = request.answer.send(Err(error));
                }
            }
            // One bad row (or a lost connection) fails the whole group:
            // each is tried alone, so that it fails only its own request.
            Err(_) => {
                for request in group.drain(..) {
                    let alone = G::write(
                        store.as_ref(),
                        std::slice::from_ref(&request.item),
                        clock.now(),
                    )
                    .await
                    .and_then(|mut answers| {
                        answers.pop().ok_or_else(|| {
                            StoreError::NotReady("a group write gave no answer".into())
                        })
                    });
                    let _ = request.answer.send(alone);
                }
            }
        }
    }
}
