//! Reading the audit log (appends are `store::writes::audit`).

use crate::audit::AuditEntry;
use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::audit as sql;
use crate::store::StoreResult;
use uuid::Uuid;

/// The entries after sequence number `after`, at most `limit`.
pub(crate) async fn after<S: Reader>(
    store: &S,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<AuditEntry>> {
    let rows = store.fetch_all(&sql::after(after, limit)).await?;
    rows.iter().map(rows::audit).collect()
}

pub(crate) async fn of_incident<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<AuditEntry>> {
    let rows = store.fetch_all(&sql::of_incident(incident_id)).await?;
    rows.iter().map(rows::audit).collect()
}
