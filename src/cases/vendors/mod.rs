//! The vendor registry's use cases: register, change, read and list
//! vendors; and what an incident learns from the registry: the vendor its
//! contractor names, and that vendor's breach-notice clause as a source of
//! the contractor's notice to the district.

mod clause;
pub mod document;
pub mod input;

use super::{Context, ServiceError};
use crate::audit::NewAudit;
use crate::domain::FieldError;
use crate::store::{StoreError, Vendor, VendorRecord};
use uuid::Uuid;

pub use clause::{clause_overlays, vendor_for, VendorLink};

impl Context {
    /// Registers a vendor (admin). A name or alias another vendor already
    /// has is refused: an incident naming it would match both.
    pub async fn register_vendor(
        &self,
        vendor: Vendor,
        by: &str,
    ) -> Result<VendorRecord, ServiceError> {
        let existing = self.store.vendors().await?;
        check_unique(&vendor, None, &existing)?;
        let now = self.clock.now();
        let record = VendorRecord {
            id: Uuid::now_v7(),
            version: 0,
            created_at: now,
            updated_at: now,
            vendor,
        };
        let audit = audit_entry(&record, by, "vendor_registered");
        self.store.create_vendor(&record, &audit).await?;
        tracing::info!(vendor_id = %record.id, "vendor registered");
        self.publish_agreements().await;
        Ok(record)
    }

    /// Replaces a vendor's registration (admin). Incidents already filed
    /// keep the obligations they were derived with until their next change.
    pub async fn update_vendor(
        &self,
        id: Uuid,
        vendor: Vendor,
        by: &str,
    ) -> Result<VendorRecord, ServiceError> {
        let existing = self.store.vendors().await?;
        let current = existing
            .iter()
            .find(|record| record.id == id)
            .ok_or(ServiceError::NotFound)?;
        check_unique(&vendor, Some(id), &existing)?;
        let record = VendorRecord {
            id,
            version: current.version + 1,
            created_at: current.created_at,
            updated_at: self.clock.now(),
            vendor,
        };
        let audit = audit_entry(&record, by, "vendor_updated");
        match self.store.update_vendor(&record, &audit).await {
            Ok(()) => {
                tracing::info!(vendor_id = %id, "vendor updated");
                self.publish_agreements().await;
                Ok(record)
            }
            Err(StoreError::Conflict) => Err(ServiceError::Conflict(
                "the vendor was changed by someone else meanwhile; reload and try again".into(),
            )),
            Err(error) => Err(error.into()),
        }
    }

    /// Rewrites the public list of agreements in force
    /// (`/notices/agreements/`). The registration is stored already, so a
    /// failure is logged rather than undoing it; the next change or the
    /// daily run (`scheduler::jobs::agreements`) retries.
    pub async fn publish_agreements(&self) {
        let now = self.clock.now();
        if let Err(error) = crate::scheduler::jobs::agreements::publish_agreements(
            self.store.as_ref(),
            &self.settings,
            now,
        )
        .await
        {
            tracing::error!(%error, "the list of agreements was not published");
        }
    }

    pub async fn vendor(&self, id: Uuid) -> Result<VendorRecord, ServiceError> {
        self.store.vendor(id).await?.ok_or(ServiceError::NotFound)
    }

    pub async fn vendors(&self) -> Result<Vec<VendorRecord>, ServiceError> {
        Ok(self.store.vendors().await?)
    }

    /// The registered vendor an incident's contractor names, if any.
    pub async fn vendor_of(&self, contractor: Option<&str>) -> Result<VendorLink, ServiceError> {
        let Some(contractor) = contractor else {
            return Ok(VendorLink::NoContractor);
        };
        Ok(vendor_for(contractor, self.store.vendors().await?))
    }
}

fn check_unique(
    vendor: &Vendor,
    this: Option<Uuid>,
    existing: &[VendorRecord],
) -> Result<(), ServiceError> {
    let names = std::iter::once(("name".to_owned(), vendor.name.as_str())).chain(
        vendor
            .aliases
            .iter()
            .enumerate()
            .map(|(index, alias)| (format!("aliases[{index}]"), alias.as_str())),
    );
    let errors: Vec<FieldError> = names
        .filter_map(|(field, name)| {
            let other = existing
                .iter()
                .filter(|record| Some(record.id) != this)
                .find(|record| record.vendor.names().matches(name))?;
            Some(FieldError::new(
                field,
                format!(
                    "{name:?} is already a name of the vendor {:?}; one company is one vendor",
                    other.vendor.name
                ),
            ))
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

/// Ids and the agreement's status only: a vendor's contacts may name people.
fn audit_entry(record: &VendorRecord, by: &str, action: &str) -> NewAudit {
    NewAudit::new(
        record.updated_at,
        by,
        action,
        None,
        Some(record.id.to_string()),
        serde_json::json!({
            "agreement_status": record.vendor.agreement.status.as_str(),
            "breach_notice": record.vendor.agreement.breach_notice.as_ref().map(|c| c.within.to_string()),
        }),
    )
}
