//! Reading the vendor registry.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::vendors as sql;
use crate::store::{StoreResult, VendorRecord};
use uuid::Uuid;

pub(crate) async fn vendor<S: Reader>(store: &S, id: Uuid) -> StoreResult<Option<VendorRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    row.as_ref().map(rows::vendor).transpose()
}

pub(crate) async fn all<S: Reader>(store: &S) -> StoreResult<Vec<VendorRecord>> {
    let rows = store.fetch_all(&sql::all()).await?;
    rows.iter().map(rows::vendor).collect()
}
