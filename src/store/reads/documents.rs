//! Reading signed documents.

use crate::store::read::Reader;
use crate::store::rows::{self, Columns};
use crate::store::statements::documents as sql;
use crate::store::{Document, DocumentOwner, StoreResult};
use uuid::Uuid;

pub(crate) async fn all<S: Reader>(store: &S, owner: DocumentOwner) -> StoreResult<Vec<Document>> {
    let rows = store.fetch_all(&sql::all(owner)).await?;
    rows.iter().map(rows::document).collect()
}

pub(crate) async fn one<S: Reader>(
    store: &S,
    owner: DocumentOwner,
    owner_id: Uuid,
) -> StoreResult<Option<(Document, Vec<u8>)>> {
    let Some(row) = store.fetch_optional(&sql::one(owner, owner_id)).await? else {
        return Ok(None);
    };
    Ok(Some((rows::document(&row)?, row.read("content")?)))
}
