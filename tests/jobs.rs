//! A job whose handler fails is retried with backoff and, past
//! `scheduler.max_attempts`, parked as dead with its last error, instead
//! of being retried at every lease expiry forever.

mod common;

use common::config::TestConfig;
use common::spawn_app_with;
use serde_json::json;
use std::time::Duration;

async fn reminder_job(app: &common::TestApp) -> (String, i64, Option<String>) {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .expect("the test database opens");
    let row: (String, i64, Option<String>) = sqlx::query_as(
        "SELECT state, attempts, last_error FROM jobs WHERE kind = 'reminder'
           AND (last_error IS NULL OR last_error NOT LIKE 'sent in the message of%')
         ORDER BY due_at, attempts DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .expect("a reminder job was planned");
    pool.close().await;
    row
}

/// Polls until the first reminder job satisfies `done` (not one folded
/// into another's messages), for at most 20 s.
async fn wait_for_job(
    app: &common::TestApp,
    what: &str,
    done: impl Fn(&(String, i64, Option<String>)) -> bool,
) -> (String, i64, Option<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let job = reminder_job(app).await;
        if done(&job) {
            return job;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_retried_with_backoff_then_parked() {
    // A district's reminder template that fails when rendered: the handler
    // errors every time it runs.
    let templates = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        templates.path().join("reminder.txt"),
        "Subject: {{ obligation.title | no_such_filter }}\n\nBody\n",
    )
    .expect("the template is written");
    let config = TestConfig::new().layer(&format!(
        "[email]\ntemplates = {:?}\n[contacts]\nprivacy_officer = [\"po@district.example\"]\n[scheduler]\nmax_attempts = 2\n",
        templates.path().display().to_string()
    ));
    let app = spawn_app_with("2026-04-20T12:00:00-04:00", &config).await;
    app.file(&json!({
        "title": "Vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["grades"],
    }))
    .await;
    // The first failure: still scheduled, for later, with the error kept.
    let first = wait_for_job(&app, "the first failure", |(_, attempts, error)| {
        *attempts >= 1 && error.is_some()
    })
    .await;
    assert_eq!(first.0, "scheduled", "{first:?}");
    assert!(
        first.2.as_deref().unwrap().contains("no_such_filter"),
        "{first:?}"
    );
    // After its backoff (at most 45 s for the first retry), it fails again
    // and, at the limit, is parked.
    app.advance_to("2026-04-20T12:05:00-04:00");
    let parked = wait_for_job(&app, "the job parked", |(state, _, _)| state == "dead").await;
    assert_eq!(parked.1, 2, "{parked:?}");
    let metrics = app.get_text("/metrics").await;
    assert!(metrics.contains("breachd_jobs_parked_total"), "{metrics}");
    app.stop().await;
}
