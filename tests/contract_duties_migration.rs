//! Migration 0020 on a database that has contract duties in the old
//! `contract_obligations` table, on both backends: the schema is brought to
//! 0019 with the shipped files, rows are written there, and the store's own
//! migration then moves them into `obligations`, every row and id kept,
//! owned by their contract.

mod common;

use breachd::domain::Subject;
use breachd::store::connect;
use chrono::{DateTime, Utc};
use common::postgres::PgTestDb;
use sqlx::migrate::Migrator;
use std::path::Path;
use uuid::Uuid;

/// The migrations of `backend` before 0020, copied into `into`.
fn migrations_before_0020(backend: &str, into: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(source).expect("the migrations folder reads") {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a file name").to_string_lossy();
        if name.as_ref() < "0020" {
            std::fs::copy(&path, into.join(name.as_ref())).expect("a migration copies");
        }
    }
}

struct Old {
    contract: Uuid,
    duties: [Uuid; 2],
}

fn at() -> DateTime<Utc> {
    "2026-09-08T14:00:00Z".parse().expect("an instant")
}

const CONTRACT_BODY: &str = r#"{"vendor_id": "VENDOR", "title": "Reading assessment platform",
    "purpose": "Reading assessments", "executed_on": "2026-09-04",
    "data_elements": ["grades"], "provisions": {"1": true, "7": false}}"#;

/// The statements that write one vendor, one contract and its two duties
/// at schema 0019 (`$N` placeholders, which both backends take).
const VENDOR: &str =
    "INSERT INTO vendors (id, name, body, created_at, updated_at) VALUES ($1, 'Acme', '{}', $2, $2)";
const CONTRACT: &str =
    "INSERT INTO contracts (id, vendor_id, title, executed_on, body, filed_by, created_at)
     VALUES ($1, $2, 'Reading assessment platform', '2026-09-04', $3, 'admin', $4)";
const DUTY: &str = "INSERT INTO contract_obligations (id, contract_id, kind, title, party, recipient, clock,
        clock_started_at, due_at, sources, completed_at, updated_at)
     VALUES ($1, $2, $3, 'A duty', 'district', 'the public', 'contract_executed', $4, $5, '[]', $6, $4)";

fn old() -> Old {
    Old {
        contract: Uuid::now_v7(),
        duties: [Uuid::now_v7(), Uuid::now_v7()],
    }
}

async fn check(url: &str, old: &Old) {
    let store = connect(url).await.expect("the store opens");
    store.migrate().await.expect("0020 applies over 0019");
    let duties = store
        .contract_obligations(old.contract)
        .await
        .expect("the duties read");
    let mut ids: Vec<Uuid> = duties.iter().map(|o| o.id).collect();
    ids.sort();
    let mut expected = old.duties.to_vec();
    expected.sort();
    assert_eq!(ids, expected, "every row and id kept");
    for duty in &duties {
        assert_eq!(duty.subject, Subject::Contract(old.contract));
    }
    let posted = duties
        .iter()
        .find(|o| o.kind == "board_posts_contract_notice")
        .expect("the posting duty");
    assert_eq!(posted.completed_at, Some(at()));
    assert_eq!(
        store.obligation(old.duties[1]).await.expect("reads"),
        duties.iter().find(|o| o.id == old.duties[1]).cloned(),
        "found by id among all obligations"
    );
    let contract = store
        .contract(old.contract)
        .await
        .expect("reads")
        .expect("kept");
    assert_eq!(contract.version, 0);
    assert_eq!(contract.amendment, Default::default());
}

#[tokio::test]
async fn sqlite_moves_contract_duties_into_obligations() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let folder = dir.path().join("migrations");
    std::fs::create_dir(&folder).expect("a folder");
    migrations_before_0020("sqlite", &folder);
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options: sqlx::sqlite::SqliteConnectOptions = url
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .expect("a SQLite URL")
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options)
        .await
        .expect("SQLite opens");
    Migrator::new(folder.as_path())
        .await
        .expect("the copied migrations read")
        .run(&pool)
        .await
        .expect("0001 to 0019 apply");
    let old = old();
    let vendor = Uuid::now_v7().to_string();
    sqlx::query(VENDOR)
        .bind(&vendor)
        .bind(at())
        .execute(&pool)
        .await
        .expect("a vendor");
    sqlx::query(CONTRACT)
        .bind(old.contract.to_string())
        .bind(&vendor)
        .bind(CONTRACT_BODY.replace("VENDOR", &vendor))
        .bind(at())
        .execute(&pool)
        .await
        .expect("a contract");
    for (id, kind, done) in [
        (old.duties[0], "board_posts_contract_notice", Some(at())),
        (old.duties[1], "board_requests_contract_amendment", None),
    ] {
        sqlx::query(DUTY)
            .bind(id.to_string())
            .bind(old.contract.to_string())
            .bind(kind)
            .bind(at())
            .bind(at() + chrono::Duration::days(7))
            .bind(done)
            .execute(&pool)
            .await
            .expect("a duty");
    }
    pool.close().await;
    check(&url, &old).await;
}

#[tokio::test]
async fn postgres_moves_contract_duties_into_obligations() {
    PgTestDb::run("contract_duties_migration", |url| async move {
        let dir = tempfile::tempdir().expect("a temporary folder");
        migrations_before_0020("postgres", dir.path());
        let pool = sqlx::PgPool::connect(&url).await.expect("PostgreSQL opens");
        Migrator::new(dir.path())
            .await
            .expect("the copied migrations read")
            .run(&pool)
            .await
            .expect("0001 to 0019 apply");
        let old = old();
        let vendor = Uuid::now_v7().to_string();
        sqlx::query(VENDOR)
            .bind(&vendor)
            .bind(at())
            .execute(&pool)
            .await
            .expect("a vendor");
        sqlx::query(CONTRACT)
            .bind(old.contract.to_string())
            .bind(&vendor)
            .bind(CONTRACT_BODY.replace("VENDOR", &vendor))
            .bind(at())
            .execute(&pool)
            .await
            .expect("a contract");
        for (id, kind, done) in [
            (old.duties[0], "board_posts_contract_notice", Some(at())),
            (old.duties[1], "board_requests_contract_amendment", None),
        ] {
            sqlx::query(DUTY)
                .bind(id.to_string())
                .bind(old.contract.to_string())
                .bind(kind)
                .bind(at())
                .bind(at() + chrono::Duration::days(7))
                .bind(done)
                .execute(&pool)
                .await
                .expect("a duty");
        }
        pool.close().await;
        check(&url, &old).await;
    })
    .await;
}
