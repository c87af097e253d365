//! Reminder lateness (issue 3): how long after its planned instant a
//! reminder is handed to a real SMTP server.
//!
//! Boots the real daemon in-process (SQLite in a temporary folder, the
//! system clock, `email.transport = "smtp"` to postfix's `smtp-sink` started
//! here on a free loopback port, `max_connections = 8`, the default
//! escalation policy with one address per role, digests off) and measures,
//! from the database, lateness = `emails.sent_at` − `jobs.due_at` of the
//! reminders whose step is "50%":
//!
//! (a) one reminder on an idle daemon, repeated (default 30 times): each
//!     run files an incident whose families' obligation has a 48 h
//!     board-policy deadline and a board notice received 24 h − 1 s ago, so
//!     that its 50% step falls 1 s after filing. Target: p99 ≤ 250 ms.
//! (b) 10,000 reminders due at the same instant: a fresh daemon, the
//!     families' notice and the website posting both under a 48 h policy,
//!     5,000 incidents filed through the HTTP API so that their 10,000 "50%"
//!     reminder jobs share one due instant a little in the future (10,000
//!     messages: an incident's two steps fold into one message to the
//!     privacy officer and one to the director of technology). The "opened" reminders that filing sends (one per obligation,
//!     late by design) are drained before that instant; a pilot of 200
//!     incidents sizes the lead time (3× its pace, at least 60 s).
//!
//! Run (release build; about 10 minutes on 2 cores, most of it part b):
//!
//!     cargo bench --bench reminder_lateness
//!
//! Environment: `LATENESS_SINGLE_RUNS` (default 30), `LATENESS_BURST`
//! (reminder jobs due at once, default 10000; 0 skips part b),
//! `LATENESS_BURST_LEAD_SECS` (seconds from the start of filing to the due
//! instant; default sized by the pilot), `LATENESS_SQLITE_SYNCHRONOUS`
//! (`database.sqlite_synchronous`, default "full" as shipped),
//! `LATENESS_SCHEDULER_BATCH` (`scheduler.batch`, default 64 as shipped), `SMTP_SINK` (default
//! /usr/sbin/smtp-sink), `RUST_LOG` (the daemon's logs on stderr).
//!
//! Lateness includes the SMTP conversation (sent_at is taken when the
//! server's reply arrives). The bench's HTTP client and database polling
//! share the daemon's runtime and machine.

use breachd::app::Application;
use breachd::auth::token_sha256;
use breachd::settings::Settings;
use chrono::{DateTime, Duration as Span, DurationRound, Utc};
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const TOKEN: &str = "bench-admin-token";

/// One reminder message: (job id, the job's due_at, the message's sent_at,
/// its status).
type Sent = (String, DateTime<Utc>, Option<DateTime<Utc>>, String);
const FILERS: usize = 8;
const PILOT: usize = 200;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free loopback port")
        .local_addr()
        .expect("its address")
        .port()
}

/// postfix's smtp-sink on a free loopback port, killed on drop.
struct Sink {
    port: u16,
    child: Child,
}

impl Sink {
    fn start() -> Self {
        let program =
            std::env::var("SMTP_SINK").unwrap_or_else(|_| "/usr/sbin/smtp-sink".to_owned());
        let port = free_port();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let mut command = Command::new(&program);
        if root {
            command.args(["-u", "nobody"]);
        }
        let child = command
            .arg(format!("127.0.0.1:{port}"))
            .arg("1024")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} runs (apt-get install postfix): {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "smtp-sink did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Sink { port, child }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Daemon {
    base: String,
    client: reqwest::Client,
    db: SqlitePool,
    dir: PathBuf,
    shutdown: CancellationToken,
    handle: JoinHandle<anyhow::Result<()>>,
}

fn config(dir: &Path, smtp_port: u16, overlay_kinds: &[&str]) -> String {
    let mut text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
request_timeout = "300s"
[database]
url = "sqlite://{db}"
sqlite_synchronous = "{synchronous}"
[audit]
key_file = "{audit_key}"
anchor_file = "{audit_head}"
[email]
transport = "smtp"
url = "smtp://127.0.0.1:{smtp_port}"
max_connections = 8
dir = "{outbox}"
[publish]
dir = "{site}"
[digest]
cron = ""
[scheduler]
batch = {batch}
[contacts]
privacy_officer = ["privacy@bench.example"]
director_of_technology = ["cto@bench.example"]
superintendent = ["super@bench.example"]
board = ["board-chair@bench.example"]
[[auth.tokens]]
name = "bench"
role = "admin"
sha256 = "{sha}"
"#,
        db = dir.join("breachd.db").display(),
        audit_key = dir.join("audit-key").display(),
        audit_head = dir.join("audit-head").display(),
        outbox = dir.join("outbox").display(),
        site = dir.join("site").display(),
        sha = hex::encode(token_sha256(TOKEN)),
        // The shipped default; "normal" shows what the commits' fsyncs cost.
        synchronous =
            std::env::var("LATENESS_SQLITE_SYNCHRONOUS").unwrap_or_else(|_| "full".into()),
        // The shipped default unless asked otherwise.
        batch = env_usize("LATENESS_SCHEDULER_BATCH", 64),
    );
    for kind in overlay_kinds {
        text.push_str(&format!(
            "[[district.policy]]\nkind = \"{kind}\"\nwithin = \"48h\"\nclock = \"board_notified\"\ncitation = \"Board policy (bench)\"\n"
        ));
    }
    text
}

impl Daemon {
    async fn start(smtp_port: u16, overlay_kinds: &[&str]) -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_writer(std::io::stderr)
                .try_init();
        }
        let dir = tempfile::tempdir().expect("a temporary folder").keep();
        let settings = Settings::from_toml_layers(&[&config(&dir, smtp_port, overlay_kinds)])
            .unwrap_or_else(|e| panic!("the bench configuration is valid: {e:?}"));
        let app = Application::build(settings)
            .await
            .expect("the daemon builds");
        let base = format!("http://{}", app.address());
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        let options = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.join("breachd.db").display()
        ))
        .expect("a database URL")
        .read_only(true)
        .busy_timeout(Duration::from_secs(10));
        let db = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .expect("the bench reads the daemon's database");
        Daemon {
            base,
            client: reqwest::Client::new(),
            db,
            dir,
            shutdown,
            handle,
        }
    }

    async fn stop(self) {
        self.db.close().await;
        self.shutdown.cancel();
        self.handle
            .await
            .expect("the daemon task does not panic")
            .expect("the daemon stops cleanly");
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Files an incident whose board notice arrived at `board_notified`;
    /// returns its id.
    async fn file(&self, title: &str, board_notified: DateTime<Utc>) -> String {
        file(&self.client, &self.base, title, board_notified).await
    }

    /// Reminder jobs not yet run whose due time is before `before`.
    async fn scheduled_before(&self, before: DateTime<Utc>) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state = 'scheduled' AND kind = 'reminder' AND due_at < ?",
        )
        .bind(before)
        .fetch_one(&self.db)
        .await
        .expect("counting jobs")
    }

    /// (job id, due_at, sent_at or None, status) of every "50%" reminder
    /// message whose job is due within [from, to].
    async fn half_way_messages(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Sent> {
        let rows = sqlx::query(
            "SELECT j.id AS job_id, j.due_at AS due_at, e.sent_at AS sent_at, e.status AS status
             FROM jobs j JOIN emails e ON e.job_id = j.id
             WHERE j.kind = 'reminder' AND json_extract(j.payload, '$.label') = '50%'
               AND j.due_at >= ? AND j.due_at <= ?",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.db)
        .await
        .expect("reading reminder messages");
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("job_id"),
                    r.get::<DateTime<Utc>, _>("due_at"),
                    r.get::<Option<DateTime<Utc>>, _>("sent_at"),
                    r.get::<String, _>("status"),
                )
            })
            .collect()
    }

    /// The "50%" reminder messages of one incident.
    async fn half_way_messages_of(&self, incident_id: &str) -> Vec<Sent> {
        let rows = sqlx::query(
            "SELECT j.id AS job_id, j.due_at AS due_at, e.sent_at AS sent_at, e.status AS status
             FROM jobs j JOIN emails e ON e.job_id = j.id
             WHERE j.kind = 'reminder' AND json_extract(j.payload, '$.label') = '50%'
               AND j.incident_id = ?",
        )
        .bind(incident_id)
        .fetch_all(&self.db)
        .await
        .expect("reading reminder messages");
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("job_id"),
                    r.get::<DateTime<Utc>, _>("due_at"),
                    r.get::<Option<DateTime<Utc>>, _>("sent_at"),
                    r.get::<String, _>("status"),
                )
            })
            .collect()
    }

    async fn half_way_jobs(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(String, String)> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM jobs
             WHERE kind = 'reminder' AND json_extract(payload, '$.label') = '50%'
               AND due_at >= ? AND due_at <= ? GROUP BY state",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.db)
        .await
        .expect("reading reminder jobs");
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("state"),
                    r.get::<i64, _>("n").to_string(),
                )
            })
            .collect()
    }
}

async fn file(
    client: &reqwest::Client,
    base: &str,
    title: &str,
    board_notified: DateTime<Utc>,
) -> String {
    let body = json!({
        "title": title,
        "contractor": "Bench Vendor Inc.",
        "discovered_at": (board_notified - Span::hours(2)).to_rfc3339(),
        "board_notified_at": board_notified.to_rfc3339(),
        "data_elements": ["student_name", "grades"],
    });
    let response = client
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("filing request sent");
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(status.as_u16(), 201, "filing failed: {answer}");
    answer["id"].as_str().expect("an incident id").to_owned()
}

/// Files `titles.len()` incidents with `FILERS` concurrent clients.
async fn file_many(daemon: &Daemon, prefix: &str, count: usize, board_notified: DateTime<Utc>) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..FILERS {
        let (client, base, next, prefix) = (
            daemon.client.clone(),
            daemon.base.clone(),
            Arc::clone(&next),
            prefix.to_owned(),
        );
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    break;
                }
                file(&client, &base, &format!("{prefix} {n:05}"), board_notified).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a filing task does not panic");
    }
}

/// Waits until no reminder due before `before` is left to run.
async fn drain_before(daemon: &Daemon, before: DateTime<Utc>, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if daemon.scheduled_before(before).await == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn ms(span: Span) -> f64 {
    span.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Stats {
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats(mut values: Vec<f64>) -> Stats {
    values.sort_by(f64::total_cmp);
    Stats {
        n: values.len(),
        p50: percentile(&values, 50.0),
        p99: percentile(&values, 99.0),
        max: values.last().copied().unwrap_or(f64::NAN),
    }
}

/// Lateness per message and per job (a job's lateness is its last message's).
fn lateness(messages: &[Sent]) -> (Vec<f64>, Vec<f64>) {
    let per_message: Vec<f64> = messages
        .iter()
        .filter_map(|(_, due, sent, _)| sent.map(|s| ms(s - *due)))
        .collect();
    let mut per_job: std::collections::BTreeMap<&str, f64> = Default::default();
    for (job, due, sent, _) in messages {
        if let Some(sent) = sent {
            let late = ms(*sent - *due);
            let entry = per_job.entry(job.as_str()).or_insert(f64::MIN);
            *entry = entry.max(late);
        }
    }
    (per_message, per_job.into_values().collect())
}

async fn single(runs: usize) -> (Stats, Stats) {
    let sink = Sink::start();
    let daemon = Daemon::start(sink.port, &["board_notifies_families"]).await;
    println!("(a) one reminder on an idle daemon, {runs} runs");
    let mut messages = Vec::new();
    for run in 0..runs {
        let due = Utc::now() + Span::seconds(1);
        let id = daemon
            .file(&format!("Idle reminder {run:02}"), due - Span::hours(24))
            .await;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mine = loop {
            let rows = daemon.half_way_messages_of(&id).await;
            if rows.len() >= 2 && rows.iter().all(|r| r.2.is_some()) {
                let planned = rows[0].1;
                assert!(
                    (planned - due).abs() < Span::milliseconds(5),
                    "run {run}: the 50% step was planned at {planned}, not {due}"
                );
                break rows;
            }
            assert!(
                Instant::now() < deadline,
                "run {run}: the 50% reminder of {id} was not sent within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (_, job_late) = lateness(&mine);
        println!("    run {run:>2}: {:>8.1} ms", job_late[0]);
        messages.extend(mine);
        // Let the daemon go idle again.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    daemon.stop().await;
    drop(sink);
    let (per_message, per_job) = lateness(&messages);
    (stats(per_message), stats(per_job))
}

struct Burst {
    incidents: usize,
    lead: f64,
    filing_secs: f64,
    filing_rate: f64,
    slack: f64,
    jobs: Vec<(String, String)>,
    messages: Stats,
    jobs_late: Stats,
    last_sent_after_due: f64,
    message_rate: f64,
    job_rate: f64,
    not_sent: usize,
}

async fn burst(reminders: usize) -> Burst {
    let incidents = reminders.div_ceil(2);
    let sink = Sink::start();
    let daemon = Daemon::start(
        sink.port,
        &["board_notifies_families", "board_posts_website_notice"],
    )
    .await;
    println!(
        "(b) {reminders} reminders due at one instant ({incidents} incidents × 2 obligations)"
    );

    // Pilot: filing rate including the "opened" reminders filing sends.
    let far = Utc::now() + Span::hours(6);
    let started = Instant::now();
    file_many(&daemon, "Pilot", PILOT, far - Span::hours(24)).await;
    assert!(
        drain_before(&daemon, far - Span::hours(1), Duration::from_secs(300)).await,
        "the pilot's opened reminders were not sent within 5 minutes"
    );
    let pilot_secs = started.elapsed().as_secs_f64();
    let lead = std::env::var("LATENESS_BURST_LEAD_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| {
            // Generous: the machine may be shared, and a late drain spoils
            // the run (it is reported below).
            (3.0 * pilot_secs * incidents as f64 / PILOT as f64 + 15.0).max(60.0)
        });
    println!(
        "    pilot: {PILOT} incidents filed and their opened reminders sent in {pilot_secs:.1} s; lead time {lead:.0} s"
    );

    let due = (Utc::now() + Span::milliseconds((lead * 1000.0) as i64))
        .duration_trunc(Span::seconds(1))
        .expect("truncating to the second");
    let started = Instant::now();
    file_many(&daemon, "Burst", incidents, due - Span::hours(24)).await;
    let filing_secs = started.elapsed().as_secs_f64();
    println!(
        "    filed {incidents} incidents in {filing_secs:.1} s ({:.0}/s)",
        incidents as f64 / filing_secs
    );
    let quiet = drain_before(&daemon, due, Duration::from_secs(3600)).await;
    let slack = ms(due - Utc::now()) / 1000.0;
    if !quiet || slack < 0.0 {
        println!("    WARNING: the opened reminders were still being sent at the due instant (slack {slack:.1} s); rerun with a larger LATENESS_BURST_LEAD_SECS");
    } else {
        println!("    opened reminders drained {slack:.1} s before the due instant {due}");
    }

    let window = (due - Span::seconds(1), due + Span::seconds(1));
    let deadline = Instant::now() + Duration::from_secs(3600);
    let mut last_report = Instant::now();
    loop {
        // Cheap counts while the burst runs; the rows are read once at the
        // end. Done once no job of the burst is left to run and every
        // message it planned is final: the steps of an incident due at
        // once are folded into one message per person, so the number of
        // messages is the daemon's to decide, not this bench's.
        let (finished, unfinished, jobs_left): (i64, i64, i64) = sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM emails WHERE kind = 'reminder' AND status IN ('sent', 'failed')
                  AND job_id IN (SELECT id FROM jobs WHERE kind = 'reminder' AND due_at >= ?1 AND due_at <= ?2)),
               (SELECT COUNT(*) FROM emails WHERE kind = 'reminder' AND status NOT IN ('sent', 'failed')
                  AND job_id IN (SELECT id FROM jobs WHERE kind = 'reminder' AND due_at >= ?1 AND due_at <= ?2)),
               (SELECT COUNT(*) FROM jobs WHERE kind = 'reminder' AND state = 'scheduled'
                  AND due_at >= ?1 AND due_at <= ?2)",
        )
        .bind(window.0)
        .bind(window.1)
        .fetch_one(&daemon.db)
        .await
        .expect("counting sent reminders");
        if Utc::now() > due && finished > 0 && unfinished == 0 && jobs_left == 0 {
            break;
        }
        if Instant::now() > deadline {
            println!("    WARNING: only {finished} messages finished within an hour ({unfinished} not, {jobs_left} jobs left)");
            break;
        }
        if Utc::now() > due && last_report.elapsed() > Duration::from_secs(10) {
            println!("    … {finished} messages sent, {jobs_left} jobs left");
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let messages = daemon.half_way_messages(window.0, window.1).await;
    let jobs = daemon.half_way_jobs(window.0, window.1).await;
    daemon.stop().await;
    drop(sink);

    let not_sent = messages.iter().filter(|r| r.2.is_none()).count();
    let last = messages
        .iter()
        .filter_map(|r| r.2)
        .max()
        .map(|at| ms(at - due) / 1000.0)
        .unwrap_or(f64::NAN);
    let (per_message, per_job) = lateness(&messages);
    let message_rate = per_message.len() as f64 / last;
    let job_rate = per_job.len() as f64 / last;
    Burst {
        incidents,
        lead,
        filing_secs,
        filing_rate: incidents as f64 / filing_secs,
        slack,
        jobs,
        messages: stats(per_message),
        jobs_late: stats(per_job),
        last_sent_after_due: last,
        message_rate,
        job_rate,
        not_sent,
    }
}

fn row(label: &str, s: &Stats, target: &str) {
    println!(
        "| {label:<48} | {:>6} | {:>10.1} | {:>10.1} | {:>10.1} | {target:<12} |",
        s.n, s.p50, s.p99, s.max
    );
}

async fn run() {
    let runs = env_usize("LATENESS_SINGLE_RUNS", 30);
    let reminders = env_usize("LATENESS_BURST", 10_000);
    let single = if runs > 0 {
        Some(single(runs).await)
    } else {
        None
    };
    let burst = if reminders > 0 {
        Some(burst(reminders).await)
    } else {
        None
    };

    println!();
    println!("Reminder lateness = emails.sent_at − jobs.due_at (SMTP reply received), ms");
    println!(
        "| {:<48} | {:>6} | {:>10} | {:>10} | {:>10} | {:<12} |",
        "case", "n", "p50", "p99", "max", "target"
    );
    println!(
        "|{:-<50}|{:->8}|{:->12}|{:->12}|{:->12}|{:-<14}|",
        "", "", "", "", "", ""
    );
    if let Some((_, per_job)) = &single {
        let verdict = if per_job.p99 <= 250.0 {
            "p99 ≤ 250 ✓"
        } else {
            "p99 ≤ 250 ✗"
        };
        row("(a) single reminder, idle (per reminder)", per_job, verdict);
    }
    if let Some(b) = &burst {
        let n = b.jobs_late.n;
        // Opened reminders still queued at the due instant delay the burst.
        let verdict = if b.slack < 0.0 { "SPOILED" } else { "report" };
        row(
            &format!("(b) {n} due at once: per reminder job"),
            &b.jobs_late,
            verdict,
        );
        row(
            &format!("(b) {n} due at once: per message"),
            &b.messages,
            verdict,
        );
    }
    if let Some(b) = &burst {
        println!();
        println!(
            "(b) {} incidents filed in {:.1} s ({:.0}/s over HTTP, 8 clients); lead {:.0} s, slack before due {:.1} s",
            b.incidents, b.filing_secs, b.filing_rate, b.lead, b.slack
        );
        println!(
            "    last message sent {:.1} s after the due instant: {:.0} messages/s, {:.0} reminder jobs/s; {} message(s) not sent; 50% jobs by state: {:?}",
            b.last_sent_after_due, b.message_rate, b.job_rate, b.not_sent, b.jobs
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "(machine: {} CPUs, load average {})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}
