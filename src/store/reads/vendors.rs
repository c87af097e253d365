//! Reading the vendor registry.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::vendors as sql;
use crate::store::{StoreResult, VendorDocument, VendorRecord};
use uuid::Uuid;

pub(crate) async fn vendor<S: Reader>(store: &S, id: Uuid) -> StoreResult<Option<VendorRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    row.as_ref().map(rows::vendor).transpose()
}

pub(crate) async fn all<S: Reader>(store: &S) -> StoreResult<Vec<VendorRecord>> {
    let rows = store.fetch_all(&sql::all()).await?;
    rows.iter().map(rows::vendor).collect()
}

pub(crate) async fn documents<S: Reader>(store: &S) -> StoreResult<Vec<VendorDocument>> {
    let rows = store.fetch_all(&sql::documents()).await?;
    rows.iter().map(rows::vendor_document).collect()
}

pub(crate) async fn document<S: Reader>(
    store: &S,
    vendor_id: Uuid,
) -> StoreResult<Option<(VendorDocument, Vec<u8>)>> {
    let Some(row) = store.fetch_optional(&sql::document(vendor_id)).await? else {
        return Ok(None);
    };
    use crate::store::rows::Columns;
    Ok(Some((rows::vendor_document(&row)?, row.read("content")?)))
}
