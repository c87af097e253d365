//! What the store keeps of a contract with a vendor: its title, purpose,
//! date of execution, data elements and provision checklist (one document,
//! `contracts.body`), and where its public notice was published.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
