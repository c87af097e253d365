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

/// The languages the roster's guardians asked for (none: not given), each
/// once, for the preflight's message variants.
pub(crate) async fn languages<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<Option<String>>> {
    let rows = store.fetch_all(&sql::languages(incident_id)).await?;
    // Sorted here: the backends order NULL differently.
    let mut languages = rows
        .iter()
        .map(|row| crate::store::rows::Columns::read(row, "language"))
        .collect::<StoreResult<Vec<Option<String>>>>()?;
    languages.sort();
    Ok(languages)
}

pub(crate) async fn unreachable<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<(String, String)>> {
    let rows = store.fetch_all(&sql::unreachable(incident_id)).await?;
    rows.iter().map(rows::unreachable_student).collect()
}
