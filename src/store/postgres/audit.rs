//! The audit log on PostgreSQL: the lock appenders take turns on (appends
//! are `store::writes::audit`), and reading the log.

use super::{query, PgStore, Tx};
use crate::audit::AuditEntry;
use crate::store::rows;
use crate::store::statements::audit as sql;
use crate::store::StoreResult;
use uuid::Uuid;

/// Any number that is this store's own: the advisory lock that makes
/// audit appends take turns, keeping the chain linear.
const AUDIT_LOCK: i64 = 0x6272_6561_6368_6431; // "breachd1"

/// Makes audit appenders take turns: writers run concurrently under READ
/// COMMITTED, so an appender takes this transaction advisory lock
/// (released at commit) and only then reads the chain's head.
pub(super) async fn lock_chain(tx: &mut Tx) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut **tx)
        .await?;
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
