//! The job handlers the worker dispatches to, one file per kind of job:
//! reminders, digests, failure reports and reports of dead jobs (staff
//! email, sent through `delivery`), the website publication and its check at the public address, and the
//! family fan-out.

pub(crate) mod agreements;
pub(crate) mod consent_mail;
pub(crate) mod contract_mail;
pub(crate) mod coverage;
pub(crate) mod dead_job_report;
mod delivery;
pub(crate) mod digest;
mod documents;
pub(crate) mod failure_report;
pub mod fanout;
pub(crate) mod fault_report;
mod officer;
pub(crate) mod publish;
pub(crate) mod publish_contract;
pub(crate) mod reminder;
pub(crate) mod request_mail;
pub(crate) mod website_check;

use crate::rules::{Engine, OwnWork};
use crate::store::{Settlement, Store, StoreError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Completes the incident's unsettled obligations that `work` fulfils, as
/// done by breachd's own work at `at` (done or late by that time); true if
/// any was completed.
pub(crate) async fn complete_own_work(
    store: &dyn Store,
    engine: &Engine,
    incident_id: Uuid,
    work: OwnWork,
    note: String,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut completed = false;
    for obligation in store.incident_obligations(incident_id).await? {
        if engine.is_own_work(&obligation.kind, work) && !obligation.status(now).is_settled() {
            let settlement = Settlement::Complete {
                at,
                note: Some(note.clone()),
            };
            store
                .settle_obligation(obligation.id, &settlement, "breachd", now)
                .await?;
            completed = true;
        }
    }
    Ok(completed)
}

/// As `complete_own_work`, for a contract's duties: completes the unsettled
/// ones that `work` fulfils; true if any was completed.
pub(crate) async fn complete_contract_work(
    store: &dyn Store,
    engine: &Engine,
    contract_id: Uuid,
    work: OwnWork,
    note: String,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut completed = false;
    for obligation in store.contract_obligations(contract_id).await? {
        if engine.is_own_work(&obligation.kind, work) && !obligation.status(now).is_settled() {
            let settlement = Settlement::Complete {
                at,
                note: Some(note.clone()),
            };
            completed |= store
                .settle_contract_obligation(contract_id, obligation.id, &settlement, "breachd", now)
                .await?;
        }
    }
    Ok(completed)
}
