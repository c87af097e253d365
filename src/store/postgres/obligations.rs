//! Obligations on PostgreSQL: their upsert on recomputation, lists, counts and
//! settlement.

use super::{audit, query, PgStore, Tx};
use crate::domain::ObligationStatus;
use crate::store::rows::{self, Columns};
use crate::store::statements::{jobs as jobs_sql, obligations as sql};
use crate::store::{
    audit_entries, ObligationFilter, ObligationRecord, ObligationWithIncident, SettleOutcome,
    Settlement, StoreResult,
};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

pub(super) async fn upsert(
    tx: &mut Tx,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    for obligation in obligations {
        let statement = sql::upsert(incident_id, obligation);
        query(&statement).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Kinds the rules no longer produce go, unless someone acted on them.
pub(super) async fn delete_dropped(
    tx: &mut Tx,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    let kinds: Vec<String> = obligations.iter().map(|o| o.kind.clone()).collect();
    sqlx::query(
        "DELETE FROM obligations WHERE incident_id = $1 AND completed_at IS NULL AND waived_at IS NULL
           AND NOT (kind = ANY($2))",
    )
    .bind(incident_id.to_string())
    .bind(kinds)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) async fn obligation(store: &PgStore, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
    let statement = sql::by_id(id);
    let row = query(&statement).fetch_optional(&store.pool).await?;
    row.as_ref().map(rows::obligation).transpose()
}

pub(super) async fn of_incident(
    store: &PgStore,
    incident_id: Uuid,
) -> StoreResult<Vec<ObligationRecord>> {
    let statement = sql::of_incident(incident_id);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::obligation).collect()
}

pub(super) async fn list(
    store: &PgStore,
    filter: &ObligationFilter,
) -> StoreResult<Vec<ObligationWithIncident>> {
    let statement = sql::list(filter);
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::obligation_with_incident).collect()
}

pub(super) async fn settle(
    store: &PgStore,
    id: Uuid,
    settlement: &Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<SettleOutcome> {
    let mut tx = store.pool.begin().await?;
    // Two administrators settling at once: the second waits for the first's
    // row lock, then finds it settled (AlreadySettled).
    let statement = sql::settle(id, settlement, by, now);
    let updated = query(&statement).execute(&mut *tx).await?;
    if updated.rows_affected() > 0 {
        let statement = sql::incident_of(id);
        let incident: Option<String> = query(&statement)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let incident = incident.and_then(|t| Uuid::parse_str(&t).ok());
        let entry = audit_entries::obligation_settled(incident, id, settlement, by, now);
        audit::append(&mut tx, &entry).await?;
        let statement = jobs_sql::cancel_for_obligation(id, now);
        query(&statement).execute(&mut *tx).await?;
    }
    let statement = sql::by_id(id);
    let row = query(&statement).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    Ok(match row {
        None => SettleOutcome::NotFound,
        Some(row) if updated.rows_affected() == 0 => {
            SettleOutcome::AlreadySettled(rows::obligation(&row)?)
        }
        Some(row) => SettleOutcome::Settled(rows::obligation(&row)?),
    })
}

pub(super) async fn unsettled(store: &PgStore) -> StoreResult<Vec<ObligationRecord>> {
    let statement = sql::unsettled();
    let rows = query(&statement).fetch_all(&store.pool).await?;
    rows.iter().map(rows::obligation).collect()
}

/// Every status counted in one pass.
pub(super) async fn counts(
    store: &PgStore,
    now: DateTime<Utc>,
) -> StoreResult<Vec<(ObligationStatus, i64)>> {
    let statement = sql::counts_in_one_pass(now);
    let row = query(&statement).fetch_one(&store.pool).await?;
    ObligationStatus::ALL
        .into_iter()
        .map(|status| Ok((status, row.read::<i64>(status.as_str())?)))
        .collect()
}
