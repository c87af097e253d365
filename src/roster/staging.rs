//! The scratch database a roster is staged in: a SQLite file in its own
//! temporary directory, with no journal and no fsync (if the process dies, the
//! import is simply redone). Rows arrive through `load` (prepared statements
//! on a thread of their own); the joins that need the whole roster (guardian
//! links in both directions, siblings, shared addresses, students nobody can
//! be emailed about) are then done in SQL, and results are read back with
//! keyset pagination. SQLite's page cache is the only part of this held in
//! memory.

use super::{
    Child, ImportReport, Recipient, RejectedRow, RosterFormat, UnreachableStudent,
    MAX_LISTED_REJECTIONS,
};
use crate::domain::coverage::MailingAddress;
use anyhow::Context;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;

/// SQLite page cache of the scratch database, in KiB (negative = KiB in
/// SQLite's pragma): big enough for the index builds and the address-keyed
/// inserts of a million-guardian roster to run mostly in memory (16 MiB
/// made the guardian inserts read pages back from the file), small enough
/// to leave the 150 MB budget alone (measured by `benches/roster/run.sh`).
pub(super) const CACHE_KIB: i64 = 32 * 1024;

/// The scratch database's page size, in bytes.
const PAGE_SIZE: u32 = 16 * 1024;

/// The scratch database's file name in its directory.
const FILE: &str = "roster.db";

const SCHEMA: &str = "
CREATE TABLE ou_user (
    line INTEGER NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
    email TEXT, email_key TEXT, email_state INTEGER NOT NULL
);
CREATE TABLE ou_role (user_id TEXT NOT NULL, role TEXT NOT NULL, user_line INTEGER);
CREATE TABLE ou_agent (user_id TEXT NOT NULL, agent_id TEXT NOT NULL, user_line INTEGER NOT NULL);
CREATE TABLE student (
    id TEXT PRIMARY KEY, name TEXT NOT NULL,
    reachable INTEGER NOT NULL DEFAULT 0 -- plain CSV: a row of it has a valid address
) WITHOUT ROWID;
CREATE TABLE student_address (id TEXT PRIMARY KEY, address TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE guardian (
    id TEXT PRIMARY KEY, email TEXT, email_key TEXT, name TEXT NOT NULL,
    language TEXT, line INTEGER NOT NULL, email_state INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE link (
    student_id TEXT NOT NULL, guardian_id TEXT NOT NULL,
    PRIMARY KEY (student_id, guardian_id)
) WITHOUT ROWID;
CREATE TABLE rejected (
    seq INTEGER PRIMARY KEY, file_rank INTEGER NOT NULL, file TEXT NOT NULL,
    line INTEGER NOT NULL, reason TEXT NOT NULL
);
-- A recipient's children. A plain CSV's rows also carry the child as JSON
-- (`{student_id, name}`, the student's first name) and the first row
-- naming the address with that student (its line and
-- guardian; `email` only when the spelling is not the key), which its
-- `recipient` view folds into one row per address.
CREATE TABLE recipient_child (
    email_key TEXT NOT NULL, student_id TEXT NOT NULL,
    child TEXT, line INTEGER, email TEXT, guardian_name TEXT, language TEXT,
    PRIMARY KEY (email_key, student_id)
) WITHOUT ROWID;
CREATE TABLE unreachable (id TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
";

/// Resolves OneRoster users into students, guardians and links. Runs after
/// every row is staged, because a link may name a user further down the file.
const RESOLVE_ONEROSTER: &[&str] = &[
    "CREATE INDEX ou_user_id ON ou_user (id, line)",
    // A sourcedId must be unique; the first row wins, later ones are reported.
    "CREATE TABLE dup (line INTEGER PRIMARY KEY, first INTEGER NOT NULL)",
    "INSERT INTO dup (line, first)
     SELECT u.line, f.first FROM ou_user u
     JOIN (SELECT id, MIN(line) AS first FROM ou_user GROUP BY id HAVING COUNT(*) > 1) f ON f.id = u.id
     WHERE u.line > f.first",
    "INSERT INTO rejected (file_rank, file, line, reason)
     SELECT 0, 'users.csv', line, 'duplicate sourcedId (first on line ' || first || ')' FROM dup",
    "DELETE FROM ou_user WHERE line IN (SELECT line FROM dup)",
    "DELETE FROM ou_role WHERE user_line IN (SELECT line FROM dup)",
    "DELETE FROM ou_agent WHERE user_line IN (SELECT line FROM dup)",
    "CREATE INDEX ou_role_user ON ou_role (user_id, role)",
    "INSERT OR IGNORE INTO student (id, name)
     SELECT u.id, u.name FROM ou_user u
     WHERE u.name <> '' AND EXISTS (SELECT 1 FROM ou_role r WHERE r.user_id = u.id AND r.role = 'student')",
    "INSERT INTO rejected (file_rank, file, line, reason)
     SELECT 0, 'users.csv', u.line, 'student has no name (givenName and familyName are empty)' FROM ou_user u
     WHERE u.name = '' AND EXISTS (SELECT 1 FROM ou_role r WHERE r.user_id = u.id AND r.role = 'student')",
    "INSERT OR IGNORE INTO guardian (id, email, email_key, name, language, line, email_state)
     SELECT u.id, u.email, u.email_key, u.name, NULL, u.line, u.email_state FROM ou_user u
     WHERE EXISTS (SELECT 1 FROM ou_role r WHERE r.user_id = u.id AND r.role = 'guardian')",
    // Exports differ on which side lists the link: a student's
    // agentSourcedIds naming guardians, a guardian's naming students, or
    // both. Both directions land in one table; its key removes the doubles.
    "INSERT OR IGNORE INTO link (student_id, guardian_id)
     SELECT a.user_id, a.agent_id FROM ou_agent a
     JOIN student s ON s.id = a.user_id JOIN guardian g ON g.id = a.agent_id",
    "INSERT OR IGNORE INTO link (student_id, guardian_id)
     SELECT a.agent_id, a.user_id FROM ou_agent a
     JOIN guardian g ON g.id = a.user_id JOIN student s ON s.id = a.agent_id",
];

/// The same answer for a plain CSV, where less is left to find out: the
/// load has already kept each (address, student)'s first row in the
/// children table, with the student's name and the guardian's details, so
/// the recipients are a view over it, one group per address (read in
/// address order, so its children come sorted by student id), named after
/// the group's first row (the bare columns of a query with one `min()` are
/// those of the row holding the minimum; SQLite keeps an aggregate
/// subquery's columns even when a reader leaves some out). Nothing is
/// looked up row by row: before, the copy looked up every child's student
/// and every recipient's guardian (`breachd::roster=debug` times each step).
const RESOLVE_PLAIN: &[&str] = &[
    "CREATE VIEW recipient (email_key, email, name, language, children, first_line) AS
     SELECT email_key, coalesce(email, email_key), guardian_name, language,
            '[' || group_concat(child, ',') || ']', min(line)
     FROM recipient_child GROUP BY email_key",
    "INSERT INTO unreachable (id, name) SELECT id, name FROM student WHERE reachable = 0",
];

/// Turns students, guardians and links (from either format) into the answer:
/// one recipient per address with all its children, and the students no
/// address reaches.
const RESOLVE_COMMON: &[&str] = &[
    "CREATE INDEX link_guardian ON link (guardian_id)",
    // Only guardians that matter to a notice are reported; a staff-entered
    // guardian with no address and no child in the roster is not news.
    "INSERT INTO rejected (file_rank, file, line, reason)
     SELECT 0, 'users.csv', g.line,
            CASE g.email_state WHEN 0 THEN 'guardian has no email address'
                               ELSE 'guardian email is not a valid address' END
     FROM guardian g
     WHERE g.email_state <> 1 AND EXISTS (SELECT 1 FROM link l WHERE l.guardian_id = g.id)",
    "INSERT OR IGNORE INTO recipient_child (email_key, student_id)
     SELECT g.email_key, l.student_id FROM link l JOIN guardian g ON g.id = l.guardian_id
     WHERE g.email_state = 1",
    // Guardians sharing an address get one message, named after the first
    // of them in file order; its children are those of every guardian
    // sharing it, sorted by student id (the key's order).
    "CREATE TABLE recipient (
         email_key TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, language TEXT,
         children TEXT NOT NULL
     ) WITHOUT ROWID",
    "INSERT INTO recipient (email_key, email, name, language, children)
     SELECT email_key, email, name, language, (
         SELECT json_group_array(json_object('student_id', s.id, 'name', s.name))
         FROM recipient_child rc JOIN student s ON s.id = rc.student_id
         WHERE rc.email_key = f.email_key
     ) FROM (
         SELECT g.email_key, g.email, g.name, g.language,
                row_number() OVER (PARTITION BY g.email_key ORDER BY g.line) AS nth
         FROM guardian g
         WHERE g.email_state = 1 AND EXISTS (SELECT 1 FROM link l WHERE l.guardian_id = g.id)
     ) f WHERE nth = 1",
    "INSERT INTO unreachable (id, name)
     SELECT s.id, s.name FROM student s
     WHERE NOT EXISTS (
         SELECT 1 FROM link l JOIN guardian g ON g.id = l.guardian_id
         WHERE l.student_id = s.id AND g.email_state = 1
     )",
];

/// The scratch database and the directory it lives in.
#[derive(Debug)]
pub(super) struct Staging {
    // Declared before `dir` so the pool is dropped before the files go.
    pool: SqlitePool,
    dir: tempfile::TempDir,
}

impl Staging {
    pub async fn create() -> anyhow::Result<Staging> {
        let dir = tempfile::Builder::new()
            .prefix("breachd-roster-")
            .tempdir()
            .context("cannot create the roster staging directory")?;
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join(FILE))
            .create_if_missing(true)
            // Set before the schema is: 16 KiB pages took an eighth to a
            // fifth off the load's keyed inserts (fewer pages to find,
            // split and write) in a stand-alone run of the bench's rows.
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("temp_store", "FILE")
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        // One connection: a single writer, and the readers that follow page
        // through results one query at a time.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .connect_with(options)
            .await
            .context("cannot open the roster staging database")?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .context("cannot create the roster staging schema")?;
        Ok(Staging { pool, dir })
    }

    /// Joins what was staged and counts the result.
    pub async fn resolve(
        &self,
        format: RosterFormat,
        skipped_rows: u64,
    ) -> anyhow::Result<ImportReport> {
        let mut tx = self.pool.begin().await?;
        if format != RosterFormat::PlainCsv {
            for statement in RESOLVE_ONEROSTER {
                timed(sqlx::query(statement).execute(&mut *tx), statement)
                    .await
                    .context("resolving OneRoster users")?;
            }
        }
        let common = if format == RosterFormat::PlainCsv {
            RESOLVE_PLAIN
        } else {
            RESOLVE_COMMON
        };
        for statement in common {
            timed(sqlx::query(statement).execute(&mut *tx), statement)
                .await
                .context("resolving recipients")?;
        }
        tx.commit().await?;

        let count = |sql: &'static str| async move {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&self.pool).await?;
            anyhow::Ok(u64::try_from(n).unwrap_or(0))
        };
        let students = count("SELECT COUNT(*) FROM student").await?;
        let unreachable = count("SELECT COUNT(*) FROM unreachable").await?;
        // One pass over the children counts the recipients too: every
        // recipient has a child, and a plain CSV's recipients are a view
        // whose every row would otherwise build its children to be counted.
        let (recipients, max_children): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(MAX(n), 0)
             FROM (SELECT COUNT(*) AS n FROM recipient_child GROUP BY email_key)",
        )
        .fetch_one(&self.pool)
        .await?;
        let [recipients, max_children] =
            [recipients, max_children].map(|n| u64::try_from(n).unwrap_or(0));
        let rejected_rows = count("SELECT COUNT(*) FROM rejected").await?;
        let rejected = sqlx::query(
            "SELECT file, line, reason FROM rejected ORDER BY file_rank, line, seq LIMIT ?",
        )
        .bind(MAX_LISTED_REJECTIONS as i64)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(RejectedRow {
                file: row.try_get("file")?,
                line: u64::try_from(row.try_get::<i64, _>("line")?).unwrap_or(0),
                reason: row.try_get("reason")?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(ImportReport {
            format,
            students,
            recipients,
            students_without_reachable_guardian: unreachable,
            max_children_per_recipient: max_children,
            skipped_rows,
            rejected_rows,
            rejected,
        })
    }

    /// One page of recipients after the address key `after`, each with its
    /// children. The page comes back as one JSON value built by SQLite: a
    /// row through sqlx costs more than the row itself (a channel hop and
    /// allocations per column), and a large roster has a million of them.
    pub async fn recipients(&self, after: &str, limit: u32) -> anyhow::Result<Vec<Recipient>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // The page's last address first, from the children's key: a plain
        // CSV's recipients are a grouping view, which SQLite would build to
        // the end of the roster to sort it for a LIMIT, but a range on its
        // key it builds alone.
        let last: Option<String> = sqlx::query_scalar(
            "SELECT DISTINCT email_key FROM recipient_child WHERE email_key > ?
             ORDER BY email_key LIMIT 1 OFFSET ?",
        )
        .bind(after)
        .bind(i64::from(limit) - 1)
        .fetch_optional(&self.pool)
        .await?;
        // json(): a column's text has no JSON subtype, which would make
        // json_array quote the children as one string.
        let page = |upper: &str| {
            format!(
                "SELECT json_group_array(json_array(email, name, language, json(children)) ORDER BY email_key)
                 FROM recipient WHERE email_key > ?1 {upper}"
            )
        };
        let page: String = match &last {
            Some(last) => {
                sqlx::query_scalar(&page("AND email_key <= ?2"))
                    .bind(after)
                    .bind(last)
                    .fetch_one(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_scalar(&page(""))
                    .bind(after)
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        let rows: Vec<PageRecipient> =
            serde_json::from_str(&page).context("reading a page of recipients")?;
        Ok(rows
            .into_iter()
            .map(|(email, name, language, children)| Recipient {
                email,
                name,
                language,
                children,
            })
            .collect())
    }

    /// One page of unreachable students after the student id `after` (one
    /// JSON value, as for recipients).
    pub async fn unreachable(
        &self,
        after: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<UnreachableStudent>> {
        let page: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(id, name) ORDER BY id)
             FROM (SELECT id, name FROM unreachable WHERE id > ? ORDER BY id LIMIT ?)",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<(String, String)> =
            serde_json::from_str(&page).context("reading a page of unreachable students")?;
        Ok(rows
            .into_iter()
            .map(|(student_id, name)| UnreachableStudent { student_id, name })
            .collect())
    }

    /// Students' mailing addresses, ordered by student id, strictly after
    /// `after`, at most `limit` (one JSON value, as for recipients).
    pub async fn addresses(
        &self,
        after: &str,
        limit: u32,
    ) -> anyhow::Result<Vec<(String, MailingAddress)>> {
        let page: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(id, json(address)) ORDER BY id)
             FROM (SELECT id, address FROM student_address WHERE id > ? ORDER BY id LIMIT ?)",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_one(&self.pool)
        .await?;
        serde_json::from_str(&page).context("reading a page of addresses")
    }

    /// The scratch database's file, for a store that copies from it
    /// directly (see `StagedRoster::sqlite_file`).
    pub fn file(&self) -> std::path::PathBuf {
        self.dir.path().join(FILE)
    }

    pub async fn close(self) {
        self.pool.close().await;
        drop(self.dir);
    }
}

/// A recipient as a page of `recipients` spells it: address, name,
/// language, and the children as the `recipient` table holds them.
type PageRecipient = (String, String, Option<String>, Vec<Child>);

/// Runs one resolving statement, its time in the debug log (profiling: which
/// join costs what on a large roster).
async fn timed<T>(run: impl std::future::Future<Output = T>, statement: &str) -> T {
    let started = std::time::Instant::now();
    let outcome = run.await;
    tracing::debug!(
        statement = statement
            .split_whitespace()
            .take(6)
            .collect::<Vec<_>>()
            .join(" "),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "roster resolve step"
    );
    outcome
}
