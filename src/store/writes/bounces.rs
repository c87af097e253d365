//! Recording a bounce: the message turns `bounced`, the DSN's words are
//! kept, and the audit log says so, in one transaction.

use super::audit;
use crate::store::statements::bounces as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{audit_entries, NewBounce, StoreResult};

/// False (and nothing written) when the message is not `sent`: bounced
/// already, or never accepted.
pub(crate) async fn record<S: Writer>(store: &S, bounce: &NewBounce) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    if tx.execute(&sql::mark_bounced(bounce)).await? == 0 {
        tx.commit().await?;
        return Ok(false);
    }
    tx.execute(&sql::insert(bounce)).await?;
    audit::append(&mut tx, &audit_entries::email_bounced(bounce)).await?;
    tx.commit().await?;
    Ok(true)
}
