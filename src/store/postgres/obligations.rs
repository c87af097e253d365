//! Obligations on PostgreSQL: deleting the dropped ones (an array of the
//! kinds kept) and counts in one pass. Upsert and settlement are
//! `store::writes::obligations`, the lists `store::reads::obligations`.

use super::{query, PgStore, Tx};
use crate::domain::ObligationStatus;
use crate::store::rows::Columns;
use crate::store::statements::obligations as sql;
use crate::store::{ObligationRecord, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

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
