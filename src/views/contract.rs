//! A contract with a vendor (`GET /api/v1/contracts/{id}`): the body it was
//! filed with, the required provisions it lacks, what the rule in force
//! said of families, where its public notice is, and its duties.

use super::{maybe_time, obligation, Ids, Obligation};
use crate::domain::timestamp::format_in_zone;
use crate::rules::{ContractPlan, Provision};
use crate::store::{ContractRecord, ObligationRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractView {
    pub id: String,
    pub vendor_id: String,
    /// The vendor's name.
    pub vendor: Option<String>,
    pub title: String,
    pub purpose: String,
    /// `YYYY-MM-DD`, the district's date.
    pub executed_at: String,
    /// The taxonomy's names.
    pub data_elements: Vec<String>,
    /// Each required provision by number: whether the contract includes it
    /// now (as filed, with what an amendment added).
    #[schema(value_type = Object)]
    pub provisions: BTreeMap<String, bool>,
    /// The required provisions it lacks.
    pub missing_provisions: Vec<MissingProvision>,
    /// It lacks a required provision: void unless amended after the
    /// board's notice to the contractor.
    pub void_if_not_amended: bool,
    /// When the board gave the contractor notice to amend, once recorded.
    #[schema(format = DateTime)]
    pub amendment_requested_at: Option<String>,
    pub amendment_request_note: Option<String>,
    /// `YYYY-MM-DD`: the date of the contractor's amendment, once recorded.
    pub amended_at: Option<String>,
    /// The provisions the amendment added, by number.
    pub amended_provisions: Vec<u32>,
    /// Where the rule in force when it was executed also required notice
    /// to the affected students and parents by email: its citation.
    pub family_notice_citation: Option<String>,
    /// The emailed notice to families, once its roster is uploaded
    /// (`POST /api/v1/contracts/{id}/roster`).
    pub family_emails: Option<FamilyEmails>,
    /// The public notice's address, once published.
    pub published_url: Option<String>,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    pub filed_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Its duties (`board_posts_contract_notice`,
    /// `board_requests_contract_amendment`), each with its sources.
    pub obligations: Vec<Obligation>,
}

/// How a contract's emailed notice stands: the email duty completes when
/// every guardian's message is sent; a failed one keeps it open.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FamilyEmails {
    pub guardians: u64,
    pub sent: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MissingProvision {
    pub number: u32,
    pub text: String,
}

/// A contract whose roster was taken, and what its import found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractRosterTaken {
    pub contract: ContractView,
    pub import: super::ConsentRosterImport,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractList {
    pub contracts: Vec<ContractView>,
}

#[allow(clippy::too_many_arguments)] // the pieces a contract's answer is made of
pub fn contract(
    record: &ContractRecord,
    vendor: Option<&str>,
    obligations: &[ObligationRecord],
    plan: &ContractPlan,
    mailing: Option<&crate::cases::contracts::ContractMailing>,
    provisions: &[Provision],
    now: DateTime<Utc>,
    zone: Tz,
) -> ContractView {
    let contract = &record.contract;
    ContractView {
        id: record.id.to_string(),
        vendor_id: contract.vendor_id.to_string(),
        vendor: vendor.map(str::to_owned),
        title: contract.title.clone(),
        purpose: contract.purpose.clone(),
        executed_at: contract.executed_on.format("%Y-%m-%d").to_string(),
        data_elements: contract.data_elements.clone(),
        provisions: record
            .provisions_now()
            .iter()
            .map(|(number, included)| (number.to_string(), *included))
            .collect(),
        missing_provisions: provisions
            .iter()
            .filter(|p| plan.missing.contains(&p.number))
            .map(|p| MissingProvision {
                number: p.number,
                text: p.text.clone(),
            })
            .collect(),
        void_if_not_amended: !plan.missing.is_empty(),
        amendment_requested_at: maybe_time(record.amendment.requested_at, zone),
        amendment_request_note: record.amendment.request_note.clone(),
        amended_at: record
            .amendment
            .amended_on
            .map(|on| on.format("%Y-%m-%d").to_string()),
        amended_provisions: record.amendment.added.iter().copied().collect(),
        family_notice_citation: plan.family_notice.clone(),
        family_emails: mailing.map(|m| FamilyEmails {
            guardians: m.guardians,
            sent: m.sent,
            failed: m.failed,
        }),
        published_url: record.published_url.clone(),
        published_at: maybe_time(record.published_at, zone),
        filed_by: record.filed_by.clone(),
        created_at: format_in_zone(record.created_at, zone),
        obligations: obligations
            .iter()
            .map(|o| obligation(o, now, zone, Ids::Shown))
            .collect(),
    }
}
