//! The audit log on SQLite.

use super::{query, SqliteStore, Tx};
use crate::audit::{AuditEntry, NewAudit};
use crate::store::rows;
use crate::store::statements::audit as sql;
use crate::store::StoreResult;
use sqlx::Row;
use uuid::Uuid;

/// Appends an entry inside the caller's transaction. The write lock that
/// `BEGIN IMMEDIATE` holds serializes appenders, so the chain stays linear.
pub(super) async fn append(tx: &mut Tx, entry: &NewAudit) -> StoreResult<()> {
    let head = sql::head();
    let last: Option<(i64, String)> = query(&head)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
        .transpose()?;
    let (last_seq, prev_hash) = last.unwrap_or((0, crate::audit::GENESIS.to_owned()));
    let seq = last_seq + 1;
    let hash = crate::audit::entry_hash(&prev_hash, seq, entry);
    let statement = sql::insert(seq, entry, &prev_hash, &hash);
    query(&statement).execute(&mut **tx).await?;
    Ok(())
}

/// Appends an entry in a transaction of its own.
pub(super) async fn append_alone(store: &SqliteStore, entry: &NewAudit) -> StoreResult<()> {
    let mut tx = store.write().await?;
    append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn after(
    store: &SqliteStore,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let statement = sql::after(after, limit);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::audit).collect()
}

pub(super) async fn of_incident(
    store: &SqliteStore,
    incident_id: Uuid,
) -> StoreResult<Vec<AuditEntry>> {
    let statement = sql::of_incident(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::audit).collect()
}
