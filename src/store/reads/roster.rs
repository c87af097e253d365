//! Reading what a roster import left (the replacement is
//! `store::writes::roster`).

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::roster as sql;
use crate::store::{RosterImportRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn latest_import<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Option<RosterImportRecord>> {
    let row = store
        .fetch_optional(&sql::latest_import(incident_id))
        .await?;
    row.as_ref().map(rows::roster_import).transpose()
}

pub(crate) async fn unreachable<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<(String, String)>> {
    let rows = store.fetch_all(&sql::unreachable(incident_id)).await?;
    rows.iter().map(rows::unreachable_student).collect()
}
