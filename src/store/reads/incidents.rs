//! Reading incidents and their events. Filing one and recording its
//! events are `store::writes::incidents`.

use crate::store::read::Reader;
use crate::store::rows::{self, Columns};
use crate::store::statements::incidents as sql;
use crate::store::{
    EventRecord, IncidentRecord, IncidentStatusFilter, IncidentSummary, StoreResult, StoredResponse,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

async fn events<S: Reader>(store: &S, incident_id: Uuid) -> StoreResult<Vec<EventRecord>> {
    let rows = store.fetch_all(&sql::events(incident_id)).await?;
    rows.iter().map(rows::event).collect()
}

pub(crate) async fn idempotent_response<S: Reader>(
    store: &S,
    caller: &str,
    key: &str,
) -> StoreResult<Option<StoredResponse>> {
    let statement = sql::idempotent_response(caller, key);
    let row = store.fetch_optional(&statement).await?;
    row.as_ref().map(rows::stored_response).transpose()
}

pub(crate) async fn incident<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<IncidentRecord>> {
    let row = store.fetch_optional(&sql::by_id(id)).await?;
    let Some(row) = row else { return Ok(None) };
    let mut incident = rows::incident(&row)?;
    incident.events = events(store, id).await?;
    Ok(Some(incident))
}

pub(crate) async fn list<S: Reader>(
    store: &S,
    status: Option<IncidentStatusFilter>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<IncidentSummary>> {
    let rows = store
        .fetch_all(&sql::list(status, now, limit, offset))
        .await?;
    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut incident = rows::incident(row)?;
        incident.events = events(store, incident.id).await?;
        summaries.push(IncidentSummary {
            incident,
            unsettled: row.read("unsettled")?,
            next_due_at: row.read("next_due_at")?,
        });
    }
    Ok(summaries)
}
