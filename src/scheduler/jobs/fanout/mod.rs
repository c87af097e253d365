//! Sending the family notice: a runner per instance works through the
//! fan-out's chunk jobs one after another.
//!
//! - The runner claims a chunk and reads its due messages a page at a time
//!   into a queue with room for a page, so it reads the next page while
//!   this one is sent; once a chunk is fed it claims the next (any
//!   incident's), so the senders never drain between chunks. Several
//!   instances each claim their own chunks and share a fan-out.
//! - `email.max_connections` senders take messages from the queue, compose
//!   and send them (`sender`: one round trip per message where the server
//!   pipelines), and hand each outcome to one recorder.
//! - The recorder commits outcomes in groups (`recorder`). A sender sends a
//!   message's closing dot only once its previous outcome is committed, so
//!   at any moment at most one message per connection is accepted by the
//!   server but not recorded: a crash repeats at most the messages in
//!   flight.
//! - A connection whose dot stalls is parked (`parked`): it waits for the
//!   reply in the background, up to `email.data_timeout`, and records it,
//!   while its sender goes on over a fresh connection. A parked connection
//!   holds one unrecorded message, so the bound above stays one per
//!   connection (at most `max_connections + max_parked_connections`).
//! - A chunk whose outcomes are all recorded is finished (or rescheduled
//!   for its deferred recipients) by a finisher task, and the last one
//!   completes the families' obligation.
//! - On shutdown the runner stops feeding and the senders take nothing
//!   new; the messages in flight end and are recorded, except an SMTP step
//!   still running `sender::STOP_GRACE` later (or the stall wait, if
//!   shorter: a stalled server), which is abandoned unrecorded, as is every
//!   parked connection at once: their messages stay planned. The chunks
//!   still held are released to run again at once.
//!
//! Staff email (reminders, digests, reports) goes out through a second set
//! of the same senders and recorder that lives with the scheduler (`staff`),
//! fed by the staff jobs instead of the chunk feeder.

pub(crate) mod compose;
pub(crate) mod context;
mod parked;
mod recorder;
mod sender;
pub(crate) mod staff;
mod work;

pub use compose::{Composed, Composer};

use crate::email::message::KIND_FAMILY_NOTICE;
use crate::scheduler::planning;
use crate::scheduler::{Wake, Worker};
use crate::store::{EmailStatus, Job, JobKinds, JobState};
use chrono::Duration;
use recorder::{Finished, Progress, Senders};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use work::Work;

/// Messages read from the database at a time.
const PAGE: i64 = 512;

/// The context shared by every message of one incident's notice.
async fn notice_context(worker: &Worker, incident_id: Uuid) -> anyhow::Result<Option<Value>> {
    let store = &worker.store;
    let (Some(incident), Some(notice)) = (
        store.incident(incident_id).await?,
        store.notice(incident_id).await?,
    ) else {
        return Ok(None);
    };
    Ok(Some(context::notice_context(
        &worker.settings,
        &incident,
        &notice,
    )))
}

fn lease(worker: &Worker) -> Duration {
    Duration::from_std(worker.settings.scheduler.lease).unwrap_or(Duration::seconds(30))
}

/// Claims the next due chunk job, if any.
pub async fn claim(worker: &Worker) -> anyhow::Result<Option<Job>> {
    let now = worker.clock.now();
    let job = worker
        .store
        .claim_jobs_where(JobKinds::FanOut, now, now + lease(worker), worker.id(), 1)
        .await?
        .pop();
    if let Some(job) = &job {
        crate::metrics::job_lateness(
            job.kind.as_str(),
            (now - job.due_at).num_milliseconds() as f64 / 1000.0,
        );
    }
    Ok(job)
}

/// Runs chunk jobs, starting with `first`, until none is due or `shutdown`
/// fires; then wakes the scheduler (more may be due later).
pub async fn run(worker: Arc<Worker>, first: Job, shutdown: CancellationToken, wake: Wake) {
    let connections = worker.sends.capacity();
    let progress = Arc::new(Progress::default());
    // A page of room: the feeder reads the next page while this one is
    // being sent, so the senders do not wait for the query.
    let (work_tx, work_rx) = flume::bounded::<Work>(PAGE as usize);
    let (record_tx, record_rx) = mpsc::channel(connections * 2);
    let (finished_tx, finished_rx) = mpsc::unbounded_channel();
    let busy = Arc::new(Senders::new(connections));

    let finisher = tokio::spawn(finish_chunks(Arc::clone(&worker), finished_rx));
    let recorder = tokio::spawn(recorder::run(
        Some(KIND_FAMILY_NOTICE),
        Arc::clone(&worker.store),
        record_rx,
        Arc::clone(&busy),
        Arc::clone(&progress),
        finished_tx.clone(),
    ));
    let senders: Vec<_> = (0..connections)
        .map(|index| {
            let sender = sender::Sender {
                lane: sender::Lane::FanOut,
                worker: Arc::clone(&worker),
                work: work_rx.clone(),
                records: record_tx.clone(),
                senders: Arc::clone(&busy),
                index,
                shutdown: shutdown.clone(),
                again: Default::default(),
            };
            tokio::spawn(sender.run())
        })
        .collect();
    drop((work_rx, record_tx));
    let renewer = tokio::spawn(renew_leases(Arc::clone(&worker), Arc::clone(&progress)));

    let mut composers = HashMap::new();
    let mut next = Some(first);
    while let Some(job) = next.take() {
        let feeding = Feeding {
            worker: &worker,
            progress: &progress,
            work: &work_tx,
            finished: &finished_tx,
            shutdown: &shutdown,
        };
        match feeding.feed(job, &mut composers).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "reading a fan-out chunk failed; it will run again"
                );
                break;
            }
        }
        if shutdown.is_cancelled() {
            break;
        }
        next = match claim(&worker).await {
            Ok(job) => job,
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "claiming the next fan-out chunk failed"
                );
                None
            }
        };
    }
    drop(work_tx);
    for sender in senders {
        let _ = sender.await;
    }
    match recorder.await {
        Ok(Ok(commits)) => tracing::info!(
            commits = commits.commits,
            outcomes = commits.outcomes,
            cut_short = commits.cut_short,
            "fan-out runner finished"
        ),
        Ok(Err(error)) => {
            tracing::error!(
                error = format!("{error:#}"),
                "recording fan-out outcomes failed; the chunks held will run again"
            )
        }
        Err(error) => tracing::error!(
            error = format!("{error:#}"),
            "the fan-out recorder panicked"
        ),
    }
    // Chunks whose outcomes could not all be recorded are released.
    for chunk in progress.abandon() {
        let _ = finished_tx.send(chunk);
    }
    drop(finished_tx);
    let _ = finisher.await;
    renewer.abort();
    wake.wake();
}

/// Feeds one chunk job to the senders.
struct Feeding<'a> {
    worker: &'a Arc<Worker>,
    progress: &'a Progress,
    work: &'a flume::Sender<Work>,
    finished: &'a mpsc::UnboundedSender<Finished>,
    shutdown: &'a CancellationToken,
}

impl Feeding<'_> {
    /// Hands over every due message of the chunk; false if the senders are
    /// gone (nothing more can be sent).
    async fn feed(
        &self,
        job: Job,
        composers: &mut HashMap<Uuid, Arc<Composer>>,
    ) -> anyhow::Result<bool> {
        let worker = self.worker;
        let now = worker.clock.now();
        let (Some(incident_id), Some(chunk)) = (job.incident_id, job.payload["chunk"].as_i64())
        else {
            worker
                .store
                .finish_job(
                    job.id,
                    worker.id(),
                    JobState::Failed,
                    Some("a fan-out job without its chunk"),
                    now,
                )
                .await?;
            return Ok(true);
        };
        let composer = match composers.get(&incident_id) {
            Some(composer) => Arc::clone(composer),
            None => match notice_context(worker, incident_id).await? {
                Some(context) => {
                    let composer = Arc::new(
                        Composer::new(
                            Arc::clone(&worker.templates),
                            &worker.settings.email.from,
                            incident_id,
                            &context,
                        )
                        .with_verp(worker.verp.clone()),
                    );
                    composers.insert(incident_id, Arc::clone(&composer));
                    composer
                }
                None => {
                    worker
                        .store
                        .finish_job(job.id, worker.id(), JobState::Cancelled, None, now)
                        .await?;
                    return Ok(true);
                }
            },
        };
        let job_id = job.id;
        // Set by a sender when one of this chunk's messages cannot be built.
        let halt = Arc::new(AtomicBool::new(false));
        self.progress.open(job, incident_id, chunk);
        let mut after: Option<String> = None;
        let mut fed_all = true;
        let mut senders_alive = true;
        let read = async {
            loop {
                let page = worker
                    .store
                    .family_deliveries_due(incident_id, chunk, now, after.as_deref(), PAGE)
                    .await?;
                let last_page = page.len() < PAGE as usize;
                after = page.last().map(|d| d.email.recipient.clone());
                for delivery in page {
                    if self.shutdown.is_cancelled() {
                        fed_all = false;
                        return anyhow::Ok(());
                    }
                    if halt.load(Ordering::SeqCst) {
                        // A fault stopped the chunk: nothing more is fed.
                        return Ok(());
                    }
                    let work = Work {
                        job: job_id,
                        message: work::Message::Family {
                            delivery,
                            composer: Arc::clone(&composer),
                            halt: Arc::clone(&halt),
                        },
                        rate_limited: 0,
                    };
                    if self.work.send_async(work).await.is_err() {
                        (fed_all, senders_alive) = (false, false);
                        return Ok(());
                    }
                    self.progress.fed(job_id);
                }
                if last_page {
                    return Ok(());
                }
            }
        }
        .await;
        if read.is_err() {
            fed_all = false;
        }
        if let Some(finished) = self.progress.feed_done(job_id, !fed_all) {
            let _ = self.finished.send(finished);
        }
        read.map(|()| senders_alive)
    }
}

/// Keeps the leases of the chunks this runner holds, so that no other
/// instance takes over a chunk that is still being sent.
async fn renew_leases(worker: Arc<Worker>, progress: Arc<Progress>) {
    let lease = lease(&worker);
    let every = (lease / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(10))
        .max(std::time::Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let until = worker.clock.now() + lease;
        for job in progress.held() {
            if let Err(error) = worker.store.renew_lease(job, worker.id(), until).await {
                tracing::warn!(error = format!("{error:#}"), job_id = %job, "renewing a fan-out chunk's lease failed");
            }
        }
    }
}

/// Finishes chunks as their last outcomes are recorded, one at a time.
async fn finish_chunks(worker: Arc<Worker>, mut finished: mpsc::UnboundedReceiver<Finished>) {
    while let Some(chunk) = finished.recv().await {
        let job_id = chunk.job.id;
        if let Err(error) = finish_chunk(&worker, chunk).await {
            tracing::error!(%job_id, error = format!("{error:#}"), "finishing a fan-out chunk failed; its lease will run out and it will run again");
        }
    }
}

async fn finish_chunk(worker: &Worker, chunk: Finished) -> anyhow::Result<()> {
    let Finished {
        job,
        incident_id,
        chunk,
        sent,
        failed,
        interrupted,
        fault,
    } = chunk;
    let now = worker.clock.now();
    if let Some(fault) = fault {
        return super::fault_report::chunk_faulted(worker, &job, incident_id, chunk, &fault).await;
    }
    let (pending, next_retry) = worker
        .store
        .family_chunk_pending(incident_id, chunk)
        .await?;
    if pending > 0 {
        // Queued messages left by an interruption are due at once; deferred
        // ones at their retry time.
        let retry_at = if interrupted {
            now
        } else {
            next_retry.unwrap_or(now).max(now)
        };
        let reason = if interrupted {
            "fan-out interrupted"
        } else {
            "deferred recipients"
        };
        worker
            .store
            .reschedule_job(job.id, worker.id(), retry_at, Some(reason), now)
            .await?;
        tracing::info!(job_id = %job.id, %incident_id, chunk, sent, failed, pending, reason, "fan-out chunk released");
        return Ok(());
    }
    worker
        .store
        .finish_job(job.id, worker.id(), JobState::Done, None, now)
        .await?;
    tracing::info!(job_id = %job.id, %incident_id, chunk, sent, failed, "fan-out chunk done");
    complete_if_finished(worker, incident_id).await
}

/// Once every message of the incident is sent or has failed for good, judges
/// each student's coverage: the families' obligation completes only when
/// every affected student is reached (or sent a letter, or excepted), and
/// failures are reported (as a count: families' addresses stay in the
/// deliveries listing, the students needing letters on the incident page).
async fn complete_if_finished(worker: &Worker, incident_id: Uuid) -> anyhow::Result<()> {
    // An index lookup per chunk; the counts below read every delivery, once.
    if worker.store.family_unsettled(incident_id).await? {
        return Ok(());
    }
    let counts = worker.store.delivery_counts(incident_id).await?;
    let count = |status: EmailStatus| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    if count(EmailStatus::Queued) + count(EmailStatus::Deferred) > 0 {
        return Ok(());
    }
    let (sent, failed) = (count(EmailStatus::Sent), count(EmailStatus::Failed));
    let now = worker.clock.now();
    let coverage = super::coverage::settle_families(
        worker.store.as_ref(),
        &worker.settings.engine,
        incident_id,
        now,
    )
    .await?;
    let letters = coverage.count(crate::domain::coverage::Coverage::LetterNeeded);
    tracing::info!(%incident_id, sent, failed, letters_needed = letters, "family fan-out finished");
    if failed > 0 {
        let failures = vec![json!({
            "kind": KIND_FAMILY_NOTICE,
            "incident_id": incident_id,
            "recipient": format!(
                "{} (the incident page lists their deliveries)",
                crate::words::count(failed.unsigned_abs(), "family", "families")
            ),
            "reply": "permanent failure",
        })];
        let report = planning::failure_report(
            format!("failure-report:family-notice:{incident_id}"),
            failures,
            Vec::new(),
            Some(incident_id),
            now,
        );
        worker.store.enqueue(&[report], now).await?;
    }
    Ok(())
}
