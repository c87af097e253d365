//! A contract's signed document (see `cases::documents`): an upload plans
//! the contract notice's republication, which links the document from the
//! public page when the district marks it publishable and drops it when
//! not.

use crate::cases::documents::{Owner, Upload};
use crate::cases::{Context, ServiceError};
use crate::store::{Document, DocumentOwner};
use uuid::Uuid;

impl Context {
    /// Stores a contract's document (admin), replacing any earlier one,
    /// and plans the contract notice's republication in the same
    /// transaction.
    pub async fn upload_contract_document(
        &self,
        contract_id: Uuid,
        upload: Upload,
        by: &str,
    ) -> Result<Document, ServiceError> {
        if self.store.contract(contract_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        let owner = Owner {
            kind: DocumentOwner::Contract,
            id: contract_id,
            action: "contract_document_uploaded",
            what: "the signed contract",
        };
        let now = self.clock.now();
        let republish = |_: &Document| {
            vec![crate::scheduler::planning::contract_republish_job(
                contract_id,
                now,
            )]
        };
        self.store_document(owner, upload, republish, by).await
    }

    /// A contract's document with its bytes (every role).
    pub async fn contract_document(
        &self,
        contract_id: Uuid,
    ) -> Result<(Document, Vec<u8>), ServiceError> {
        self.stored_document(DocumentOwner::Contract, contract_id)
            .await
    }

    /// A contract's document without its bytes, if it has one.
    pub async fn contract_document_of(
        &self,
        contract_id: Uuid,
    ) -> Result<Option<Document>, ServiceError> {
        self.document_of(DocumentOwner::Contract, contract_id).await
    }
}
