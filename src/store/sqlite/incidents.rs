//! Incidents on SQLite: filing one (with its obligations, jobs and
//! idempotency key) and recording its events.

use super::{audit, jobs, obligations, query, SqliteStore};
use crate::store::rows::{self, Columns};
use crate::store::statements::incidents as sql;
use crate::store::{
    audit_entries, CreateOutcome, EventRecord, IdempotencyRecord, IncidentRecord,
    IncidentStatusFilter, IncidentSummary, NewJob, ObligationRecord, StoreError, StoreResult,
    StoredResponse,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

async fn events(store: &SqliteStore, incident_id: Uuid) -> StoreResult<Vec<EventRecord>> {
    let statement = sql::events(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::event).collect()
}

pub(super) async fn idempotent_response(
    store: &SqliteStore,
    caller: &str,
    key: &str,
) -> StoreResult<Option<StoredResponse>> {
    let statement = sql::idempotent_response(caller, key);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    row.as_ref().map(rows::stored_response).transpose()
}

pub(super) async fn create(
    store: &SqliteStore,
    incident: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
    idempotency: Option<&IdempotencyRecord>,
) -> StoreResult<CreateOutcome> {
    let mut tx = store.write().await?;
    if let Some(record) = idempotency {
        let statement = sql::insert_idempotency(record, incident.created_at);
        let inserted = query(&statement).execute(&mut *tx).await?;
        if inserted.rows_affected() == 0 {
            drop(tx);
            let first = idempotent_response(store, &record.caller, &record.key)
                .await?
                .ok_or_else(|| StoreError::Corrupt("idempotency key vanished".into()))?;
            return Ok(CreateOutcome::Replayed(first));
        }
    }
    query(&sql::insert(incident)).execute(&mut *tx).await?;
    for event in &incident.events {
        let statement = sql::insert_event(incident.id, event);
        query(&statement).execute(&mut *tx).await?;
    }
    obligations::upsert(&mut tx, incident.id, obligations).await?;
    jobs::insert(&mut tx, jobs, incident.created_at).await?;
    let entry = audit_entries::incident_filed(incident, obligations);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(CreateOutcome::Created)
}

pub(super) async fn incident(store: &SqliteStore, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
    let statement = sql::by_id(id);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    let Some(row) = row else { return Ok(None) };
    let mut incident = rows::incident(&row)?;
    incident.events = events(store, id).await?;
    Ok(Some(incident))
}

pub(super) async fn list(
    store: &SqliteStore,
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

pub(super) async fn record_event(
    store: &SqliteStore,
    incident_id: Uuid,
    expected_version: i64,
    event: &EventRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
) -> StoreResult<()> {
    let mut tx = store.write().await?;
    let statement = sql::bump_version(incident_id, expected_version);
    let bumped = query(&statement).execute(&mut *tx).await?;
    if bumped.rows_affected() == 0 {
        return Err(StoreError::Conflict);
    }
    let statement = sql::insert_event(incident_id, event);
    query(&statement).execute(&mut *tx).await?;
    obligations::upsert(&mut tx, incident_id, obligations).await?;
    obligations::delete_dropped(&mut tx, incident_id, obligations).await?;
    jobs::cancel_stale(&mut tx, incident_id, event.recorded_at).await?;
    jobs::insert(&mut tx, jobs, event.recorded_at).await?;
    let entry = audit_entries::event_recorded(incident_id, event, obligations);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
