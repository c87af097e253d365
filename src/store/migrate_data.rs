//! `breachd migrate-data --from sqlite://… --to postgres://…`: moves a
//! district from one machine on SQLite up to PostgreSQL (and several
//! instances) without losing anything: incidents, events, obligations, jobs,
//! emails and their attempts, rosters, notices, idempotency keys and the
//! audit log, row for row.
//!
//! The copy is generic over tables, so that a table added by a later
//! migration is copied without changes here: every table of the source
//! must exist in the target (else this build does not know it and the copy
//! is refused), every source column must exist in the target, and each value
//! is converted by the target column's type. Tables are filled parents
//! first (from the target's foreign keys), each in the source's insertion
//! order (rowid; a WITHOUT ROWID table in its key's), so that chained
//! records such as the audit log keep their order. The whole copy is one target transaction, read from one source
//! snapshot: it lands entirely or not at all. A target with any row in any
//! table is refused, so a copy never merges into (or doubles) live data.

use super::postgres::PgStore;
use super::Store;
use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use sqlx::postgres::Postgres;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The source migrations this build knows (the same files as SqliteStore's).
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Bind parameters per INSERT, below PostgreSQL's limit of 65,535.
const MAX_BINDS: usize = 30_000;

/// What was copied: (table, rows), in copy order.
#[derive(Debug, Clone, Default)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
}

impl CopyReport {
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, rows)| rows).sum()
    }
}

/// How a value travels from a SQLite column to a PostgreSQL column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Boolean,
    Timestamp,
    Double,
    Bytes,
    /// Text cast by PostgreSQL on insert (json, jsonb, uuid).
    Cast(&'static str),
}

impl Kind {
    fn of(data_type: &str) -> Option<Kind> {
        Some(match data_type {
            "text" | "character varying" | "character" => Kind::Text,
            "bigint" | "integer" | "smallint" => Kind::Integer,
            "boolean" => Kind::Boolean,
            "timestamp with time zone" => Kind::Timestamp,
            "double precision" | "real" => Kind::Double,
            "bytea" => Kind::Bytes,
            "json" => Kind::Cast("json"),
            "jsonb" => Kind::Cast("jsonb"),
            "uuid" => Kind::Cast("uuid"),
            _ => return None,
        })
    }
}

enum Value {
    Text(Option<String>),
    Integer(Option<i64>),
    Boolean(Option<bool>),
    Timestamp(Option<DateTime<Utc>>),
    Double(Option<f64>),
    Bytes(Option<Vec<u8>>),
}

fn read_value(row: &sqlx::sqlite::SqliteRow, index: usize, kind: Kind) -> sqlx::Result<Value> {
    Ok(match kind {
        Kind::Text | Kind::Cast(_) => Value::Text(row.try_get(index)?),
        Kind::Integer => Value::Integer(row.try_get(index)?),
        Kind::Boolean => Value::Boolean(row.try_get(index)?),
        Kind::Timestamp => Value::Timestamp(row.try_get(index)?),
        Kind::Double => Value::Double(row.try_get(index)?),
        Kind::Bytes => Value::Bytes(row.try_get(index)?),
    })
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Copies every row of the SQLite database at `from` into the (empty)
/// PostgreSQL database at `to`, which is migrated first.
pub async fn copy(from: &str, to: &str) -> anyhow::Result<CopyReport> {
    if !from.starts_with("sqlite:") {
        bail!("--from must be a sqlite:// URL (the database to move from)");
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to must be a postgres:// URL (the database to move to)");
    }
    let mut source = open_source(from).await?;
    check_source_migrations(&mut source).await?;

    let target = PgStore::connect(to)
        .await
        .context("connecting to the target database")?;
    target
        .migrate()
        .await
        .context("migrating the target database")?;
    let mut tx = target.pool().begin().await?;

    let target_tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'
         ORDER BY table_name",
    )
    .fetch_all(&mut *tx)
    .await?;
    // Nobody (a daemon started too early) writes while we check and copy.
    for table in &target_tables {
        sqlx::query(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", quoted(table)))
            .execute(&mut *tx)
            .await?;
    }
    for table in &target_tables {
        let used: bool =
            sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(table)))
                .fetch_one(&mut *tx)
                .await?;
        if used {
            bail!(
                "the target database is not empty (table {table} has rows): migrate-data copies into an empty database only"
            );
        }
    }

    // One read transaction: every table is read from the same snapshot.
    let mut snapshot = source.begin().await?;
    let source_tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'
         ORDER BY name",
    )
    .fetch_all(&mut *snapshot)
    .await?;
    if let Some(unknown) = source_tables.iter().find(|t| !target_tables.contains(t)) {
        bail!("the source has a table this build cannot copy: {unknown} (upgrade breachd first)");
    }

    let mut report = CopyReport::default();
    for table in copy_order(&mut tx, &target_tables).await? {
        if !source_tables.contains(&table) {
            continue;
        }
        let rows = copy_table(&mut snapshot, &mut tx, &table).await?;
        report.tables.push((table, rows));
    }
    reset_sequences(&mut tx).await?;
    drop(snapshot);
    tx.commit().await.context("committing the copy")?;
    Ok(report)
}

async fn open_source(from: &str) -> anyhow::Result<SqliteConnection> {
    let options = SqliteConnectOptions::from_str(from)
        .with_context(|| format!("{from} is not a SQLite URL"))?
        .create_if_missing(false)
        .read_only(true);
    let path = options.get_filename().to_owned();
    // A mistyped path must not look like an empty database.
    if !path.is_file() {
        bail!("the source database {} does not exist", path.display());
    }
    options
        .connect()
        .await
        .with_context(|| format!("opening {}", path.display()))
}

async fn check_source_migrations(source: &mut SqliteConnection) -> anyhow::Result<()> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(&mut *source)
            .await
            .context("the source is not a breachd database (no migration table)")?;
    let known: BTreeSet<i64> = SQLITE_MIGRATOR.iter().map(|m| m.version).collect();
    if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
        bail!("the source database has migration {newer}, which this build does not know: use the breachd that wrote it");
    }
    if let Some(missing) = known.iter().find(|v| !applied.contains(v)) {
        bail!(
            "the source database lacks migration {missing}: run `breachd migrate` against it first"
        );
    }
    Ok(())
}

/// The target's tables, every table after the tables it references.
async fn copy_order(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    tables: &[String],
) -> anyhow::Result<Vec<String>> {
    let edges: Vec<(String, String)> = sqlx::query(
        "SELECT child.relname::text AS child, parent.relname::text AS parent
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("child")?, row.try_get("parent")?)))
    .collect::<sqlx::Result<_>>()?;
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (child, parent) in &edges {
        // A table that references itself is ordered by rowid instead.
        if child != parent {
            if let Some(set) = parents.get_mut(child.as_str()) {
                set.insert(parent.as_str());
            }
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !parents.is_empty() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(_, waiting)| waiting.iter().all(|p| !parents.contains_key(p)))
            .map(|(table, _)| *table)
            .collect();
        if ready.is_empty() {
            bail!("the target's foreign keys form a cycle; cannot order the copy");
        }
        for table in ready {
            parents.remove(table);
            order.push(table.to_owned());
        }
    }
    Ok(order)
}

/// What a table's rows are read in: the order they were inserted (rowid),
/// or for a WITHOUT ROWID table (the roster's, whose rows form no chain)
/// its primary key's.
async fn insertion_order(source: &mut SqliteConnection, table: &str) -> anyhow::Result<String> {
    let without_rowid: bool =
        sqlx::query_scalar("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")
            .bind(table)
            .fetch_optional(&mut *source)
            .await?
            .unwrap_or(false);
    if !without_rowid {
        return Ok("rowid".to_owned());
    }
    let key: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk")
            .bind(table)
            .fetch_all(&mut *source)
            .await?;
    Ok(key.iter().map(|c| quoted(c)).collect::<Vec<_>>().join(", "))
}

async fn copy_table(
    source: &mut SqliteConnection,
    tx: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
) -> anyhow::Result<u64> {
    let source_columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *source)
            .await?;
    let target_types: BTreeMap<String, String> = sqlx::query(
        "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("name")?, row.try_get("type")?)))
    .collect::<sqlx::Result<_>>()?;
    let mut kinds = Vec::with_capacity(source_columns.len());
    for column in &source_columns {
        let Some(data_type) = target_types.get(column) else {
            bail!("the target has no column {table}.{column}: upgrade breachd first");
        };
        let Some(kind) = Kind::of(data_type) else {
            bail!("cannot copy {table}.{column} into a column of type {data_type}");
        };
        kinds.push(kind);
    }
    let list = source_columns
        .iter()
        .map(|c| quoted(c))
        .collect::<Vec<_>>()
        .join(", ");
    let order = insertion_order(source, table).await?;
    let rows = sqlx::query(&format!(
        "SELECT {list} FROM {} ORDER BY {order}",
        quoted(table)
    ))
    .fetch_all(&mut *source)
    .await
    .with_context(|| format!("reading {table}"))?;
    let mut values = Vec::with_capacity(rows.len());
    for (number, row) in rows.iter().enumerate() {
        let mut record = Vec::with_capacity(kinds.len());
        for (index, &kind) in kinds.iter().enumerate() {
            record.push(read_value(row, index, kind).with_context(|| {
                format!(
                    "reading {table}.{} of row {}",
                    source_columns[index],
                    number + 1
                )
            })?);
        }
        values.push(record);
    }
    let per_insert = (MAX_BINDS / kinds.len().max(1)).max(1);
    for batch in values.chunks(per_insert) {
        let mut insert =
            QueryBuilder::<Postgres>::new(format!("INSERT INTO {} ({list}) ", quoted(table)));
        insert.push_values(batch, |mut row, record| {
            for (value, kind) in record.iter().zip(&kinds) {
                match value {
                    Value::Text(v) => row.push_bind(v.clone()),
                    Value::Integer(v) => row.push_bind(*v),
                    Value::Boolean(v) => row.push_bind(*v),
                    Value::Timestamp(v) => row.push_bind(*v),
                    Value::Double(v) => row.push_bind(*v),
                    Value::Bytes(v) => row.push_bind(v.clone()),
                };
                if let Kind::Cast(to) = kind {
                    row.push_unseparated(format!("::{to}"));
                }
            }
        });
        insert
            .build()
            .execute(&mut **tx)
            .await
            .with_context(|| format!("writing {table}"))?;
    }
    let copied: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(table)))
        .fetch_one(&mut **tx)
        .await?;
    if copied != rows.len() as i64 {
        bail!(
            "{table}: read {} rows but the target holds {copied}",
            rows.len()
        );
    }
    Ok(rows.len() as u64)
}

/// Serial and identity columns continue after the copied ids.
async fn reset_sequences(tx: &mut sqlx::Transaction<'static, Postgres>) -> anyhow::Result<()> {
    let serials = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c,
                pg_get_serial_sequence(quote_ident(table_name), column_name) AS s
         FROM information_schema.columns
         WHERE table_schema = current_schema()
           AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL",
    )
    .fetch_all(&mut **tx)
    .await?;
    for row in &serials {
        let (table, column, sequence): (String, String, String) =
            (row.try_get("t")?, row.try_get("c")?, row.try_get("s")?);
        sqlx::query(&format!(
            "SELECT setval($1::regclass, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
            quoted(&column),
            quoted(&table)
        ))
        .bind(&sequence)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
