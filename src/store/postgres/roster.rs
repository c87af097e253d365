//! Rosters on PostgreSQL: reading what an import left (the replacement is
//! `store::writes::roster`).

use super::{query, PgStore};
use crate::store::rows;
use crate::store::statements::roster as sql;
use crate::store::{RosterImportRecord, StoreResult};
use uuid::Uuid;

pub(super) async fn latest_import(
    store: &PgStore,
    incident_id: Uuid,
) -> StoreResult<Option<RosterImportRecord>> {
    let statement = sql::latest_import(incident_id);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    row.as_ref().map(rows::roster_import).transpose()
}

pub(super) async fn unreachable(
    store: &PgStore,
    incident_id: Uuid,
) -> StoreResult<Vec<(String, String)>> {
    let statement = sql::unreachable(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::unreachable_student).collect()
}
