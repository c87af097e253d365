//! Reading privacy requests and their duties.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::requests as sql;
use crate::store::{ObligationRecord, PrivacyRequestRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn request<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<PrivacyRequestRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    row.as_ref().map(rows::privacy_request).transpose()
}

pub(crate) async fn page<S: Reader>(
    store: &S,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<PrivacyRequestRecord>> {
    let rows = store.fetch_all(&sql::page(limit, offset)).await?;
    rows.iter().map(rows::privacy_request).collect()
}

pub(crate) async fn obligations<S: Reader>(
    store: &S,
    request_id: Uuid,
) -> StoreResult<Vec<ObligationRecord>> {
    let rows = store.fetch_all(&sql::obligations_of(request_id)).await?;
    rows.iter().map(rows::obligation).collect()
}
