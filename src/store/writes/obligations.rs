//! Obligations: their upsert on recomputation, and settlement.

use super::audit;
use crate::store::rows;
use crate::store::statements::{jobs as jobs_sql, obligations as sql};
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{audit_entries, ObligationRecord, SettleOutcome, Settlement, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub(crate) async fn upsert<T: WriteTx>(
    tx: &mut T,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    for obligation in obligations {
        tx.execute(&sql::upsert(incident_id, obligation)).await?;
    }
    Ok(())
}

pub(crate) async fn settle<S: Writer>(
    store: &S,
    id: Uuid,
    settlement: &Settlement,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<SettleOutcome> {
    let mut tx = store.begin_write().await?;
    // Two administrators settling at once: on PostgreSQL the second waits
    // for the first's row lock, then finds it settled (AlreadySettled).
    let updated = tx.execute(&sql::settle(id, settlement, by, now)).await?;
    if updated > 0 {
        let incident: Option<String> = tx
            .fetch_optional(&sql::incident_of(id))
            .await?
            .map(|row| row.read_at(0))
            .transpose()?;
        let incident = incident.and_then(|t| Uuid::parse_str(&t).ok());
        let entry = audit_entries::obligation_settled(incident, id, settlement, by, now);
        audit::append(&mut tx, &entry).await?;
        tx.execute(&jobs_sql::cancel_for_obligation(id, now))
            .await?;
    }
    let row = tx.fetch_optional(&sql::by_id(id)).await?;
    tx.commit().await?;
    Ok(match row {
        None => SettleOutcome::NotFound,
        Some(row) if updated == 0 => SettleOutcome::AlreadySettled(rows::obligation(&row)?),
        Some(row) => SettleOutcome::Settled(rows::obligation(&row)?),
    })
}
