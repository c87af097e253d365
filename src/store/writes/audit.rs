//! Appending to the audit log's hash chain.

use crate::audit::{entry_hash, Anchor, NewAudit, GENESIS};
use crate::store::statements::audit as sql;
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{StoreError, StoreResult};

/// Appends an entry inside the caller's transaction, MACed with the
/// store's audit key; the transaction anchors it once committed. Appenders
/// take turns (`lock_audit_chain`, or SQLite's writer lock) before reading
/// the chain's head, so the chain stays linear.
pub(crate) async fn append<T: WriteTx>(tx: &mut T, entry: &NewAudit) -> StoreResult<()> {
    let Some(seal) = tx.seal().cloned() else {
        return Err(StoreError::Corrupt(
            "an audit entry must be appended in a sealed write transaction".into(),
        ));
    };
    tx.lock_audit_chain().await?;
    let last: Option<(i64, String)> = tx
        .fetch_optional(&sql::head())
        .await?
        .map(|row| Ok::<_, StoreError>((row.read_at(0)?, row.read_at(1)?)))
        .transpose()?;
    let (last_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let seq = last_seq + 1;
    let hash = entry_hash(&prev_hash, seq, entry);
    let mac = seal.key().mac(seq, &hash);
    tx.execute(&sql::insert(seq, entry, &prev_hash, &hash, &mac))
        .await?;
    tx.appended(Anchor { seq, mac });
    Ok(())
}

/// Appends an entry in a transaction of its own.
pub(crate) async fn append_alone<S: Writer>(store: &S, entry: &NewAudit) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    append(&mut tx, entry).await?;
    tx.commit().await
}
