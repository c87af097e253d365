//! Reading obligations. The counts by status are each backend's own (a
//! statement per status on SQLite, one pass on PostgreSQL); upsert and
//! settlement are `store::writes::obligations`.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::obligations as sql;
use crate::store::{ObligationFilter, ObligationRecord, ObligationWithIncident, StoreResult};
use uuid::Uuid;

pub(crate) async fn obligation<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<ObligationRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    row.as_ref().map(rows::obligation).transpose()
}

pub(crate) async fn of_incident<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<ObligationRecord>> {
    let rows = store.fetch_all(&sql::of_incident(incident_id)).await?;
    rows.iter().map(rows::obligation).collect()
}

pub(crate) async fn list<S: Reader>(
    store: &S,
    filter: &ObligationFilter,
) -> StoreResult<Vec<ObligationWithIncident>> {
    let rows = store.fetch_all(&sql::list(filter)).await?;
    rows.iter().map(rows::obligation_with_incident).collect()
}

pub(crate) async fn unsettled<S: Reader>(store: &S) -> StoreResult<Vec<ObligationRecord>> {
    let rows = store.fetch_all(&sql::unsettled()).await?;
    rows.iter().map(rows::obligation).collect()
}
