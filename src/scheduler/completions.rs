//! Completions in groups: every job this instance ends goes through one
//! task, which ends whatever has queued up meanwhile in one transaction
//! (`Store::finish_jobs`: one UPDATE, one turn at the audit chain). Under
//! load the groups grow by themselves (the requests that arrive while a
//! group commits form the next), so a batch of jobs no longer takes a turn
//! at the chain each; alone, a completion commits at once.
//!
//! A caller's answer comes only after the commit: a job's effects that
//! follow its completion (the next step, the wake-up of a waiting test)
//! are never seen before the audit entry that records it.

use crate::clock::Clock;
use crate::store::{JobEnd, Store, StoreError, StoreResult};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// The most completions one transaction ends: a group stays a few hundred
/// rows and bound parameters, and a caller waits for one such commit at most.
const GROUP_AT_MOST: usize = 256;

struct Request {
    end: JobEnd,
    answer: oneshot::Sender<StoreResult<bool>>,
}

/// The instance's completion queue; its task starts with the first
/// completion (inside the runtime) and ends when this is dropped.
pub struct Completions {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    queue: OnceLock<mpsc::UnboundedSender<Request>>,
}

impl Completions {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            queue: OnceLock::new(),
        }
    }

    /// Ends a job its worker holds, with the others queued meanwhile;
    /// false when the worker no longer held it. Returns once committed.
    pub async fn finish(&self, end: JobEnd) -> StoreResult<bool> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(run(
                Arc::clone(&self.store),
                Arc::clone(&self.clock),
                receiver,
            ));
            sender
        });
        let (answer, answered) = oneshot::channel();
        queue
            .send(Request { end, answer })
            .map_err(|_| StoreError::NotReady("the completion task has stopped".into()))?;
        answered.await.map_err(|_| {
            StoreError::NotReady("the completion task stopped before committing".into())
        })?
    }
}

async fn run(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    mut queue: mpsc::UnboundedReceiver<Request>,
) {
    let mut group: Vec<Request> = Vec::with_capacity(GROUP_AT_MOST);
    while let Some(first) = queue.recv().await {
        group.push(first);
        while group.len() < GROUP_AT_MOST {
            match queue.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        let ends: Vec<JobEnd> = group.iter().map(|request| request.end.clone()).collect();
        let now = clock.now();
        match store.finish_jobs(&ends, now).await {
            Ok(answers) => {
                for (request, ended) in group.drain(..).zip(answers) {
                    // A caller that is gone needs no answer.
                    let _ = request.answer.send(Ok(ended));
                }
            }
            Err(error) if group.len() == 1 => {
                if let Some(request) = group.pop() {
                    let _ = request.answer.send(Err(error));
                }
            }
            // One bad row (or a lost connection) fails the whole group:
            // each is tried alone, so that it fails only its own job.
            Err(_) => {
                for request in group.drain(..) {
                    let alone = store
                        .finish_jobs(std::slice::from_ref(&request.end), clock.now())
                        .await
                        .map(|answers| answers.first().copied().unwrap_or(false));
                    let _ = request.answer.send(alone);
                }
            }
        }
    }
}
