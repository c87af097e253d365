//! A fresh PostgreSQL database per test, on the server named by
//! `TEST_DATABASE_URL`, dropped after the test (even one that panics).
//!
//! Without `TEST_DATABASE_URL` a test prints a loud `SKIPPED` line on the
//! real stderr and returns; with `BREACHD_REQUIRE_POSTGRES=1` (CI sets it)
//! it fails instead, so that a misconfigured CI never passes silently.

use sqlx::{Connection, Executor};
use std::future::Future;
use std::io::Write;

/// A database created for one test; `drop_database` removes it.
pub struct PgTestDb {
    admin_url: String,
    name: String,
    /// The URL of the fresh database.
    pub url: String,
}

impl PgTestDb {
    /// None (after a loud line on stderr) when TEST_DATABASE_URL is unset.
    pub async fn create(test: &str) -> Option<PgTestDb> {
        let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            if std::env::var("BREACHD_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                panic!("{test}: TEST_DATABASE_URL is not set but BREACHD_REQUIRE_POSTGRES=1");
            }
            // Straight to the process's stderr: libtest captures only the
            // print macros, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: TEST_DATABASE_URL not set: {test} did not run against PostgreSQL"
            );
            return None;
        };
        let name = format!("breachd_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("TEST_DATABASE_URL accepts connections");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("the test role may create databases");
        let url = url_with_database(&admin_url, &name);
        Some(PgTestDb {
            admin_url,
            name,
            url,
        })
    }

    pub async fn drop_database(&self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
        }
    }

    /// Runs `body` with the URL of a fresh database named for `test`, then
    /// drops the database; a panic in `body` is raised again after the drop.
    /// Returns without running `body` when PostgreSQL is skipped.
    pub async fn run<F, Fut>(test: &str, body: F)
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Some(db) = PgTestDb::create(test).await else {
            return;
        };
        // In a task of its own, so that a failing assertion still drops the
        // database.
        let outcome = tokio::spawn(body(db.url.clone())).await;
        db.drop_database().await;
        if let Err(error) = outcome {
            std::panic::resume_unwind(error.into_panic());
        }
    }
}

/// `url` with its database name replaced by `name`.
fn url_with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}
