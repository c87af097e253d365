//! The signed documents a publication copies to the public site: only
//! those the district marked publishable, read with their bytes.

use crate::site::{document_extension, PublicDocument};
use crate::store::{DocumentOwner, Store, StoreResult};
use uuid::Uuid;

/// The owner's document as published, when it has one marked publishable.
pub(crate) async fn publishable(
    store: &dyn Store,
    owner: DocumentOwner,
    id: Uuid,
) -> StoreResult<Option<PublicDocument>> {
    Ok(store
        .document(owner, id)
        .await?
        .filter(|(document, _)| document.publishable)
        .map(|(document, content)| PublicDocument {
            extension: document_extension(&document.file_name),
            sha256: document.sha256,
            content,
        }))
}
