//! Incidents on PostgreSQL: reading them and their events. Filing one and
//! recording its events are `store::writes::incidents`.

use super::{query, PgStore};
use crate::store::rows::{self, Columns};
use crate::store::statements::incidents as sql;
use crate::store::{
    EventRecord, IncidentRecord, IncidentStatusFilter, IncidentSummary, StoreResult, StoredResponse,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

async fn events(store: &PgStore, incident_id: Uuid) -> StoreResult<Vec<EventRecord>> {
    let statement = sql::events(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::event).collect()
}

pub(super) async fn idempotent_response(
    store: &PgStore,
    caller: &str,
    key: &str,
) -> StoreResult<Option<StoredResponse>> {
    let statement = sql::idempotent_response(caller, key);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    row.as_ref().map(rows::stored_response).transpose()
}

pub(super) async fn incident(store: &PgStore, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
    let statement = sql::by_id(id);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    let Some(row) = row else { return Ok(None) };
    let mut incident = rows::incident(&row)?;
    incident.events = events(store, id).await?;
    Ok(Some(incident))
}

pub(super) async fn list(
    store: &PgStore,
    status: Option<IncidentStatusFilter>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<IncidentSummary>> {
    let statement = sql::list(status, now, limit, offset);
    let rows = query(&statement).fetch_all(&store.pool).await?;
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
