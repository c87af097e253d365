//! What the store keeps of a contract with a vendor: its title, purpose,
//! date of execution, data elements and provision checklist (one document,
//! `contracts.body`), where its public notice was published, and the
//! board's notice to amend it and the contractor's amendment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct ContractRecord {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The token or person that filed it.
    pub filed_by: String,
    pub contract: Contract,
    pub published_at: Option<DateTime<Utc>>,
    pub published_url: Option<String>,
    /// The notice to amend and the amendment, once recorded.
    pub amendment: Amendment,
    /// Bumped by every amendment: a concurrent one is refused.
    pub version: i64,
}

impl ContractRecord {
    /// Each required provision by number, as the contract stands now: as
    /// filed, with those an amendment added.
    pub fn provisions_now(&self) -> BTreeMap<u32, bool> {
        let mut provisions = self.contract.provisions.clone();
        for number in &self.amendment.added {
            provisions.insert(*number, true);
        }
        provisions
    }
}

/// The board's notice to the contractor to amend a contract missing a
/// required provision, and the contractor's amendment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Amendment {
    /// When the board gave the notice.
    pub requested_at: Option<DateTime<Utc>>,
    pub request_note: Option<String>,
    /// The calendar date of the (latest) amendment, in the district's zone.
    pub amended_on: Option<NaiveDate>,
    /// The provisions amendments added, by number.
    pub added: BTreeSet<u32>,
}

/// A contract as an administrator files it (`POST /api/v1/contracts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub vendor_id: Uuid,
    pub title: String,
    /// A brief description of the contract and its purpose, for the public.
    pub purpose: String,
    /// The calendar date it was executed, in the district's zone.
    pub executed_on: NaiveDate,
    /// The taxonomy's names of the data the contractor may collect.
    pub data_elements: Vec<String>,
    /// Each required provision of the pack by number: whether the contract
    /// includes it.
    pub provisions: BTreeMap<u32, bool>,
}

/// The roster a contract's notice is emailed to, where the rule in force
/// required the email (one per contract); `job_id` is the job sending it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractRosterRecord {
    pub contract_id: Uuid,
    pub job_id: Uuid,
    pub guardians: i64,
    /// Roster rows rejected on upload.
    pub rejected_rows: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// One guardian address of a contract's roster: personal data, used to
/// send the notice, never logged or published.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractGuardian {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// The roster's language tag, which picks the email's template.
    pub language: Option<String>,
}
