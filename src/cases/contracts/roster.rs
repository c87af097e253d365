//! The roster a contract's notice is emailed to, where the rule in force
//! required the board to notify students and parents electronically (a
//! duty its own work completes: `OwnWork::ContractFamilyNotice`). The
//! roster is parsed as a consent campaign's is, its guardians stored and
//! one message per guardian planned, in one transaction with its audit
//! entry (counts only, never a name or an address).

use super::{Context, ContractWithDuties, ServiceError};
use crate::audit::NewAudit;
use crate::cases::consent::{read_staged, stage, MAX_GUARDIANS};
use crate::domain::FieldError;
use crate::roster::ImportReport;
use crate::rules::OwnWork;
use crate::scheduler::planning::contract_notice_job;
use crate::store::{ContractGuardian, ContractRosterRecord, EmailStatus};
use serde_json::json;
use std::path::Path;
use uuid::Uuid;

/// How the contract's emailed notice stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractMailing {
    pub guardians: u64,
    pub sent: u64,
    /// Permanently failed: the duty stays open.
    pub failed: u64,
}

impl Context {
    /// Takes the roster of a contract whose duties include the emailed
    /// notice (409 otherwise, or once a roster was taken) and plans the
    /// notice to each guardian; a refusal stores nothing.
    pub async fn upload_contract_roster(
        &self,
        contract_id: Uuid,
        roster: &Path,
        upload_name: &str,
        by: &str,
    ) -> Result<(ContractWithDuties, ImportReport), ServiceError> {
        let contract = self.contract(contract_id).await?;
        let engine = &self.settings.engine;
        if !contract
            .obligations
            .iter()
            .any(|o| engine.is_own_work(&o.kind, OwnWork::ContractFamilyNotice))
        {
            return Err(ServiceError::Conflict(
                "the law in force when this contract was executed did not require emailing families, so it takes no roster".into(),
            ));
        }
        if self.store.contract_roster(contract_id).await?.is_some() {
            return Err(ServiceError::Conflict(
                "this contract's roster was uploaded already and its notice planned".into(),
            ));
        }
        let staged = stage(roster, upload_name).await?;
        let report = staged.report.clone();
        if report.recipients == 0 || report.recipients > MAX_GUARDIANS {
            staged.close().await;
            let reason = if report.recipients == 0 {
                format!(
                    "lists no guardian address ({} rejected)",
                    crate::words::count(report.rejected_rows, "row", "rows")
                )
            } else {
                format!("has more than {MAX_GUARDIANS} guardian addresses")
            };
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "roster", reason,
            )]));
        }
        let (_, guardians) = read_staged(staged, contract_id).await?;
        let guardians: Vec<ContractGuardian> = guardians
            .into_iter()
            .map(|g| ContractGuardian {
                id: g.id,
                name: g.name,
                email: g.email,
                language: g.language,
            })
            .collect();
        let now = self.clock.now();
        let job = contract_notice_job(contract_id, now);
        let record = ContractRosterRecord {
            contract_id,
            job_id: job.id,
            guardians: guardians.len() as i64,
            rejected_rows: report.rejected_rows as i64,
            uploaded_by: by.to_owned(),
            uploaded_at: now,
        };
        let audit = NewAudit::new(
            now,
            by,
            "contract_roster_uploaded",
            None,
            Some(contract_id.to_string()),
            json!({
                "guardians": record.guardians,
                "rejected_rows": record.rejected_rows,
            }),
        );
        self.store
            .create_contract_roster(&record, &guardians, &[job], &audit)
            .await?;
        self.wake.wake();
        tracing::info!(%contract_id, guardians = record.guardians, "contract roster uploaded");
        Ok((self.contract(contract_id).await?, report))
    }

    /// How the contract's emailed notice stands, once its roster is in.
    pub(super) async fn contract_mailing(
        &self,
        contract_id: Uuid,
    ) -> Result<Option<ContractMailing>, ServiceError> {
        let Some(roster) = self.store.contract_roster(contract_id).await? else {
            return Ok(None);
        };
        let emails = self.store.job_emails(roster.job_id).await?;
        let count =
            |status: EmailStatus| emails.iter().filter(|e| e.status == status).count() as u64;
        Ok(Some(ContractMailing {
            guardians: roster.guardians as u64,
            sent: count(EmailStatus::Sent),
            failed: count(EmailStatus::Failed),
        }))
    }
}
