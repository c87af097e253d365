//! The roster import's copy on SQLite: the staged roster is itself a SQLite
//! file, so it is attached to one of the store's connections and each page
//! is one `INSERT … SELECT` inside SQLite. Reading the pages into Rust and
//! binding every value back was most of the copy's time (half reading,
//! half writing, `benches/roster/run.sh`); SQLite now moves the rows from
//! one B-tree to the other itself.
//!
//! Each page is still its own short transaction (other writers take their
//! turn between pages, `store::writes::roster`), and pages are sized by
//! time rather than rows: each takes about [`PAGE_BUDGET`] whatever the
//! rows weigh or the machine's load. A page takes the process's turn at
//! writing like any writer (`SqliteStore::take_turn`), so the writers that
//! queued during a page go before the next one; between pages the copy also
//! waits while any of them is still waiting. (Before writers took turns, a
//! waiter slept in SQLite's busy handler, up to 100 ms between tries, and
//! kept missing the instant between two pages: the benchmark's slowest
//! filing during an import took over a second.)

use super::SqliteStore;
use crate::store::StoreResult;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Sqlite};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The staged file's schema name while it is attached.
const STAGE: &str = "roster_stage";

/// How long a page's transaction should hold SQLite's write lock: long
/// enough that a commit's fsync is a small share of it, short enough that
/// a filing waiting for its turn does not notice (the import's target is a
/// filing answered within a second, issue 12).
const PAGE_BUDGET: Duration = Duration::from_millis(100);

/// The first page's rows, before there is a time to size pages by.
const FIRST_PAGE_ROWS: i64 = 5_000;

/// Pages never grow beyond this many rows (nor more than fourfold at a
/// time), so that one slow commit cannot make the next page enormous.
const MAX_PAGE_ROWS: i64 = 200_000;

/// How long the copy waits between two pages for the writers waiting then
/// (their busy handler's longest sleep, and a margin).
const MAX_YIELD: Duration = Duration::from_millis(250);

/// Counts a writer waiting for SQLite's write lock while it lives.
pub(super) struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    pub(super) fn enter(waiting: &'a AtomicUsize) -> Waiting<'a> {
        waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Lets the writers waiting now take the lock before the next page.
async fn yield_to_writers(waiting: &AtomicUsize) {
    let until = Instant::now() + MAX_YIELD;
    while waiting.load(Ordering::SeqCst) > 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// One staged table and the store's table it is copied into.
struct Table {
    /// The store's table; `incident_id` and `roster_import` come first.
    target: &'static str,
    /// Its columns after those two, in the order of `columns`.
    target_columns: &'static str,
    /// The staged table (see `RosterPages::sqlite_file`).
    source: &'static str,
    /// Its key, the first of `columns`.
    key: &'static str,
    columns: &'static str,
    /// The staged table whose rows (in `key` order) size the pages: the
    /// recipients of a plain CSV are a grouping view, which would build
    /// every row it passes over to find a page's end, its children table
    /// only reads keys.
    pages_by: &'static str,
}

const TABLES: [Table; 3] = [
    Table {
        target: "notice_recipients",
        target_columns: "email_key, email, name, language, children",
        source: "recipient",
        key: "email_key",
        columns: "email_key, email, name, language, children",
        pages_by: "recipient_child",
    },
    Table {
        target: "unreachable_students",
        target_columns: "student_id, name",
        source: "unreachable",
        key: "id",
        columns: "id, name",
        pages_by: "unreachable",
    },
    Table {
        target: "student_addresses",
        target_columns: "student_id, address",
        source: "student_address",
        key: "id",
        columns: "id, address",
        pages_by: "student_address",
    },
];

/// Copies the staged roster in `file` under `version`, page by page; false
/// (nothing copied) when the file's path cannot be spelled to SQLite. The
/// connection keeps its page cache: a 24 MB one, to hold a whole page's
/// rows, made the copy slower, not faster, and the import's peak memory
/// went over its 150 MB budget (`benches/roster/run.sh`).
pub(super) async fn copy_staged(
    store: &SqliteStore,
    file: &Path,
    incident: &str,
    version: &str,
) -> StoreResult<bool> {
    let Some(path) = file.to_str() else {
        return Ok(false);
    };
    let mut conn = store.pool.acquire().await?;
    sqlx::query(&format!("ATTACH DATABASE ? AS {STAGE}"))
        .bind(path)
        .execute(&mut *conn)
        .await?;
    let copied = copy_tables(store, &mut conn, incident, version).await;
    let detached = sqlx::query(&format!("DETACH DATABASE {STAGE}"))
        .execute(&mut *conn)
        .await;
    if detached.is_err() {
        // A connection with the file still attached must not serve anyone
        // else, nor keep the deleted file open.
        conn.close_on_drop();
    }
    copied?;
    detached?;
    Ok(true)
}

async fn copy_tables(
    store: &SqliteStore,
    conn: &mut PoolConnection<Sqlite>,
    incident: &str,
    version: &str,
) -> StoreResult<()> {
    let mut rows = FIRST_PAGE_ROWS;
    for table in &TABLES {
        let started = Instant::now();
        let mut pages = 0u32;
        // Keys are never empty (the parsers refuse empty ids and addresses),
        // so every row sorts after "".
        let mut after = String::new();
        loop {
            let page_started = Instant::now();
            // The page's last key, found before the write lock is taken: the
            // staged file changes no more, so the page is the same inside.
            let last: Option<String> = sqlx::query_scalar(&format!(
                "SELECT {key} FROM {STAGE}.{pages_by} WHERE {key} > ? ORDER BY {key} LIMIT 1 OFFSET ?",
                key = table.key,
                pages_by = table.pages_by,
            ))
            .bind(&after)
            .bind(rows - 1)
            .fetch_optional(&mut **conn)
            .await?;
            // A page's upper bound is its own condition, not `(? IS NULL OR
            // key <= ?)`: SQLite bounds a range scan (or a view's grouping)
            // by a plain comparison only, and would otherwise read to the
            // end of the staged table for every page.
            let upper = if last.is_some() {
                format!("AND {key} <= ?4", key = table.key)
            } else {
                String::new()
            };
            let turn = store.take_turn().await?;
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            // No ORDER BY: a key range comes in key order (a table's B-tree,
            // or the groups of the recipient view), and SQLite would sort
            // the view's page again in a temporary B-tree. The keys are
            // unique, so no row depends on the order anyway.
            let insert = format!(
                "INSERT INTO main.{target} (incident_id, roster_import, {target_columns})
                 SELECT ?1, ?2, {columns} FROM {STAGE}.{source}
                 WHERE {key} > ?3 {upper}
                 ON CONFLICT DO NOTHING",
                target = table.target,
                target_columns = table.target_columns,
                columns = table.columns,
                source = table.source,
                key = table.key,
            );
            let mut insert = sqlx::query(&insert)
                .bind(incident)
                .bind(version)
                .bind(&after);
            if let Some(last) = &last {
                insert = insert.bind(last);
            }
            insert.execute(&mut *tx).await?;
            tx.commit().await?;
            drop(turn);
            pages += 1;
            let took = page_started.elapsed();
            yield_to_writers(&store.waiting).await;
            let Some(last) = last else { break };
            after = last;
            rows = next_page_rows(rows, took);
        }
        // Per-table timing for profiling (`breachd::store=debug`).
        tracing::debug!(
            table = table.target,
            pages,
            page_rows = rows,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "roster table copied"
        );
    }
    Ok(())
}

/// The next page's rows: as many as the last page's pace fits in
/// [`PAGE_BUDGET`], growing at most fourfold, within bounds.
fn next_page_rows(rows: i64, took: Duration) -> i64 {
    let took = took.as_secs_f64().max(0.001);
    let fit = (rows as f64 * PAGE_BUDGET.as_secs_f64() / took) as i64;
    fit.clamp(1_000, (rows * 4).min(MAX_PAGE_ROWS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_sized_by_time_within_bounds() {
        // A fast page grows, but at most fourfold.
        assert_eq!(next_page_rows(5_000, Duration::from_millis(10)), 20_000);
        // A page on budget keeps its size.
        assert_eq!(next_page_rows(10_000, PAGE_BUDGET), 10_000);
        // A slow page shrinks to what fits the budget.
        assert_eq!(
            next_page_rows(10_000, PAGE_BUDGET * 2),
            5_000,
            "twice the budget halves the page"
        );
        // Never below a thousand rows, never above the ceiling.
        assert_eq!(next_page_rows(1_000, Duration::from_secs(10)), 1_000);
        assert_eq!(
            next_page_rows(MAX_PAGE_ROWS, Duration::from_millis(1)),
            MAX_PAGE_ROWS
        );
    }
}
