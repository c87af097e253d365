//! Reading the notice to families and the fan-out's progress. The pages
//! of due messages, the list of deliveries and the published copies are
//! each backend's own SQL.

use crate::store::read::Reader;
use crate::store::rows::{self, Columns};
use crate::store::statements::notices as sql;
use crate::store::tx::Cells;
use crate::store::{EmailStatus, NoticeRecord, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn notice<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Option<NoticeRecord>> {
    let row = store.fetch_optional(&sql::by_incident(incident_id)).await?;
    row.as_ref().map(rows::notice).transpose()
}

pub(crate) async fn family_unsettled<S: Reader>(store: &S, incident_id: Uuid) -> StoreResult<bool> {
    store
        .fetch_one(&sql::family_unsettled(incident_id))
        .await?
        .read_at(0)
}

pub(crate) async fn chunk_pending<S: Reader>(
    store: &S,
    incident_id: Uuid,
    chunk: i64,
) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
    let row = store
        .fetch_one(&sql::chunk_pending(incident_id, chunk))
        .await?;
    Ok((row.read("pending")?, row.read("next")?))
}

pub(crate) async fn delivery_counts<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<(EmailStatus, i64)>> {
    let rows = store.fetch_all(&sql::delivery_counts(incident_id)).await?;
    rows.iter().map(rows::delivery_count).collect()
}
