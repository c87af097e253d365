//! Obligations on SQLite: deleting the dropped ones (a JSON array of the
//! kinds kept) and counts, a statement per status. Upsert and settlement
//! are `store::writes::obligations`, the lists `store::reads::obligations`.

use super::{query, SqliteStore, Tx};
use crate::domain::ObligationStatus;
use crate::store::rows;
use crate::store::statements::obligations as sql;
use crate::store::{ObligationRecord, StoreResult};
use chrono::{DateTime, Utc};
use sqlx::Row;
use uuid::Uuid;

/// Kinds the rules no longer produce go, unless someone acted on them.
pub(super) async fn delete_dropped(
    tx: &mut Tx,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    let kinds = rows::to_json(
        &obligations
            .iter()
            .map(|o| o.kind.as_str())
            .collect::<Vec<_>>(),
    );
    sqlx::query(
        "DELETE FROM obligations WHERE incident_id = ? AND completed_at IS NULL AND waived_at IS NULL
           AND kind NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(incident_id.to_string())
    .bind(kinds)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counted status by status, with the clauses `list` filters by.
pub(super) async fn counts(
    store: &SqliteStore,
    now: DateTime<Utc>,
) -> StoreResult<Vec<(ObligationStatus, i64)>> {
    let mut counts = Vec::new();
    for status in ObligationStatus::ALL {
        let statement = sql::count(status, now);
        let row = query(&statement).fetch_one(&store.pool).await?;
        counts.push((status, row.try_get(0)?));
    }
    Ok(counts)
}
