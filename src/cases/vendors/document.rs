//! A vendor's signed agreement document: uploaded whole (at most
//! `MAX_DOCUMENT_BYTES`), kept with its SHA-256 so that anyone can check a
//! copy against it, downloadable by every role, and linked from the public
//! list of agreements only when the district marks it publishable.

use crate::audit::NewAudit;
use crate::cases::{Context, ServiceError};
use crate::domain::FieldError;
use crate::store::VendorDocument;
use sha2::{Digest, Sha256};
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

impl Context {
    /// Stores a vendor's agreement document (admin), replacing any earlier
    /// one, and rewrites the public list of agreements (which links it when
    /// publishable).
    pub async fn upload_vendor_document(
        &self,
        vendor_id: Uuid,
        upload: Upload,
        by: &str,
    ) -> Result<VendorDocument, ServiceError> {
        if self.store.vendor(vendor_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        if upload.content.is_empty() {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "file",
                "is required: the signed agreement, as a multipart file part named \"file\"",
            )]));
        }
        let now = self.clock.now();
        let document = VendorDocument {
            vendor_id,
            file_name: upload.file_name,
            content_type: upload.content_type,
            size: i64::try_from(upload.content.len()).expect("a capped upload's size fits in i64"),
            sha256: hex::encode(Sha256::digest(&upload.content)),
            publishable: upload.publishable,
            uploaded_by: by.to_owned(),
            uploaded_at: now,
        };
        let audit = NewAudit::new(
            now,
            by,
            "vendor_document_uploaded",
            None,
            Some(vendor_id.to_string()),
            serde_json::json!({
                "sha256": document.sha256,
                "size": document.size,
                "publishable": document.publishable,
            }),
        );
        self.store
            .put_vendor_document(&document, &upload.content, &audit)
            .await?;
        tracing::info!(%vendor_id, sha256 = %document.sha256, "vendor document stored");
        self.publish_agreements().await;
        Ok(document)
    }

    /// A vendor's document with its bytes (every role).
    pub async fn vendor_document(
        &self,
        vendor_id: Uuid,
    ) -> Result<(VendorDocument, Vec<u8>), ServiceError> {
        self.store
            .vendor_document(vendor_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Every vendor's document, without the bytes.
    pub async fn vendor_documents(&self) -> Result<Vec<VendorDocument>, ServiceError> {
        Ok(self.store.vendor_documents().await?)
    }
}
