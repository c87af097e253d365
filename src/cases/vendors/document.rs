//! A vendor's signed agreement document (see `cases::documents`): linked
//! from the public list of agreements only when the district marks it
//! publishable and the agreement is in force.

use crate::cases::documents::{Owner, Upload};
use crate::cases::{Context, ServiceError};
use crate::store::{Document, DocumentOwner};
use uuid::Uuid;

impl Context {
    /// Stores a vendor's agreement document (admin), replacing any earlier
    /// one, and rewrites the public list of agreements (which links it when
    /// publishable).
    pub async fn upload_vendor_document(
        &self,
        vendor_id: Uuid,
        upload: Upload,
        by: &str,
    ) -> Result<Document, ServiceError> {
        if self.store.vendor(vendor_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        let owner = Owner {
            kind: DocumentOwner::Vendor,
            id: vendor_id,
            action: "vendor_document_uploaded",
            what: "the signed agreement",
        };
        let document = self
            .store_document(owner, upload, |_| Vec::new(), by)
            .await?;
        self.publish_agreements().await;
        Ok(document)
    }

    /// A vendor's document with its bytes (every role).
    pub async fn vendor_document(
        &self,
        vendor_id: Uuid,
    ) -> Result<(Document, Vec<u8>), ServiceError> {
        self.stored_document(DocumentOwner::Vendor, vendor_id).await
    }

    /// A vendor's document without its bytes, if it has one.
    pub async fn vendor_document_of(
        &self,
        vendor_id: Uuid,
    ) -> Result<Option<Document>, ServiceError> {
        self.document_of(DocumentOwner::Vendor, vendor_id).await
    }
}
