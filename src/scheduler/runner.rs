//! The scheduler loop: runs due jobs, then sleeps until the next job is due,
//! waking early when a nearer job is planned (no polling tick). It stops on
//! the cancellation token between batches, so in-flight sends finish.
//!
//! Family-notice chunks are not run in the batches: when one is due and no
//! fan-out runs, the loop starts the fan-out runner (`jobs::fanout`) on
//! its own task, which works through the due chunks while reminders keep
//! going out here. The loop waits for it at shutdown.

use super::planning;
use super::worker::Worker;
use crate::store::JobKinds;
use crate::wake::Wake;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub struct Scheduler {
    pub worker: Arc<Worker>,
    pub wake: Wake,
}

impl Scheduler {
    /// Plans what may be missing (reminders of open obligations, the next
    /// digest): idempotent, so a restart adds nothing that exists.
    pub async fn reconcile(&self) -> anyhow::Result<()> {
        let now = self.worker.clock.now();
        let obligations = self.worker.store.unsettled_obligations().await?;
        let mut jobs = planning::reminder_jobs(&obligations, &self.worker.settings.escalation, now);
        if let Some(schedule) = &self.worker.settings.digest_schedule {
            if let Some(next) = schedule.next_after(now) {
                jobs.push(planning::digest_job(schedule.expression(), next));
            }
        }
        // Today's look at the registry, in case the daemon was down at
        // midnight (once a day: the key is the date).
        let today = crate::rules::deadline::local_date(now, self.worker.settings.timezone);
        jobs.push(planning::agreements_daily_job(
            today,
            self.worker.settings.timezone,
        ));
        let added = self.worker.store.enqueue(&jobs, now).await?;
        tracing::info!(
            obligations = obligations.len(),
            jobs_added = added,
            "scheduler reconciled"
        );
        Ok(())
    }

    pub async fn run(self, shutdown: CancellationToken) {
        // Staff email's senders, shared by every job of every batch.
        let lane = super::jobs::fanout::staff::StaffLane::start(&self.worker, &shutdown);
        if self.worker.staff.set(lane).is_err() {
            tracing::warn!("the staff email lane was started already");
        }
        if let Err(error) = self.reconcile().await {
            tracing::error!(
                error = format!("{error:#}"),
                "reconciling the schedule failed"
            );
        }
        let mut failures = 0u32;
        let mut fanout: Option<tokio::task::JoinHandle<()>> = None;
        // Under systemd with WatchdogSec, the loop itself proves it is alive:
        // it pings every iteration and never sleeps past half the interval.
        let mut watchdog_usec = 0u64;
        let watchdog = sd_notify::watchdog_enabled(false, &mut watchdog_usec)
            .then(|| Duration::from_micros(watchdog_usec / 2));
        while !shutdown.is_cancelled() {
            if watchdog.is_some() {
                let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            }
            let ran = self.run_due_renewing().await;
            if fanout.as_ref().is_none_or(|runner| runner.is_finished()) {
                fanout = self.start_fanout(&shutdown).await;
            }
            match ran {
                Ok(0) => failures = 0,
                Ok(_) => {
                    failures = 0;
                    continue;
                }
                Err(error) => {
                    failures += 1;
                    tracing::error!(error = format!("{error:#}"), "running due jobs failed");
                }
            }
            // While a runner works through the fan-out, its chunks are not
            // this loop's to wait for (the runner wakes it when it ends).
            let kinds = if fanout.as_ref().is_none_or(|runner| runner.is_finished()) {
                JobKinds::All
            } else {
                JobKinds::NotFanOut
            };
            let sleep = if failures > 0 {
                Some(Duration::from_millis(500 * u64::from(failures.min(20))))
            } else {
                match self.worker.store.next_job_at_where(kinds).await {
                    Ok(Some(next)) => Some(
                        (next - self.worker.clock.now())
                            .to_std()
                            .unwrap_or(Duration::ZERO),
                    ),
                    Ok(None) => None,
                    Err(error) => {
                        tracing::error!(
                            error = format!("{error:#}"),
                            "reading the next job failed"
                        );
                        Some(Duration::from_secs(1))
                    }
                }
            };
            let sleep = match (sleep, watchdog) {
                (Some(sleep), Some(half)) => Some(sleep.min(half)),
                (None, Some(half)) => Some(half),
                (sleep, None) => sleep,
            };
            self.wake.went_idle();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.woken() => {}
                _ = sleep_for(sleep) => {}
            }
        }
        if let Some(runner) = fanout {
            // It stops feeding on the same token; its messages in flight
            // end and are recorded.
            let _ = runner.await;
        }
        if let Some(lane) = self.worker.staff.get() {
            // The staff messages in flight end and are recorded too.
            lane.ended().await;
        }
        tracing::info!("scheduler stopped");
    }

    /// Starts the fan-out runner on a due chunk, if there is one.
    async fn start_fanout(
        &self,
        shutdown: &CancellationToken,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if shutdown.is_cancelled() {
            return None;
        }
        match super::jobs::fanout::claim(&self.worker).await {
            Ok(Some(job)) => Some(tokio::spawn(tracing::Instrument::instrument(
                super::jobs::fanout::run(
                    Arc::clone(&self.worker),
                    job,
                    shutdown.clone(),
                    self.wake.clone(),
                ),
                tracing::Span::current(),
            ))),
            Ok(None) => None,
            Err(error) => {
                tracing::error!(
                    error = format!("{error:#}"),
                    "claiming a fan-out chunk failed"
                );
                None
            }
        }
    }

    /// Runs a batch of due jobs while renewing this instance's leases every
    /// third of the lease, so that another instance never takes over a job
    /// (a long digest, say) that is still running here. The fan-out runner
    /// renews the chunks it holds itself.
    async fn run_due_renewing(&self) -> anyhow::Result<usize> {
        let lease = self.worker.settings.scheduler.lease;
        let run = self.worker.run_due();
        tokio::pin!(run);
        let every = (lease / 3).max(Duration::from_millis(100));
        let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                ran = &mut run => return ran,
                _ = renew.tick() => {
                    let now = self.worker.clock.now();
                    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30));
                    if let Err(error) = self.worker.store.renew_leases(self.worker.id(), now, until).await {
                        tracing::warn!(error = format!("{error:#}"), "renewing leases failed");
                    }
                }
            }
        }
    }
}

async fn sleep_for(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}
