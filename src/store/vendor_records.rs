//! What the store keeps of a vendor: its names, contacts, services, data
//! elements and agreement, stored as one document (`vendors.body`).

use crate::domain::vendor::{AgreementKind, AgreementStatus, Names};
use crate::domain::ClockEvent;
use crate::rules::Within;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct VendorRecord {
    pub id: Uuid,
    /// Bumped by every update; an update naming an older one is refused.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub vendor: Vendor,
}

/// A vendor as an administrator registers it (`POST /api/v1/vendors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vendor {
    pub name: String,
    pub aliases: Vec<String>,
    /// Who to reach at the vendor (free text: a name, an address).
    pub contacts: Vec<String>,
    /// What the vendor provides, in words.
    pub services: Option<String>,
    /// The taxonomy's names of the data elements the vendor holds.
    pub data_elements: Vec<String>,
    pub agreement: Agreement,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Agreement {
    pub kind: Option<AgreementKind>,
    pub status: AgreementStatus,
    pub signed_at: Option<NaiveDate>,
    pub expires_at: Option<NaiveDate>,
    pub breach_notice: Option<BreachNotice>,
}

/// The agreement's clause on telling the district of a breach ("within 48
/// hours of awareness or suspicion", policy 3520.13 item 6): a source of
/// `contractor_notifies_board` for an incident naming the vendor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreachNotice {
    pub within: Within,
    pub clock: ClockEvent,
    pub citation: String,
}

impl Vendor {
    pub fn names(&self) -> Names {
        Names::new(
            std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str)),
        )
    }
}

impl Agreement {
    /// Signed and not past its expiry on the district's `today`: the
    /// agreement binds the vendor.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.status == AgreementStatus::Signed
            && self.expires_at.is_none_or(|expires| today <= expires)
    }
}
