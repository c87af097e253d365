//! Replacing an incident's roster page by page, in one transaction.

use super::audit;
use crate::store::statements::{notices as notices_sql, roster as sql};
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{audit_entries, RosterImportRecord, RosterPages, StoreError, StoreResult};
use chrono::{DateTime, Utc};

/// Rows per multi-row insert: 6 bound values each, far below SQLite's
/// 32,766 host parameters and PostgreSQL's 65,535 bind parameters.
const PAGE_ROWS: usize = 500;

/// Replaces the roster with the pages of `source`; refused (false) once
/// the notice has been approved.
pub(crate) async fn replace<S: Writer>(
    store: &S,
    record: &RosterImportRecord,
    source: &mut dyn RosterPages,
) -> StoreResult<bool> {
    let placeholders = <S::Tx as WriteTx>::PLACEHOLDERS;
    let incident = record.incident_id.to_string();
    let mut tx = store.begin_write().await?;
    tx.lock_notice(&incident).await?;
    let approved: Option<Option<DateTime<Utc>>> = tx
        .fetch_optional(&notices_sql::approved_at(record.incident_id))
        .await?
        .map(|row| row.read_at(0))
        .transpose()?;
    if approved.flatten().is_some() {
        return Ok(false);
    }
    for statement in sql::clear(&incident) {
        tx.execute(&statement).await?;
    }
    loop {
        let page = source.next_recipients().await.map_err(unreadable)?;
        if page.is_empty() {
            break;
        }
        for rows in page.chunks(PAGE_ROWS) {
            let statement = sql::insert_recipients(&incident, rows, placeholders);
            tx.execute(&statement).await?;
        }
    }
    loop {
        let page = source.next_unreachable().await.map_err(unreadable)?;
        if page.is_empty() {
            break;
        }
        for rows in page.chunks(PAGE_ROWS) {
            let statement = sql::insert_unreachable(&incident, rows, placeholders);
            tx.execute(&statement).await?;
        }
    }
    loop {
        let page = source.next_addresses().await.map_err(unreadable)?;
        if page.is_empty() {
            break;
        }
        for rows in page.chunks(PAGE_ROWS) {
            let statement = sql::insert_addresses(&incident, rows, placeholders);
            tx.execute(&statement).await?;
        }
    }
    tx.execute(&sql::insert_import(record)).await?;
    audit::append(&mut tx, &audit_entries::roster_imported(record)).await?;
    tx.commit().await?;
    Ok(true)
}

fn unreadable(error: anyhow::Error) -> StoreError {
    StoreError::NotReady(format!("reading the roster: {error}"))
}
