//! Several instances against one PostgreSQL database, as a district runs
//! breachd for availability: two real `breachd serve` processes share a
//! 5,000-guardian family-notice fan-out sent to a real SMTP server
//! (aiosmtpd).
//!
//! - Both healthy: every guardian gets exactly one message, both instances
//!   take part (the second learns of the work only through LISTEN/NOTIFY:
//!   its scheduler sleeps with nothing planned), the website notice is
//!   published once, and each delivery record names the instance that sent
//!   it.
//! - One killed with SIGKILL mid-fan-out: the survivor takes the dead
//!   instance's chunk over once its lease runs out and finishes; nobody is
//!   lost, and the only duplicates are the dead instance's messages in
//!   flight (at most its `email.max_connections`).
//!
//! Each scenario gets a fresh database from `TEST_DATABASE_URL`; without it
//! the test prints a loud SKIPPED line and returns (it fails instead under
//! `BREACHD_REQUIRE_POSTGRES=1`, as in CI).

mod common;

use common::fan_out::{is_family, per_address, FanOut};
use common::instances::{start_instance, CONNECTIONS, READY_WITHIN, TOKEN};
use common::postgres::PgTestDb;
use common::smtp::SmtpServer;
use std::collections::BTreeMap;
use std::io::Write;
use std::time::{Duration, Instant};

const GUARDIANS: usize = 5000;
/// How long the deliveries listing may lag behind the SMTP server.
const SENT_WITHIN: Duration = Duration::from_secs(20);

// ------------------------------------------------------------ the work

/// Send attempts recorded per instance.
async fn attempts_by_instance(db: &sqlx::PgPool) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT COALESCE(worker, ''), COUNT(*) FROM email_attempts a JOIN emails e ON e.id = a.email_id
         WHERE e.kind = 'family-notice' GROUP BY worker",
    )
    .fetch_all(db)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// One scenario at a time: each runs two daemons and an SMTP server, and on
/// two cores two scenarios at once would only slow each other down.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn with_database<F, Fut>(name: &str, test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let _turn = SERIAL.lock().await;
    PgTestDb::run(name, test).await;
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_a_fan_out_with_no_duplicates() {
    with_database("two_instances_share_a_fan_out_with_no_duplicates", |url| async move {
        let smtp = SmtpServer::start();
        let dir = tempfile::tempdir().unwrap();
        let fan_out = FanOut::new(TOKEN, GUARDIANS);
        let a = start_instance(dir.path(), "instance-a", &url, &smtp);
        a.wait_ready(READY_WITHIN).await;
        let b = start_instance(dir.path(), "instance-b", &url, &smtp);
        b.wait_ready(READY_WITHIN).await;

        let started = Instant::now();
        // Approved through b: a hears of the chunks only by NOTIFY.
        let id = fan_out.start(&a, &b).await;
        let counts = fan_out.wait_all_delivered(&smtp, Duration::from_secs(240)).await;
        let elapsed = started.elapsed();
        assert_eq!(counts.len(), GUARDIANS, "every guardian got the notice");
        let duplicates: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(duplicates.is_empty(), "duplicates with both instances healthy: {duplicates:?}");
        assert_eq!(fan_out.sent_count(&a, &id, SENT_WITHIN).await, GUARDIANS as u64);
        let _ = writeln!(
            std::io::stderr(),
            "two instances: {GUARDIANS} family notices in {:.1} s ({:.0} messages/s, filing and import included)",
            elapsed.as_secs_f64(),
            GUARDIANS as f64 / elapsed.as_secs_f64()
        );

        let db = sqlx::PgPool::connect(&url).await.unwrap();
        let by_instance = attempts_by_instance(&db).await;
        assert_eq!(by_instance.values().sum::<i64>(), GUARDIANS as i64, "{by_instance:?}");
        for instance in ["instance-a", "instance-b"] {
            assert!(
                by_instance.get(instance).copied().unwrap_or(0) > 0,
                "{instance} took part in the fan-out: {by_instance:?}"
            );
        }
        // Every chunk ran once; the website notice was published once.
        let (chunks, done, max_attempts): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE state = 'done'), COALESCE(MAX(attempts), 0)
             FROM jobs WHERE kind = 'family_notice'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!((chunks, done), (20, 20));
        assert_eq!(max_attempts, 1, "no chunk was taken over while its instance lived");
        let publish: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, attempts FROM jobs WHERE kind = 'publish'")
                .fetch_all(&db)
                .await
                .unwrap();
        assert_eq!(publish, [("done".to_owned(), 1)]);
        // Each instance's logs name it.
        assert!(a.logs().contains("instance-a"));
        assert!(b.logs().contains("instance-b"));
        db.close().await;
        drop((a, b));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_s_chunk_is_taken_over_and_nobody_is_lost() {
    with_database("a_killed_instance_s_chunk_is_taken_over_and_nobody_is_lost", |url| async move {
        // A little slower per message, so that the kill lands mid-fan-out.
        let smtp = SmtpServer::start_with(&["--delay-ms", "2", "--pipelining"]);
        let dir = tempfile::tempdir().unwrap();
        let fan_out = FanOut::new(TOKEN, GUARDIANS);
        let a = start_instance(dir.path(), "instance-a", &url, &smtp);
        a.wait_ready(READY_WITHIN).await;
        let mut b = start_instance(dir.path(), "instance-b", &url, &smtp);
        b.wait_ready(READY_WITHIN).await;
        let db = sqlx::PgPool::connect(&url).await.unwrap();

        let id = fan_out.start(&a, &a).await;
        // Kill b while it holds a chunk, once part of the fan-out is out.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let received = smtp.messages().iter().filter(|m| is_family(m)).count();
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'family_notice' AND state = 'scheduled'
                   AND locked_by = 'instance-b' AND locked_until > now()",
            )
            .fetch_one(&db)
            .await
            .unwrap();
            if received >= GUARDIANS / 5 && held > 0 {
                break;
            }
            assert!(
                received < GUARDIANS * 9 / 10 && Instant::now() < deadline,
                "no moment found to kill instance-b mid-chunk ({received} received)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        b.kill_9();
        let at_kill = per_address(&smtp).len();
        assert!(at_kill < GUARDIANS, "the kill came before the end ({at_kill})");

        let counts = fan_out.wait_all_delivered(&smtp, Duration::from_secs(240)).await;
        assert_eq!(counts.len(), GUARDIANS, "every guardian got the notice");
        let duplicates: usize = counts.values().map(|n| n - 1).sum();
        assert!(
            duplicates <= CONNECTIONS,
            "{duplicates} duplicates, more than instance-b's {CONNECTIONS} connections in flight"
        );
        assert_eq!(fan_out.sent_count(&a, &id, SENT_WITHIN).await, GUARDIANS as u64);
        let _ = writeln!(
            std::io::stderr(),
            "kill -9 mid-fan-out: {at_kill} guardians reached at the kill, {duplicates} duplicate(s)"
        );

        // The dead instance's chunk was claimed again, by the survivor.
        let taken_over: Vec<(String, i64)> = sqlx::query_as(
            "SELECT COALESCE(locked_by, ''), attempts FROM jobs WHERE kind = 'family_notice' AND attempts > 1",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        assert!(!taken_over.is_empty(), "a chunk was taken over");
        let not_done: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind IN ('family_notice', 'publish') AND state <> 'done'",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(not_done, 0, "every chunk and the publication finished");
        let by_instance = attempts_by_instance(&db).await;
        assert!(by_instance.get("instance-b").copied().unwrap_or(0) > 0, "{by_instance:?}");
        assert!(by_instance.get("instance-a").copied().unwrap_or(0) > 0, "{by_instance:?}");
        db.close().await;
        drop(a);
    })
    .await;
}
