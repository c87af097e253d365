//! Signed documents kept with their SHA-256 (a vendor's agreement, a
//! contract): uploaded whole (at most `MAX_DOCUMENT_BYTES`), one per owner
//! (an upload replaces the earlier one), downloadable by every role,
//! audited by hash, size and flag (never the file's name, which may name
//! someone), and published only where the district marks them
//! publishable. `vendors::document` and `contracts::document` say what
//! each owner republishes.

use crate::audit::NewAudit;
use crate::cases::{Context, ServiceError};
use crate::domain::FieldError;
use crate::store::{Document, DocumentOwner, NewJob};
use uuid::Uuid;

/// The largest document accepted: a signed agreement is a PDF of some
/// pages, not an archive.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// A document as uploaded, before it is stored.
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub publishable: bool,
}

/// What an owner's upload is called in its audit entry and in the refusal
/// of an empty one.
pub(crate) struct Owner {
    pub kind: DocumentOwner,
    pub id: Uuid,
    /// "vendor_document_uploaded"
    pub action: &'static str,
    /// "the signed agreement"
    pub what: &'static str,
}

impl Context {
    /// Stores `upload` as the owner's document (the owner exists: the
    /// caller checked), with `jobs` and the audit entry in one
    /// transaction.
    pub(crate) async fn store_document(
        &self,
        owner: Owner,
        upload: Upload,
        jobs: impl FnOnce(&Document) -> Vec<NewJob>,
        by: &str,
    ) -> Result<Document, ServiceError> {
        if upload.content.is_empty() {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "file",
                format!(
                    "is required: {}, as a multipart file part named \"file\"",
                    owner.what
                ),
            )]));
        }
        let now = self.clock.now();
        let document = Document {
            owner_id: owner.id,
            file_name: upload.file_name,
            content_type: upload.content_type,
            size: i64::try_from(upload.content.len()).expect("a capped upload's size fits in i64"),
            sha256: crate::site::sha256_hex(&upload.content),
            publishable: upload.publishable,
            uploaded_by: by.to_owned(),
            uploaded_at: now,
        };
        let audit = NewAudit::new(
            now,
            by,
            owner.action,
            None,
            Some(owner.id.to_string()),
            serde_json::json!({
                "sha256": document.sha256,
                "size": document.size,
                "publishable": document.publishable,
            }),
        );
        let jobs = jobs(&document);
        self.store
            .put_document(owner.kind, &document, &upload.content, &jobs, &audit)
            .await?;
        if !jobs.is_empty() {
            self.wake.wake();
        }
        tracing::info!(owner_id = %owner.id, action = owner.action, sha256 = %document.sha256, "document stored");
        Ok(document)
    }

    /// An owner's document with its bytes (every role).
    pub(crate) async fn stored_document(
        &self,
        owner: DocumentOwner,
        id: Uuid,
    ) -> Result<(Document, Vec<u8>), ServiceError> {
        self.store
            .document(owner, id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// An owner's document without its bytes, if it has one (for pages:
    /// the bytes are not read for a description).
    pub(crate) async fn document_of(
        &self,
        owner: DocumentOwner,
        id: Uuid,
    ) -> Result<Option<Document>, ServiceError> {
        let all = self.store.documents(owner).await?;
        Ok(all.into_iter().find(|document| document.owner_id == id))
    }
}
