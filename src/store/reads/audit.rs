//! Reading the audit log (appends are `store::writes::audit`).

use crate::audit::{Anchor, AuditEntry, Broken, Checked, Seal, Verifier};
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

/// The last entry as an anchor: its seq and MAC (empty for an entry older
/// than the key).
pub(crate) async fn head<S: Reader>(store: &S) -> StoreResult<Option<Anchor>> {
    use crate::store::tx::Cells;
    let row = store.fetch_optional(&sql::head()).await?;
    row.map(|row| {
        Ok(Anchor {
            seq: row.read_at(0)?,
            mac: row.read_at::<Option<String>>(2)?.unwrap_or_default(),
        })
    })
    .transpose()
}

/// Entries checked per page: the whole log is never held at once.
const PAGE: i64 = 5_000;

/// The whole chain, page by page, under the seal's key and against its
/// anchor as the file holds it now (re-read: another process may have
/// advanced it).
pub(crate) async fn verify<S: Reader>(
    store: &S,
    seal: &Seal,
) -> StoreResult<Result<Checked, Broken>> {
    let anchor = match seal.anchor_path() {
        Some(path) => Anchor::read(path).map_err(crate::store::StoreError::NotReady)?,
        None => None,
    };
    let mut verifier = Verifier::new(seal.key(), anchor);
    loop {
        let page = after(store, verifier.next_after(), PAGE).await?;
        if page.is_empty() {
            break;
        }
        if let Err(broken) = verifier.check(&page) {
            return Ok(Err(broken));
        }
    }
    Ok(verifier.finish())
}
