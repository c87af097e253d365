//! Rosters on SQLite: replacing an incident's recipients page by page, in
//! one transaction, and reading what an import left.

use super::{audit, query, SqliteStore};
use crate::store::rows;
use crate::store::statements::{notices as notices_sql, roster as sql};
use crate::store::{audit_entries, RosterImportRecord, RosterPages, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};
use uuid::Uuid;

/// Rows per multi-row INSERT: 6 bound values each, far below SQLite's
/// 32,766 host parameters.
const PAGE_ROWS: usize = 500;

pub(super) async fn replace(
    store: &SqliteStore,
    record: &RosterImportRecord,
    source: &mut dyn RosterPages,
) -> StoreResult<bool> {
    let mut tx = store.write().await?;
    let statement = notices_sql::approved_at(record.incident_id);
    let approved: Option<Option<DateTime<Utc>>> = query(&statement)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    if approved.flatten().is_some() {
        return Ok(false);
    }
    let incident = record.incident_id.to_string();
    for statement in sql::clear(&incident) {
        query(&statement).execute(&mut *tx).await?;
    }
    loop {
        let page = source
            .next_recipients()
            .await
            .map_err(|e| StoreError::NotReady(format!("reading the roster: {e}")))?;
        if page.is_empty() {
            break;
        }
        for rows in page.chunks(PAGE_ROWS) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO notice_recipients (incident_id, email_key, email, name, language, children) ",
            );
            insert.push_values(rows, |mut row, recipient| {
                row.push_bind(&incident)
                    .push_bind(recipient.email.to_lowercase())
                    .push_bind(&recipient.email)
                    .push_bind(&recipient.name)
                    .push_bind(&recipient.language)
                    .push_bind(rows::to_json(&recipient.children));
            });
            insert.push(" ON CONFLICT (incident_id, email_key) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
    }
    loop {
        let page = source
            .next_unreachable()
            .await
            .map_err(|e| StoreError::NotReady(format!("reading the roster: {e}")))?;
        if page.is_empty() {
            break;
        }
        for rows in page.chunks(PAGE_ROWS) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO unreachable_students (incident_id, student_id, name) ",
            );
            insert.push_values(rows, |mut row, (student_id, name)| {
                row.push_bind(&incident)
                    .push_bind(student_id)
                    .push_bind(name);
            });
            insert.push(" ON CONFLICT (incident_id, student_id) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
    }
    let statement = sql::insert_import(record);
    query(&statement).execute(&mut *tx).await?;
    audit::append(&mut tx, &audit_entries::roster_imported(record)).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn latest_import(
    store: &SqliteStore,
    incident_id: Uuid,
) -> StoreResult<Option<RosterImportRecord>> {
    let statement = sql::latest_import(incident_id);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    row.as_ref().map(rows::roster_import).transpose()
}

pub(super) async fn unreachable(
    store: &SqliteStore,
    incident_id: Uuid,
) -> StoreResult<Vec<(String, String)>> {
    let statement = sql::unreachable(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::unreachable_student).collect()
}
