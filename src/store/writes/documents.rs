//! Storing a signed document with the jobs it plans and its audit entry,
//! in one transaction.

use crate::audit::NewAudit;
use crate::store::statements::documents as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{Document, DocumentOwner, NewJob, StoreResult};

pub(crate) async fn put<S: Writer>(
    store: &S,
    owner: DocumentOwner,
    document: &Document,
    content: &[u8],
    jobs: &[NewJob],
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::put(owner, document, content)).await?;
    tx.insert_jobs(jobs, document.uploaded_at).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}
