//! The audit log on PostgreSQL: the lock appenders take turns on (appends
//! are `store::writes::audit`, reading the log `store::reads::audit`).

use super::Tx;
use crate::store::StoreResult;

/// Any number that is this store's own: the advisory lock that makes
/// audit appends take turns, keeping the chain linear.
const AUDIT_LOCK: i64 = 0x6272_6561_6368_6431; // "breachd1"

/// Makes audit appenders take turns: writers run concurrently under READ
/// COMMITTED, so an appender takes this transaction advisory lock
/// (released at commit) and only then reads the chain's head.
pub(super) async fn lock_chain(tx: &mut Tx) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
