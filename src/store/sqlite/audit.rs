//! The audit log on SQLite: reading it (appends are `store::writes::audit`,
//! serialized by `BEGIN IMMEDIATE`).

use super::{query, SqliteStore};
use crate::audit::AuditEntry;
use crate::store::rows;
use crate::store::statements::audit as sql;
use crate::store::StoreResult;
use uuid::Uuid;

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
