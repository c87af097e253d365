//! Registering and changing a vendor, each with its audit entry in the
//! same transaction.

use crate::audit::NewAudit;
use crate::store::statements::vendors as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{StoreError, StoreResult, VendorRecord};

pub(crate) async fn create<S: Writer>(
    store: &S,
    record: &VendorRecord,
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::insert(record)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}

/// Replaces the vendor whose stored version is `record.version - 1`;
/// `Conflict` when another edit came first (or the vendor is gone).
pub(crate) async fn update<S: Writer>(
    store: &S,
    record: &VendorRecord,
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    if tx.execute(&sql::update(record, record.version - 1)).await? == 0 {
        return Err(StoreError::Conflict);
    }
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}
