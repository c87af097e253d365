//! Poison jobs on the real daemon: a reminder whose template cannot render
//! fails every time, is retried with backoff up to `scheduler.max_attempts`,
//! then parks as dead with its last error; it shows in `breachd jobs list
//! --dead`, on the `/metrics` gauge, and is reported to the privacy officer
//! by email exactly once; once the cause is fixed, `breachd jobs retry`
//! brings it back and it succeeds.

mod common;

use common::config::TestConfig;
use common::daemon::breachd;
use common::pages::{get_page, sign_in};
use common::smtp::{Received, SmtpServer};
use common::{at, spawn_app_in, ADMIN, VIEWER};
use serde_json::{json, Value};
use std::time::Duration;

/// Polls the admin API's dead jobs until `done` holds, for at most 20 s.
async fn wait_for_jobs(
    app: &common::TestApp,
    what: &str,
    query: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.get(&format!("/api/v1/jobs{query}"), ADMIN).await;
        assert_eq!(status, 200, "{body}");
        let jobs = body["jobs"].as_array().cloned().unwrap_or_default();
        if done(&jobs) {
            return jobs;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs the real binary against the daemon with the admin token.
async fn cli(base: &str, args: &[&str]) -> (bool, String, String) {
    let mut command = breachd();
    command
        .args(args)
        .args(["--url", base])
        .env("BREACHD_TOKEN", ADMIN);
    let output = tokio::task::spawn_blocking(move || command.output().expect("breachd runs"))
        .await
        .expect("the CLI task does not panic");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn reports(messages: &[Received]) -> Vec<&Received> {
    messages
        .iter()
        .filter(|m| m.subject.starts_with("breachd stopped trying"))
        .collect()
}

#[tokio::test]
async fn a_poison_job_dies_is_reported_once_and_comes_back_on_retry() {
    poison_job(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_poison_job_dies_is_reported_once_and_comes_back_on_retry() {
    common::postgres::PgTestDb::run("dead_jobs", |url| poison_job(Some(url))).await;
}

/// The whole story on SQLite (`database` None) or the PostgreSQL database
/// at `database`.
async fn poison_job(database: Option<String>) {
    let smtp = SmtpServer::start();
    // A district's reminder template that fails when rendered: the handler
    // errors every time it runs.
    let templates = tempfile::tempdir().expect("a temporary folder");
    let broken = templates.path().join("reminder.txt");
    std::fs::write(
        &broken,
        "Subject: {{ obligation.title | no_such_filter }}\n\nBody\n",
    )
    .expect("the template is written");
    let mut config = TestConfig::new().smtp(&smtp.url());
    if let Some(url) = &database {
        config = config.database_url(url);
    }
    let config = config.layer(&format!(
        "[email]\ntemplates = {:?}\n[contacts]\nprivacy_officer = [\"po@district.example\"]\n[scheduler]\nmax_attempts = 2\n",
        templates.path().display().to_string()
    ));
    let dir = tempfile::tempdir().expect("a temporary folder").keep();
    let app = spawn_app_in(&dir, at("2026-04-20T12:00:00-04:00"), &config).await;
    app.file(&json!({
        "title": "Vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["grades"],
    }))
    .await;
    // The first failure is retried with backoff (at most 45 s); past the
    // retry, at the limit of two attempts, the reminders die.
    wait_for_jobs(&app, "a first failure", "", |jobs| {
        jobs.iter().any(|j| {
            j["kind"] == "reminder"
                && j["attempts"].as_i64() >= Some(1)
                && j["last_error"].is_string()
        })
    })
    .await;
    app.advance_to("2026-04-20T12:05:00-04:00");
    let dead = wait_for_jobs(&app, "a dead reminder", "?state=dead", |jobs| {
        jobs.iter().any(|j| j["kind"] == "reminder")
    })
    .await;
    let job = &dead[0];
    assert_eq!(job["state"], "dead", "{job}");
    assert_eq!(job["attempts"], 2, "{job}");
    assert_eq!(job["work"], "a reminder of a duty", "{job}");
    assert_eq!(job["incident_title"], "Vendor breach", "{job}");
    assert!(job["died_at"].is_string(), "{job}");
    assert!(
        job["last_error"]
            .as_str()
            .unwrap()
            .contains("no_such_filter"),
        "{job}"
    );
    let id = job["id"].as_str().unwrap().to_owned();

    // Administrators only.
    let (status, _) = app.get("/api/v1/jobs", VIEWER).await;
    assert_eq!(status, 403);
    let (status, body) = app.get("/api/v1/jobs?state=everything", ADMIN).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("state"), "{body}");

    // The CLI lists it in words, with the command that retries it.
    let (ok, out, err) = cli(&app.base, &["jobs", "list", "--dead"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("A reminder of a duty\n  for Vendor breach\n  stopped "),
        "{out}"
    );
    assert!(out.contains("last error: "), "{out}");
    assert!(
        out.contains(&format!("retry with: breachd jobs retry {id}")),
        "{out}"
    );
    assert!(!out.contains("reminder\n"), "no kind names: {out}");
    let (ok, out, err) = cli(&app.base, &["jobs", "list", "--dead", "--json"]).await;
    assert!(ok, "{err}");
    let listing: Value = serde_json::from_str(&out).expect("--json prints JSON");
    assert_eq!(
        listing["dead"].as_u64(),
        Some(dead.len() as u64),
        "{listing}"
    );

    // The gauge counts them now.
    let metrics = app.get_text("/metrics").await;
    assert!(metrics.contains("# HELP breachd_jobs_dead "), "{metrics}");
    assert!(
        metrics.contains(&format!("\nbreachd_jobs_dead {}\n", dead.len())),
        "{metrics}"
    );

    // The board shows it to administrators only: the work in words, the
    // incident by title with a link, when it stopped, the last error.
    let admin = sign_in(&app, ADMIN).await;
    let (status, board) = get_page(&app, &admin, "/").await;
    assert_eq!(status, 200);
    let section = board
        .split("<h2 id=\"stopped-work\">Stopped work</h2>")
        .nth(1)
        .unwrap_or_else(|| panic!("the admin's board has the section: {board}"));
    assert!(section.contains("a reminder of a duty"), "{section}");
    assert!(
        section.contains(&format!(
            "<a href=\"/incidents/{}\">Vendor breach</a>",
            job["incident_id"].as_str().unwrap()
        )),
        "{section}"
    );
    assert!(section.contains("<time datetime="), "{section}");
    assert!(section.contains("no_such_filter"), "{section}");
    assert!(!board.contains(&id), "no raw job ids on the board");
    let viewer = sign_in(&app, VIEWER).await;
    let (status, board) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 200);
    assert!(!board.contains("Stopped work"), "{board}");

    // Each death is reported once to the privacy officer, in plain words.
    let messages = smtp
        .wait_for("the reports of the dead jobs", |m| {
            reports(m).len() >= dead.len()
        })
        .await;
    let sent = reports(&messages);
    assert_eq!(sent.len(), dead.len(), "one report per dead job");
    let report = sent[0];
    assert_eq!(report.to, vec!["po@district.example".to_owned()]);
    assert!(
        report.subject.contains("a reminder of a duty"),
        "{}",
        report.subject
    );
    assert!(
        report.body.contains("Incident: Vendor breach"),
        "{}",
        report.body
    );
    assert!(report.body.contains("no_such_filter"), "{}", report.body);
    assert!(!report.body.contains(&id), "no raw ids: {}", report.body);

    // The cause fixed (the district's broken template removed) and the
    // daemon restarted, `jobs retry` brings the job back and it succeeds.
    let dir = app.stop().await;
    std::fs::remove_file(&broken).expect("the broken template is removed");
    let app = spawn_app_in(&dir, at("2026-04-20T12:05:00-04:00"), &config).await;
    let (ok, out, err) = cli(&app.base, &["jobs", "retry", &id]).await;
    assert!(ok, "{err}");
    assert!(out.contains("runs now"), "{out}");
    wait_for_jobs(
        &app,
        "the retried job gone from the dead",
        "?state=dead",
        |jobs| jobs.iter().all(|j| j["id"] != id.as_str()),
    )
    .await;
    // It ran and succeeded: the reminder reached its recipients.
    smtp.wait_for("the retried reminder", |m| {
        m.iter()
            .any(|m| !m.subject.starts_with("breachd stopped trying"))
    })
    .await;
    if database.is_none() {
        let pool =
            sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("breachd.db").display()))
                .await
                .expect("the test database opens");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (state, attempts): (String, i64) =
                sqlx::query_as("SELECT state, attempts FROM jobs WHERE id = ?")
                    .bind(&id)
                    .fetch_one(&pool)
                    .await
                    .expect("the job is still stored");
            if state == "done" {
                assert_eq!(attempts, 1, "its attempts were reset");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the retried job ran: {state}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let retried: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'job_retried' AND actor = 'admin'",
        )
        .fetch_one(&pool)
        .await
        .expect("the audit log reads");
        assert_eq!(retried, 1, "the retry is audited");
        pool.close().await;
    }
    // A retry of a job that is not dead is refused, naming nothing changed.
    let (ok, _, err) = cli(&app.base, &["jobs", "retry", &id]).await;
    assert!(!ok);
    assert!(err.contains("no such dead job"), "{err}");
    // Still one report per death: the retry and its success sent none.
    let messages = smtp.messages();
    assert_eq!(reports(&messages).len(), dead.len(), "reported once");
    app.stop().await;
}
