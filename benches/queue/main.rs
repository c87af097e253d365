//! Queue throughput of breachd's PostgreSQL store: no-op jobs claimed and
//! completed per second by K concurrent claim/finish loops, each claiming
//! the way the scheduler does (`claim_jobs` with FOR UPDATE SKIP LOCKED and a
//! lease, then each job ended through the worker's completion queue, which
//! commits the completions of the moment in one transaction). benches/queue/run.sh runs it next to
//! graphile-worker on the same server with the same concurrency and prints
//! the ratio; see the README's Performance section.
//!
//! `cargo bench --bench queue -- --url URL --jobs N --concurrency K
//! [--batch B] [--unaudited]` prints one JSON line. Every job finished as
//! done appends to the audit chain, as in the daemon; `--unaudited`
//! finishes them as skipped instead, to show the queue's own cost. The database should be empty (it is
//! migrated here); run.sh creates a fresh one.

use breachd::clock::SystemClock;
use breachd::scheduler::completions::Completions;
use breachd::store::postgres::PgStore;
use breachd::store::{JobEnd, JobState, NewJob, Store};
use chrono::{Duration, Utc};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

struct Options {
    url: String,
    jobs: usize,
    concurrency: usize,
    batch: i64,
    /// Finish jobs as skipped, which the store does not audit: the queue's
    /// own cost, without the audit-chain append every done job makes.
    unaudited: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        url: std::env::var("DATABASE_URL").unwrap_or_default(),
        jobs: 20_000,
        concurrency: 8,
        batch: 1,
        unaudited: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--url" => options.url = value("--url")?,
            "--jobs" => {
                options.jobs = value("--jobs")?
                    .parse()
                    .map_err(|e| format!("--jobs: {e}"))?
            }
            "--concurrency" => {
                options.concurrency = value("--concurrency")?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--batch" => {
                options.batch = value("--batch")?
                    .parse()
                    .map_err(|e| format!("--batch: {e}"))?
            }
            "--unaudited" => options.unaudited = true,
            // cargo bench adds --bench; anything else is a mistake.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if options.url.is_empty() {
        return Err("give --url postgres://... (or DATABASE_URL)".into());
    }
    Ok(options)
}

#[tokio::main]
async fn main() {
    // `cargo test --all-targets` runs bench targets without --bench: there
    // is no server to measure then, so do nothing.
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("queue benchmark: run it with `cargo bench --bench queue -- --url ...` or benches/queue/run.sh");
        return;
    }
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("queue benchmark: {message}");
            std::process::exit(2);
        }
    };
    let store = Arc::new(
        PgStore::connect(&options.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", options.url)),
    );
    store
        .migrate()
        .await
        .expect("the benchmark database migrates");

    // Plan the jobs (not timed), all due now.
    let now = Utc::now();
    let run = Uuid::new_v4().simple().to_string();
    let jobs: Vec<NewJob> = (0..options.jobs)
        .map(|n| NewJob {
            id: Uuid::now_v7(),
            // No-op jobs: the benchmark measures the queue, not a handler.
            kind: breachd::store::JobKind::Unknown,
            key: format!("bench:{run}:{n}"),
            payload: serde_json::json!({}),
            due_at: now,
            state: JobState::Scheduled,
            incident_id: None,
            obligation_id: None,
            obligation_due: None,
            step_order: None,
            late: false,
        })
        .collect();
    for chunk in jobs.chunks(5000) {
        store
            .enqueue(chunk, chrono::Utc::now())
            .await
            .expect("enqueueing works");
    }

    let started = Instant::now();
    let mut loops = Vec::new();
    let store: Arc<dyn Store> = store;
    for k in 0..options.concurrency {
        let store = Arc::clone(&store);
        let batch = options.batch;
        let state = if options.unaudited {
            JobState::Skipped
        } else {
            JobState::Done
        };
        loops.push(tokio::spawn(async move {
            // Each loop stands for an instance: its own worker id and its
            // own completion queue, as the scheduler's worker has.
            let completions = Completions::new(Arc::clone(&store), Arc::new(SystemClock));
            let worker = format!("bench-{k}");
            let mut done = 0usize;
            loop {
                let now = Utc::now();
                let claimed = store
                    .claim_jobs(now, now + Duration::seconds(30), &worker, batch)
                    .await
                    .expect("claiming works");
                if claimed.is_empty() {
                    return done;
                }
                // The no-op jobs of the batch run side by side, as the
                // scheduler runs a batch's jobs, and each ends as the
                // worker ends it: through the completion queue, which
                // commits the completions of the moment together.
                let finishing = claimed.iter().map(|job| {
                    completions.finish(JobEnd {
                        id: job.id,
                        worker: worker.clone(),
                        state,
                        error: None,
                    })
                });
                for finished in futures_util::future::join_all(finishing).await {
                    let finished = finished.expect("finishing works");
                    assert!(finished, "a claimed job is finished by its holder");
                    done += 1;
                }
            }
        }));
    }
    let mut done = 0;
    for handle in loops {
        done += handle.await.expect("a claim loop does not panic");
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(done, options.jobs, "every job ran exactly once");
    println!(
        "{}",
        serde_json::json!({
            "system": "breachd",
            "jobs": done,
            "concurrency": options.concurrency,
            "batch": options.batch,
            "audited": !options.unaudited,
            "seconds": seconds,
            "jobs_per_second": done as f64 / seconds,
        })
    );
}
