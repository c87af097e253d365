//! The audit log on PostgreSQL.

use super::{query, PgStore, Tx};
use crate::audit::{AuditEntry, NewAudit};
use crate::store::rows;
use crate::store::statements::audit as sql;
use crate::store::StoreResult;
use sqlx::Row;
use uuid::Uuid;

/// Any number that is this store's own: the advisory lock that makes
/// audit appends take turns, keeping the chain linear.
const AUDIT_LOCK: i64 = 0x6272_6561_6368_6431; // "breachd1"

/// Appends an entry inside the caller's transaction. Writers run
/// concurrently under READ COMMITTED, so appenders first take a transaction
/// advisory lock (released at commit) and only then read the chain's head.
pub(super) async fn append(tx: &mut Tx, entry: &NewAudit) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut **tx)
        .await?;
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
pub(super) async fn append_alone(store: &PgStore, entry: &NewAudit) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn after(store: &PgStore, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
    let statement = sql::after(after, limit);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::audit).collect()
}

pub(super) async fn of_incident(
    store: &PgStore,
    incident_id: Uuid,
) -> StoreResult<Vec<AuditEntry>> {
    let statement = sql::of_incident(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::audit).collect()
}
