//! Replacing an incident's roster without holding the database for the
//! whole import (issue 12, item 10): the pages are copied under the
//! import's own version, each page in a short transaction of its own, so
//! that on SQLite other writers (filings, reminders, claims) take their
//! turn between pages instead of waiting out the import; readers keep to
//! the version `roster_current` names, so nobody sees a half-copied roster.
//! One small transaction then checks the notice is still open, points
//! `roster_current` at the new version, records the import and audits it:
//! the new roster becomes visible at once and whole. The versions it
//! replaced are deleted afterwards, in bounded transactions too.
//!
//! Two imports of one incident at once: each copies its own version; the
//! one that started later (import ids are UUIDv7, so they sort by start)
//! wins, and the other is refused at its switch ([`StoreError::Conflict`])
//! rather than put back an older file. A crash mid-copy leaves an unseen
//! version behind, deleted by the next import of that incident.

use super::audit;
use crate::store::statements::{notices as notices_sql, roster as sql};
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{audit_entries, RosterImportRecord, RosterPages, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Rows per multi-row insert: 7 bound values each, 28,000 in all, below
/// SQLite's 32,766 host parameters and PostgreSQL's 65,535 bind parameters;
/// fewer, larger statements cost less per row.
const PAGE_ROWS: usize = 4000;

/// Rows deleted per transaction when an old version goes.
const DELETE_ROWS: i64 = 5000;

/// Replaces the roster with the pages of `source`; refused (false) once
/// the notice has been approved, [`StoreError::Conflict`] when an import of
/// the same incident that started later got there first.
pub(crate) async fn replace<S: Writer>(
    store: &S,
    record: &RosterImportRecord,
    source: &mut dyn RosterPages,
) -> StoreResult<bool> {
    let incident = record.incident_id.to_string();
    let version = record.id.to_string();
    // Checked first so that an approved notice does not cost a copy; the
    // switch checks again, under the notice's lock.
    if approved(store, record.incident_id).await? {
        return Ok(false);
    }
    if let Err(error) = copy(store, &incident, &version, source).await {
        discard(store, &incident, &version).await;
        return Err(error);
    }

    let mut tx = store.begin_write().await?;
    tx.lock_notice(&incident).await?;
    let open = !approved_in(&mut tx, record.incident_id).await?;
    let current: Option<String> = tx
        .fetch_optional(&sql::current(&incident))
        .await?
        .map(|row| row.read_at(0))
        .transpose()?;
    let superseded = current
        .as_deref()
        .is_some_and(|current| *current > *version);
    if !open || superseded {
        drop(tx);
        discard(store, &incident, &version).await;
        return if superseded {
            Err(StoreError::Conflict)
        } else {
            Ok(false)
        };
    }
    tx.execute(&sql::set_current(&incident, &version)).await?;
    tx.execute(&sql::insert_import(record)).await?;
    audit::append(&mut tx, &audit_entries::roster_imported(record)).await?;
    tx.commit().await?;

    // Unseen from here on: a failure only leaves rows the next import of
    // this incident deletes.
    if let Err(error) = delete_older(store, &incident, &version).await {
        tracing::warn!(
            incident_id = %record.incident_id,
            error = format!("{error:#}"),
            "deleting the replaced roster failed; the next import retries"
        );
    }
    Ok(true)
}

/// Copies every page of `source` under `version`, one transaction a page;
/// inside the database when the backend can read the staged file itself.
async fn copy<S: Writer>(
    store: &S,
    incident: &str,
    version: &str,
    source: &mut dyn RosterPages,
) -> StoreResult<()> {
    if let Some(file) = source.sqlite_file() {
        if store.copy_staged_roster(file, incident, version).await? {
            return Ok(());
        }
    }
    let placeholders = <S::Tx as WriteTx>::PLACEHOLDERS;
    // Time reading the staged pages against time writing them (profiling,
    // `breachd::store=debug`).
    let mut reading = Duration::ZERO;
    let mut writing = Duration::ZERO;
    // A page is read from the staging database before its transaction
    // begins: the write lock is held for the inserts alone.
    loop {
        let started = Instant::now();
        let page = source.next_recipients().await.map_err(unreadable)?;
        reading += started.elapsed();
        if page.is_empty() {
            break;
        }
        let started = Instant::now();
        let mut tx = store.begin_write().await?;
        for rows in page.chunks(PAGE_ROWS) {
            tx.execute(&sql::insert_recipients(
                incident,
                version,
                rows,
                placeholders,
            ))
            .await?;
        }
        tx.commit().await?;
        writing += started.elapsed();
    }
    loop {
        let started = Instant::now();
        let page = source.next_unreachable().await.map_err(unreadable)?;
        reading += started.elapsed();
        if page.is_empty() {
            break;
        }
        let started = Instant::now();
        let mut tx = store.begin_write().await?;
        for rows in page.chunks(PAGE_ROWS) {
            tx.execute(&sql::insert_unreachable(
                incident,
                version,
                rows,
                placeholders,
            ))
            .await?;
        }
        tx.commit().await?;
        writing += started.elapsed();
    }
    loop {
        let started = Instant::now();
        let page = source.next_addresses().await.map_err(unreadable)?;
        reading += started.elapsed();
        if page.is_empty() {
            break;
        }
        let started = Instant::now();
        let mut tx = store.begin_write().await?;
        for rows in page.chunks(PAGE_ROWS) {
            tx.execute(&sql::insert_addresses(
                incident,
                version,
                rows,
                placeholders,
            ))
            .await?;
        }
        tx.commit().await?;
        writing += started.elapsed();
    }
    tracing::debug!(
        reading_ms = reading.as_millis() as u64,
        writing_ms = writing.as_millis() as u64,
        "roster copied"
    );
    Ok(())
}

async fn approved<S: Writer>(store: &S, incident: Uuid) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    approved_in(&mut tx, incident).await
}

async fn approved_in<T: WriteTx>(tx: &mut T, incident: Uuid) -> StoreResult<bool> {
    let approved: Option<Option<DateTime<Utc>>> = tx
        .fetch_optional(&notices_sql::approved_at(incident))
        .await?
        .map(|row| row.read_at(0))
        .transpose()?;
    Ok(approved.flatten().is_some())
}

/// Deletes every version of the incident's roster that sorts before
/// `version` (the ones it replaced, and any a crash left half-copied).
async fn delete_older<S: Writer>(store: &S, incident: &str, version: &str) -> StoreResult<()> {
    for table in sql::TABLES {
        let mut tx = store.begin_write().await?;
        let older: Vec<String> = tx
            .fetch_all(&sql::older_versions(table.0, incident, version))
            .await?
            .iter()
            .map(|row| row.read_at(0))
            .collect::<StoreResult<_>>()?;
        drop(tx);
        for old in older {
            delete_version(store, table, incident, &old).await?;
        }
    }
    Ok(())
}

/// Deletes one version from one table, `DELETE_ROWS` rows a transaction.
async fn delete_version<S: Writer>(
    store: &S,
    table: (&str, &str),
    incident: &str,
    version: &str,
) -> StoreResult<()> {
    loop {
        let mut tx = store.begin_write().await?;
        let deleted = tx
            .execute(&sql::delete_some(table, incident, version, DELETE_ROWS))
            .await?;
        tx.commit().await?;
        if deleted < DELETE_ROWS as u64 {
            return Ok(());
        }
    }
}

/// Removes the rows an import copied before it failed or was refused; they
/// were never seen, so a failure here is only logged.
async fn discard<S: Writer>(store: &S, incident: &str, version: &str) {
    for table in sql::TABLES {
        if let Err(error) = delete_version(store, table, incident, version).await {
            tracing::warn!(
                error = format!("{error:#}"),
                "deleting an unfinished roster copy failed; the next import retries"
            );
            return;
        }
    }
}

fn unreadable(error: anyhow::Error) -> StoreError {
    StoreError::NotReady(format!("reading the roster: {error}"))
}
