//! The audit chain against someone who can write the database: the
//! append-only triggers on both backends, and `breachd audit verify`
//! naming an edited entry, a removed middle entry, a removed tail and a
//! chain re-forged without the key, after the trigger was dropped first.

mod common;

use breachd::app::Application;
use breachd::audit::{entry_hash, Anchor, AuditEntry, NewAudit, GENESIS};
use breachd::clock::{Clock, ManualClock};
use breachd::settings::Settings;
use common::daemon::breachd;
use common::*;
use serde_json::{json, Value};

fn report() -> Value {
    json!({
        "title": "SIS vendor unauthorized access",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-10T15:00:00-04:00",
        "board_notified_at": "2026-04-16T14:00:00-04:00",
        "data_elements": ["student_name", "ssn"]
    })
}

/// A daemon with a few audit entries: a filing, an event, a waiver.
async fn app_with_entries(config: &TestConfig) -> TestApp {
    let app = spawn_app_with("2026-04-20T12:00:00-04:00", config).await;
    let filed = app.file(&report()).await;
    let id = filed["id"].as_str().expect("a filed incident has an id");
    let (status, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/events"),
            REPORTER,
            &json!({"kind": "families_notified", "at": "2026-04-17T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 201);
    let website = obligation(&filed, "board_posts_website_notice")["id"]
        .as_str()
        .expect("the obligation has an id")
        .to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/obligations/{website}/waive"),
            ADMIN,
            &json!({"reason": "posted by hand"}),
        )
        .await;
    assert_eq!(status, 200);
    // The jobs due now (reminders, the agreements list) append audit
    // entries as they end: tampering starts once they have, or the daemon
    // could chain an entry onto the original while a test rewrites it.
    // (The tampering tests run on SQLite; the PostgreSQL one only tries.)
    if !app.dir.join("breachd.db").exists() {
        return app;
    }
    let pool = sqlite_pool(&app).await;
    let now = app.clock.now();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let due: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state = 'scheduled' AND julianday(due_at) <= julianday($1)",
        )
        .bind(now)
        .fetch_one(&pool)
        .await
        .expect("the jobs table reads");
        if due == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{due} jobs due at start never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app
}

async fn sqlite_pool(app: &TestApp) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .expect("the daemon's database opens")
}

/// `breachd audit verify` with the daemon's configuration: (exit code,
/// what it printed).
fn verify(app: &TestApp) -> (Option<i32>, String) {
    let config = app.config.write(&app.dir);
    let output = breachd()
        .args(["audit", "verify", "--config"])
        .arg(&config)
        .output()
        .expect("the breachd binary runs");
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

async fn entries(app: &TestApp) -> Vec<AuditEntry> {
    let store = breachd::store::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .expect("the store opens");
    store.audit_entries(0, 10_000).await.expect("the log reads")
}

/// The log's entries once the anchor file has caught up with its head (the
/// anchor is written just after each commit).
async fn anchored_entries(app: &TestApp) -> (Vec<AuditEntry>, Anchor) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let log = entries(app).await;
        let anchor = Anchor::read(&app.dir.join("audit-head")).expect("the anchor reads");
        if let (Some(head), Some(anchor)) = (log.last(), anchor) {
            if anchor.seq == head.seq {
                return (log, anchor);
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the anchor did not reach the log's head within 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// What someone with write access would do first.
async fn drop_triggers(pool: &sqlx::SqlitePool) {
    for trigger in ["audit_log_no_update", "audit_log_no_delete"] {
        sqlx::query(&format!("DROP TRIGGER {trigger}"))
            .execute(pool)
            .await
            .expect("the trigger exists and can be dropped");
    }
}

#[tokio::test]
async fn sqlite_refuses_to_change_or_remove_an_audit_entry() {
    let app = app_with_entries(&TestConfig::new()).await;
    let pool = sqlite_pool(&app).await;
    for statement in [
        "UPDATE audit_log SET actor = 'someone else' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
    ] {
        let error = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect_err("the database refuses it");
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let (code, said) = verify(&app);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("intact"), "{said}");
}

#[tokio::test]
async fn postgres_refuses_to_change_remove_or_truncate_an_audit_entry() {
    common::postgres::PgTestDb::run(
        "postgres_refuses_to_change_remove_or_truncate_an_audit_entry",
        |url| async move {
            let app = app_with_entries(&TestConfig::new().database_url(&url)).await;
            let pool = sqlx::PgPool::connect(&url).await.expect("PostgreSQL opens");
            for statement in [
                "UPDATE audit_log SET actor = 'someone else' WHERE seq = 1",
                "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
                "TRUNCATE audit_log",
            ] {
                let error = sqlx::query(statement)
                    .execute(&pool)
                    .await
                    .expect_err("the database refuses it");
                assert!(
                    error.to_string().contains("append-only"),
                    "{statement}: {error}"
                );
            }
            let (code, said) = verify(&app);
            assert_eq!(code, Some(0), "{said}");
            pool.close().await;
            app.stop().await;
        },
    )
    .await;
}

#[tokio::test]
async fn a_removed_tail_is_named_although_the_trigger_was_dropped() {
    let app = app_with_entries(&TestConfig::new()).await;
    let pool = sqlite_pool(&app).await;
    let last = anchored_entries(&app).await.0.len() as i64;
    assert!(last >= 3, "{last} entries");
    drop_triggers(&pool).await;
    sqlx::query("DELETE FROM audit_log WHERE seq >= $1")
        .bind(last - 1)
        .execute(&pool)
        .await
        .expect("without the trigger the tail can be cut");
    // What remains is a perfect chain: only the anchor knows better.
    let remaining = entries(&app).await;
    assert!(breachd::audit::verify(&remaining, (0, GENESIS)).is_ok());
    let (code, said) = verify(&app);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!("broken at entry {}", last - 1)),
        "{said}"
    );
    assert!(said.contains("anchor"), "{said}");
}

#[tokio::test]
async fn an_edited_entry_and_a_removed_middle_entry_are_named() {
    let app = app_with_entries(&TestConfig::new()).await;
    let pool = sqlite_pool(&app).await;
    drop_triggers(&pool).await;
    sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
        .execute(&pool)
        .await
        .expect("without the trigger an entry can be edited");
    let (code, said) = verify(&app);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("broken at entry 2"), "{said}");

    let app = app_with_entries(&TestConfig::new()).await;
    let pool = sqlite_pool(&app).await;
    drop_triggers(&pool).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&pool)
        .await
        .expect("without the trigger an entry can be removed");
    let (code, said) = verify(&app);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("broken at entry 3"), "{said}");
    assert!(said.contains("entry 2"), "{said}");
}

#[tokio::test]
async fn a_chain_re_forged_without_the_key_is_named_at_its_first_change() {
    let app = app_with_entries(&TestConfig::new()).await;
    let pool = sqlite_pool(&app).await;
    drop_triggers(&pool).await;
    // Entry 2 is rewritten and every hash from there recomputed, as anyone
    // could with SHA-256; the MACs cannot be, without the key.
    let mut log = entries(&app).await;
    log[1].actor = "someone else".into();
    let mut prev = log[0].hash.clone();
    for entry in &mut log[1..] {
        let fields = NewAudit::new(
            entry.at,
            &entry.actor,
            &entry.action,
            entry.incident_id,
            entry.subject.clone(),
            entry.details.clone(),
        );
        entry.prev_hash = prev.clone();
        entry.hash = entry_hash(&prev, entry.seq, &fields);
        prev = entry.hash.clone();
        sqlx::query("UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(&entry.actor)
            .bind(&entry.prev_hash)
            .bind(&entry.hash)
            .bind(entry.seq)
            .execute(&pool)
            .await
            .expect("without the trigger the chain can be rewritten");
    }
    assert!(breachd::audit::verify(&entries(&app).await, (0, GENESIS)).is_ok());
    let (code, said) = verify(&app);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("broken at entry 2"), "{said}");
    assert!(said.contains("MAC"), "{said}");

    // Stripping the MACs instead does not help either.
    sqlx::query("UPDATE audit_log SET mac = NULL")
        .execute(&pool)
        .await
        .expect("without the trigger the MACs can be removed");
    let (code, said) = verify(&app);
    assert_eq!(code, Some(1), "{said}");
}

#[tokio::test]
async fn the_key_is_created_private_at_first_start_and_the_head_is_anchored_and_exported() {
    let app = app_with_entries(&TestConfig::new()).await;
    let key = app.dir.join("audit-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("the key was created at the first start")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let (log, anchor) = anchored_entries(&app).await;
    let head = log.last().expect("entries were appended");
    assert_eq!(anchor.seq, head.seq);
    assert_eq!(Some(&anchor.mac), head.mac.as_ref());
    let key_text = std::fs::read_to_string(&key).expect("the key reads");
    assert!(
        !said_anywhere(&log, key_text.trim()),
        "the key is not in the log"
    );

    // The jobs due at start (the agreements list) may end before the
    // filing: the incident is the one the first entry with an incident names.
    let incident = log
        .iter()
        .find_map(|entry| entry.incident_id)
        .expect("the filing names its incident");
    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{incident}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200, "{evidence}");
    let chain = &evidence["audit_chain"];
    assert_eq!(chain["verified"], true, "{chain}");
    assert_eq!(chain["head"]["entry"], head.seq, "{chain}");
    assert_eq!(chain["head"]["mac"], anchor.mac.as_str(), "{chain}");
    assert_eq!(chain["anchored"]["entry"], anchor.seq, "{chain}");
}

fn said_anywhere(log: &[AuditEntry], text: &str) -> bool {
    log.iter()
        .any(|entry| entry.details.to_string().contains(text) || entry.mac.as_deref() == Some(text))
}

#[tokio::test]
async fn a_daemon_with_another_key_is_refused_on_the_same_database() {
    let app = app_with_entries(&TestConfig::new()).await;
    let dir = app.stop().await;
    // The same database, another instance's fresh key.
    let other = tempfile::tempdir().expect("a temporary folder");
    let config = TestConfig::new().layer(&format!(
        "[database]\nurl = {:?}\n[audit]\nkey_file = {:?}\nanchor_file = {:?}\n",
        format!("sqlite://{}", dir.join("breachd.db").display()),
        other.path().join("audit-key").display().to_string(),
        other.path().join("audit-head").display().to_string(),
    ));
    let layers = config.layers(other.path());
    let layers: Vec<&str> = layers.iter().map(String::as_str).collect();
    let settings = Settings::from_toml_layers(&layers).expect("the configuration is valid");
    let clock = ManualClock::new(at("2026-04-20T12:00:00-04:00"));
    let error = Application::build_with_clock(settings, std::sync::Arc::new(clock))
        .await
        .err()
        .expect("the daemon refuses to start with a key that did not write the log");
    assert!(format!("{error:#}").contains("audit key"), "{error:#}");
}

#[tokio::test]
async fn verify_without_the_key_says_so() {
    let app = app_with_entries(&TestConfig::new()).await;
    std::fs::remove_file(app.dir.join("audit-key")).expect("the key exists");
    let (code, said) = verify(&app);
    assert_ne!(code, Some(0), "{said}");
    assert!(said.contains("audit key"), "{said}");
}
