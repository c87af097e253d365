//! Recording the board's notice to amend a contract that lacks a required
//! provision (it completes the duty whose `completed_by` is that event, on
//! time or late by its due time) and the contractor's amendment (the
//! provisions it adds; once none is missing the contract is no longer void
//! if not amended, and a notice still owed is waived as moot). Each is one
//! transaction with its audit entry; a refusal stores nothing.

use super::amendment_input::{AmendmentRequest, NewAmendment};
use super::ContractWithDuties;
use crate::cases::{Context, ServiceError, FUTURE_TOLERANCE};
use crate::domain::timestamp::format_in_zone;
use crate::domain::FieldError;
use crate::rules::contract::AMENDMENT_REQUESTED;
use crate::rules::deadline::local_date;
use crate::store::{ContractRecord, ObligationRecord};
use chrono::DateTime;
use uuid::Uuid;

/// A calendar date as people write it: "September 4, 2026".
fn in_words(date: chrono::NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

impl Context {
    /// Records that the board gave the contractor notice to amend (admin).
    pub async fn request_contract_amendment(
        &self,
        id: Uuid,
        request: AmendmentRequest,
        by: &str,
    ) -> Result<ContractWithDuties, ServiceError> {
        let record = self.amendable(id).await?;
        if let Some(at) = record.amendment.requested_at {
            return Err(ServiceError::Conflict(format!(
                "the notice to amend was recorded already (sent {})",
                format_in_zone(at, self.settings.timezone)
            )));
        }
        let now = self.clock.now();
        let executed = self
            .settings
            .engine
            .contract_clock(record.contract.executed_on);
        let sent_at = request.sent_at;
        if sent_at > now + FUTURE_TOLERANCE {
            return Err(invalid("sent_at", "must not be in the future".to_owned()));
        }
        if sent_at < executed {
            return Err(invalid(
                "sent_at",
                format!(
                    "must not be before the contract was executed ({})",
                    in_words(record.contract.executed_on)
                ),
            ));
        }
        let completes: Vec<Uuid> = self
            .amendment_duties(id, now)
            .await?
            .iter()
            .map(|o| o.id)
            .collect();
        let recorded = self
            .store
            .request_contract_amendment(id, sent_at, request.note.as_deref(), &completes, by, now)
            .await?;
        if !recorded {
            return Err(ServiceError::Conflict(
                "the notice to amend was recorded already".to_owned(),
            ));
        }
        tracing::info!(contract_id = %id, duties = completes.len(), "notice to amend recorded");
        self.contract(id).await
    }

    /// Records the contractor's amendment (admin): the provisions it adds.
    pub async fn amend_contract(
        &self,
        id: Uuid,
        amendment: NewAmendment,
        by: &str,
    ) -> Result<ContractWithDuties, ServiceError> {
        let mut record = self.amendable(id).await?;
        let now = self.clock.now();
        let today = local_date(now, self.settings.timezone);
        let mut errors = Vec::new();
        if amendment.amended_on > today {
            errors.push(FieldError::new("amended_at", "is after today"));
        } else if amendment.amended_on < record.contract.executed_on {
            errors.push(FieldError::new(
                "amended_at",
                format!(
                    "is before the contract was executed ({})",
                    in_words(record.contract.executed_on)
                ),
            ));
        }
        let before = record.provisions_now();
        let missing: Vec<u32> = before
            .iter()
            .filter(|(_, included)| !**included)
            .map(|(number, _)| *number)
            .collect();
        let mut added = Vec::new();
        for (number, included) in &amendment.provisions {
            match (*included, missing.contains(number)) {
                (true, true) => added.push(*number),
                (false, false) => errors.push(FieldError::new(
                    format!("provisions.{number}"),
                    "the contract includes it already: an amendment records the provisions it adds",
                )),
                // Included already, or still missing: nothing changes.
                _ => {}
            }
        }
        if added.is_empty() && errors.is_empty() {
            let listed: Vec<String> = missing.iter().map(u32::to_string).collect();
            errors.push(FieldError::new(
                "provisions",
                format!(
                    "names no missing provision as now included (missing: {})",
                    listed.join(", ")
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        record.amendment.amended_on = Some(amendment.amended_on);
        record.amendment.added.extend(added.iter().copied());
        let complete = missing.iter().all(|number| added.contains(number));
        // Once nothing is missing, a notice to amend still owed is moot.
        let waives: Vec<Uuid> = if complete {
            self.amendment_duties(id, now)
                .await?
                .iter()
                .map(|o| o.id)
                .collect()
        } else {
            Vec::new()
        };
        let reason = format!(
            "The contractor amended the contract on {}: it now includes every required provision.",
            in_words(amendment.amended_on)
        );
        if !self
            .store
            .amend_contract(&record, &waives, &reason, by, now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "the contract changed meanwhile: read it again and retry".to_owned(),
            ));
        }
        tracing::info!(contract_id = %id, added = added.len(), complete, "contract amendment recorded");
        self.contract(id).await
    }

    /// The contract, if it still lacks a required provision (409 if not).
    async fn amendable(&self, id: Uuid) -> Result<ContractRecord, ServiceError> {
        let record = self
            .store
            .contract(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if self.contract_plan(&record).missing.is_empty() {
            return Err(ServiceError::Conflict(
                "the contract misses no required provision: there is nothing to amend".to_owned(),
            ));
        }
        Ok(record)
    }

    /// The contract's unsettled duties that the notice to amend completes.
    async fn amendment_duties(
        &self,
        id: Uuid,
        now: DateTime<chrono::Utc>,
    ) -> Result<Vec<ObligationRecord>, ServiceError> {
        let engine = &self.settings.engine;
        Ok(self
            .store
            .contract_obligations(id)
            .await?
            .into_iter()
            .filter(|o| !o.status(now).is_settled())
            .filter(|o| engine.completed_by_event(&o.kind, AMENDMENT_REQUESTED))
            .collect())
    }
}

fn invalid(field: &str, reason: String) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, reason)])
}
