//! Appending to the audit log's hash chain.

use crate::audit::{entry_hash, Anchor, NewAudit, GENESIS};
use crate::store::statements::audit as sql;
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{StoreError, StoreResult};

/// Rows per multi-row insert of entries: ten columns each, far below
/// either backend's limit on bound parameters.
const INSERT_CHUNK: usize = 500;

/// Appends an entry inside the caller's transaction, MACed with the
/// store's audit key; the transaction anchors it once committed. Appenders
/// take turns (`lock_audit_chain`, or SQLite's writer lock) before reading
/// the chain's head, so the chain stays linear.
pub(crate) async fn append<T: WriteTx>(tx: &mut T, entry: &NewAudit) -> StoreResult<()> {
    append_all(tx, std::slice::from_ref(entry)).await
}

/// Appends `entries`, in order, inside the caller's transaction in one
/// turn at the chain: the lock and the head's read once, the chain computed
/// here for all of them, and a multi-row insert. A batch of completions
/// then holds the turn for a few round trips, not a few per entry, and its
/// entries commit with the state changes they record (or neither does).
pub(crate) async fn append_all<T: WriteTx>(tx: &mut T, entries: &[NewAudit]) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
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
    let (mut seq, mut prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut chained = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let hash = entry_hash(&prev_hash, seq, entry);
        let mac = seal.key().mac(seq, &hash);
        chained.push(sql::Chained {
            seq,
            entry,
            prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
            mac,
        });
    }
    for rows in chained.chunks(INSERT_CHUNK) {
        tx.execute(&sql::insert_many(rows, T::PLACEHOLDERS)).await?;
    }
    let head = chained
        .last()
        .expect("entries is not empty, so neither is the chain computed for it");
    tx.appended(Anchor {
        seq: head.seq,
        mac: head.mac.clone(),
    });
    Ok(())
}

/// Appends an entry in a transaction of its own.
pub(crate) async fn append_alone<S: Writer>(store: &S, entry: &NewAudit) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    append(&mut tx, entry).await?;
    tx.commit().await
}
