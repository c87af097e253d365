//! Loads the parser's batches into the scratch database: one blocking
//! thread, one rusqlite connection, one prepared statement per table, each
//! row bound and stepped where it is. sqlx's SQLite driver, which did this
//! before, sends every call to a worker thread of its own and boxes every
//! argument, so a batch went over as one JSON array per table that SQLite
//! then took apart again value by value (`json_each`): most of the staging
//! time of a large roster (`benches/roster/run.sh`).
//!
//! A plain CSV's (address, student) pairs go straight into the children
//! table, keyed (address, student), each with what a recipient needs of its
//! row, its student's name included: the first row of a pair is kept, and
//! building a recipient later looks nothing up. Keeping that table in key
//! order costs this thread more than appending would, but this thread runs
//! beside the parser, while sorting appended pairs afterwards (tried: 1.4 s
//! of a million-row roster) held up everything after it. A student staged
//! before answers with the name stored first, which is the name every later
//! pair of that student carries (first row wins a student's name, whatever
//! order its rows come in).

use super::parse::Record;
use anyhow::Context;
use rusqlite::{params, Connection, OpenFlags, Statement};
use std::path::Path;
use tokio::sync::mpsc;

/// Receives batches until the parser closes the channel and stores each in
/// one transaction. The schema already exists (`Staging::create`).
pub(super) fn run(
    file: &Path,
    cache_kib: i64,
    mut batches: mpsc::Receiver<Vec<Record>>,
) -> anyhow::Result<()> {
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .context("cannot open the roster staging database")?;
    // As the other connection: no journal, no fsync (a failed import is
    // redone, never recovered).
    conn.query_row("PRAGMA journal_mode = OFF", [], |_| Ok(()))?;
    conn.execute_batch(&format!(
        "PRAGMA synchronous = OFF; PRAGMA temp_store = FILE; PRAGMA cache_size = -{cache_kib};"
    ))?;
    let mut statements = Statements::prepare(&conn)?;
    while let Some(batch) = batches.blocking_recv() {
        conn.execute_batch("BEGIN")?;
        store(&mut statements, &batch).context("staging a batch of roster rows")?;
        conn.execute_batch("COMMIT")?;
    }
    Ok(())
}

/// Every insert of the load, prepared once: looking a statement up in
/// rusqlite's cache hashes its text, once a row for each of a million rows.
struct Statements<'c> {
    student: Statement<'c>,
    student_again: Statement<'c>,
    address: Statement<'c>,
    pair: Statement<'c>,
    user: Statement<'c>,
    role: Statement<'c>,
    agent: Statement<'c>,
    rejected: Statement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Statements<'c>> {
        Ok(Statements {
            student: conn.prepare(
                "INSERT OR IGNORE INTO student (id, name, reachable) VALUES (?1, ?2, ?3)",
            )?,
            // A student whose rows are apart keeps its first name (the one
            // this answers with), and is reachable if any row is.
            student_again: conn.prepare(
                "UPDATE student SET reachable = max(reachable, ?2) WHERE id = ?1 RETURNING name",
            )?,
            address: conn
                .prepare("INSERT OR IGNORE INTO student_address (id, address) VALUES (?1, ?2)")?,
            pair: conn.prepare(
                "INSERT OR IGNORE INTO recipient_child
                     (email_key, student_id, child, line, email, guardian_name, language)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            user: conn.prepare(
                "INSERT INTO ou_user (line, id, name, email, email_key, email_state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            role: conn
                .prepare("INSERT INTO ou_role (user_id, role, user_line) VALUES (?1, ?2, ?3)")?,
            agent: conn.prepare(
                "INSERT INTO ou_agent (user_id, agent_id, user_line) VALUES (?1, ?2, ?3)",
            )?,
            rejected: conn.prepare(
                "INSERT INTO rejected (file_rank, file, line, reason) VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }
}

fn store(statements: &mut Statements<'_>, batch: &[Record]) -> anyhow::Result<()> {
    let mut rest = batch;
    while let Some((record, tail)) = rest.split_first() {
        let Record::Pair { student_id, .. } = record else {
            other(statements, record)?;
            rest = tail;
            continue;
        };
        // A student's rows usually follow one another (one per guardian):
        // they are staged as one student.
        let run = 1 + tail
            .iter()
            .take_while(
                |next| matches!(next, Record::Pair { student_id: id, .. } if id == student_id),
            )
            .count();
        let (rows, tail) = rest.split_at(run);
        pairs(statements, rows)?;
        rest = tail;
    }
    Ok(())
}

/// One student's consecutive plain CSV rows.
fn pairs(statements: &mut Statements<'_>, rows: &[Record]) -> anyhow::Result<()> {
    let Some(Record::Pair {
        student_id,
        student_name,
        ..
    }) = rows.first()
    else {
        return Ok(());
    };
    let reachable = rows.iter().any(|row| {
        matches!(
            row,
            Record::Pair {
                guardian: Some(_),
                ..
            }
        )
    });
    // A new student (the usual case) is one plain insert: RETURNING,
    // which buffers its answer in a temporary table, only for the others.
    let stored =
        if statements
            .student
            .execute(params![student_id, student_name, i64::from(reachable)])?
            == 1
        {
            None
        } else {
            statements.student_again.query_row(
                params![student_id, i64::from(reachable)],
                |row| {
                    let name = row.get_ref(0)?.as_str()?;
                    Ok((name != student_name).then(|| name.to_owned()))
                },
            )?
        };
    // The child as its recipients' messages list it, once for all its
    // pairs: the recipient view then only joins these (the field names
    // and order of `Child`).
    let child = serde_json::to_string(&ChildRef {
        student_id,
        name: stored.as_deref().unwrap_or(student_name),
    })?;
    for row in rows {
        let Record::Pair {
            line,
            guardian,
            address,
            ..
        } = row
        else {
            continue;
        };
        if let Some(address) = address {
            statements
                .address
                .execute(params![student_id, serde_json::to_string(address)?])?;
        }
        if let Some(g) = guardian {
            // Most addresses are spelled as their key (lower case): the
            // spelling is then left out, a fifth of the row's bytes.
            let email = (g.email != g.key).then_some(&g.email);
            statements.pair.execute(params![
                g.key,
                student_id,
                child,
                sql_int(*line),
                email,
                g.name,
                g.language
            ])?;
        }
    }
    Ok(())
}

/// A [`Child`](super::Child) serialized from borrowed fields.
#[derive(serde::Serialize)]
struct ChildRef<'a> {
    student_id: &'a str,
    name: &'a str,
}

/// A OneRoster row or a rejected row: the raw tables `resolve` joins once
/// every user is known.
fn other(statements: &mut Statements<'_>, record: &Record) -> anyhow::Result<()> {
    match record {
        Record::Pair { .. } => {}
        Record::User(user) => {
            let line = sql_int(user.line);
            statements.user.execute(params![
                line,
                user.id,
                user.name,
                user.email.address,
                user.email.key,
                user.email.state as i64
            ])?;
            if let Some(role) = user.role {
                statements
                    .role
                    .execute(params![user.id, role.as_str(), line])?;
            }
            for id in &user.agents {
                statements.agent.execute(params![user.id, id, line])?;
            }
        }
        Record::Role { user_id, role } => {
            statements
                .role
                .execute(params![user_id, role.as_str(), None::<i64>])?;
        }
        Record::Rejected {
            rank,
            file,
            line,
            reason,
        } => {
            statements
                .rejected
                .execute(params![i64::from(*rank), file, sql_int(*line), reason])?;
        }
    }
    Ok(())
}

/// Line numbers fit SQLite's signed integers for any file that fits a disk.
fn sql_int(line: u64) -> i64 {
    i64::try_from(line).unwrap_or(i64::MAX)
}
