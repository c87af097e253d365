//! Filing an incident (with its obligations, jobs and idempotency key) and
//! recording its events.

use super::{audit, obligations};
use crate::domain::incident::ReportedFacts;
use crate::store::statements::incidents as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{
    audit_entries, CreateOutcome, EventRecord, IdempotencyRecord, IncidentRecord, NewJob,
    ObligationRecord, StoreError, StoreResult,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn create<S: Writer>(
    store: &S,
    incident: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
    idempotency: Option<&IdempotencyRecord>,
) -> StoreResult<CreateOutcome> {
    let mut tx = store.begin_write().await?;
    if let Some(record) = idempotency {
        // On PostgreSQL a concurrent request with the same key waits here
        // on the unique index until the first commits, then inserts nothing.
        let statement = sql::insert_idempotency(record, incident.created_at);
        if tx.execute(&statement).await? == 0 {
            drop(tx);
            let first = store
                .idempotent_response(&record.caller, &record.key)
                .await?
                .ok_or_else(|| StoreError::Corrupt("idempotency key vanished".into()))?;
            return Ok(CreateOutcome::Replayed(first));
        }
    }
    tx.execute(&sql::insert(incident)).await?;
    for event in &incident.events {
        tx.execute(&sql::insert_event(incident.id, event)).await?;
    }
    obligations::upsert(&mut tx, incident.id, obligations).await?;
    tx.insert_jobs(jobs, incident.created_at).await?;
    let entry = audit_entries::incident_filed(incident, obligations);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(CreateOutcome::Created)
}

pub(crate) async fn record_event<S: Writer>(
    store: &S,
    incident_id: Uuid,
    expected_version: i64,
    event: &EventRecord,
    facts: Option<&ReportedFacts>,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
) -> StoreResult<()> {
    let change = EventChange::Recorded { facts };
    change_event(
        store,
        incident_id,
        expected_version,
        event,
        change,
        obligations,
        jobs,
    )
    .await
}

/// What happens to the event: recorded for the first time, or moved from
/// `previous` to its corrected time for `reason`.
pub(crate) enum EventChange<'a> {
    /// With the incident's facts as they now stand, when they change too.
    Recorded { facts: Option<&'a ReportedFacts> },
    Corrected {
        previous: DateTime<Utc>,
        reason: &'a str,
    },
}

/// Records or corrects a clock event and replaces the derived obligations
/// and their planned reminders, in one transaction: the version check makes
/// a concurrent change fail with `Conflict` instead of being lost.
pub(crate) async fn change_event<S: Writer>(
    store: &S,
    incident_id: Uuid,
    expected_version: i64,
    event: &EventRecord,
    change: EventChange<'_>,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    // On PostgreSQL a concurrent writer holding the row makes this wait,
    // then the version check fails on the row it committed: Conflict.
    let statement = sql::bump_version(incident_id, expected_version);
    if tx.execute(&statement).await? == 0 {
        return Err(StoreError::Conflict);
    }
    let entry = match change {
        EventChange::Recorded { facts } => {
            tx.execute(&sql::insert_event(incident_id, event)).await?;
            if let Some(facts) = facts {
                tx.execute(&sql::set_facts(incident_id, facts)).await?;
            }
            audit_entries::event_recorded(incident_id, event, obligations)
        }
        EventChange::Corrected { previous, reason } => {
            if tx.execute(&sql::correct_event(incident_id, event)).await? == 0 {
                return Err(StoreError::Conflict);
            }
            tx.execute(&sql::clear_event_completions(incident_id))
                .await?;
            audit_entries::event_corrected(incident_id, event, previous, reason, obligations)
        }
    };
    obligations::upsert(&mut tx, incident_id, obligations).await?;
    tx.delete_dropped_obligations(incident_id, obligations)
        .await?;
    tx.cancel_stale_jobs(incident_id, event.recorded_at).await?;
    tx.insert_jobs(jobs, event.recorded_at).await?;
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(())
}
