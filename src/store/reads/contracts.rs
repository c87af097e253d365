//! Reading contracts and their duties.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::contracts as sql;
use crate::store::{ContractRecord, ObligationRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn contract<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<ContractRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    row.as_ref().map(rows::contract).transpose()
}

pub(crate) async fn all<S: Reader>(store: &S) -> StoreResult<Vec<ContractRecord>> {
    let rows = store.fetch_all(&sql::all()).await?;
    rows.iter().map(rows::contract).collect()
}

pub(crate) async fn obligations<S: Reader>(
    store: &S,
    contract_id: Uuid,
) -> StoreResult<Vec<ObligationRecord>> {
    let rows = store.fetch_all(&sql::obligations_of(contract_id)).await?;
    rows.iter().map(rows::obligation).collect()
}
