//! Contracts with vendors: filing one starts its duties from the rule
//! pack's `scope = "contract"` kinds (the contract notice on the website;
//! notice to the contractor to amend a contract missing a required
//! provision) and plans the publication of its public notice, which
//! completes the posting duty when done, and the duties' reminders. The
//! notice to amend and the amendment are recorded in `amendment`.

mod amendment;
pub mod amendment_input;
pub mod document;
pub mod input;
mod roster;

use super::{Context, ServiceError};
use crate::audit::NewAudit;
use crate::cases::incidents::records_for;
use crate::domain::{FieldError, Subject};
use crate::rules::deadline::local_date;
use crate::rules::{ContractFacts, ContractPlan};
use crate::store::{Contract, ContractRecord, ObligationRecord};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

pub use roster::ContractMailing;

/// A contract as filed or read, with its duties.
#[derive(Debug, Clone)]
pub struct ContractWithDuties {
    pub record: ContractRecord,
    /// The vendor's name (a company), for pages.
    pub vendor_name: Option<String>,
    /// Its duties, soonest first.
    pub obligations: Vec<ObligationRecord>,
    /// The missing provisions and what the rule in force said of families.
    pub plan: ContractPlan,
    /// The emailed notice to families, once its roster is uploaded.
    pub mailing: Option<ContractMailing>,
}

impl Context {
    /// Files a contract (admin): its duties, its publication job and its
    /// audit entry are stored in one transaction; a refusal stores nothing.
    pub async fn file_contract(
        &self,
        contract: Contract,
        by: &str,
    ) -> Result<ContractWithDuties, ServiceError> {
        let Some(vendor) = self.store.vendor(contract.vendor_id).await? else {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "vendor_id",
                "no registered vendor has this id; register the vendor first (POST /api/v1/vendors)",
            )]));
        };
        let now = self.clock.now();
        if contract.executed_on > local_date(now, self.settings.timezone) {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "executed_at",
                "is after today: file a contract once it is executed",
            )]));
        }
        let record = ContractRecord {
            id: Uuid::now_v7(),
            created_at: now,
            filed_by: by.to_owned(),
            contract,
            published_at: None,
            published_url: None,
            amendment: Default::default(),
            version: 0,
        };
        let plan = self.contract_plan(&record);
        let obligations = records_for(
            Subject::Contract(record.id),
            &plan.obligations,
            &[],
            by,
            now,
        );
        // Its duties are reminded of like an incident's, step by step.
        let mut jobs =
            crate::scheduler::planning::reminder_jobs(&obligations, &self.settings.escalation, now);
        jobs.push(crate::scheduler::planning::contract_publish_job(
            record.id, now,
        ));
        let audit = NewAudit::new(
            now,
            by,
            "contract_filed",
            None,
            Some(record.id.to_string()),
            json!({
                "vendor_id": record.contract.vendor_id,
                "executed_on": record.contract.executed_on,
                "missing_provisions": plan.missing,
                "obligations": obligations.iter()
                    .map(|o| json!({"id": o.id, "kind": o.kind, "due_at": o.due_at}))
                    .collect::<Vec<_>>(),
            }),
        );
        self.store
            .create_contract(&record, &obligations, &jobs, &audit)
            .await?;
        self.wake.wake();
        tracing::info!(contract_id = %record.id, "contract filed");
        Ok(ContractWithDuties {
            record,
            vendor_name: Some(vendor.vendor.name),
            obligations,
            plan,
            mailing: None,
        })
    }

    pub async fn contract(&self, id: Uuid) -> Result<ContractWithDuties, ServiceError> {
        let record = self
            .store
            .contract(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.with_duties(record).await
    }

    /// Every contract, most recently executed first, with its duties.
    pub async fn contracts(&self) -> Result<Vec<ContractWithDuties>, ServiceError> {
        let mut out = Vec::new();
        for record in self.store.contracts().await? {
            out.push(self.with_duties(record).await?);
        }
        Ok(out)
    }

    async fn with_duties(
        &self,
        record: ContractRecord,
    ) -> Result<ContractWithDuties, ServiceError> {
        let vendor_name = self
            .store
            .vendor(record.contract.vendor_id)
            .await?
            .map(|vendor| vendor.vendor.name);
        let obligations = self.store.contract_obligations(record.id).await?;
        let plan = self.contract_plan(&record);
        let mailing = self.contract_mailing(record.id).await?;
        Ok(ContractWithDuties {
            record,
            vendor_name,
            obligations,
            plan,
            mailing,
        })
    }

    /// What the engine makes of a contract as it stands now, amendments
    /// included (pure: the stored duties are the record; this gives the
    /// missing provisions and the families' notice).
    fn contract_plan(&self, record: &ContractRecord) -> ContractPlan {
        self.settings.engine.evaluate_contract(&ContractFacts {
            executed_on: record.contract.executed_on,
            provisions: record.provisions_now(),
            events: BTreeMap::new(),
        })
    }
}
