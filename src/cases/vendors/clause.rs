//! What a registered vendor adds to an incident that names it: the link
//! (or the flag that it is not registered, or has no agreement on file)
//! and its agreement's breach-notice clause as an overlay of the
//! contractor's notice.

use crate::domain::vendor::AgreementStatus;
use crate::domain::Party;
use crate::rules::pack::Scope;
use crate::rules::{Engine, Overlay};
use crate::store::VendorRecord;

/// The kind the shared packs give the contractor's notice to the district.
const CONTRACTOR_NOTICE: &str = "contractor_notifies_board";

/// How an incident's contractor stands in the registry.
#[derive(Debug, Clone, PartialEq)]
pub enum VendorLink {
    /// The report names no contractor.
    NoContractor,
    /// No registered vendor has that name: "register this vendor".
    Unregistered,
    Registered(Box<VendorRecord>),
}

impl VendorLink {
    pub fn vendor(&self) -> Option<&VendorRecord> {
        match self {
            VendorLink::Registered(record) => Some(record),
            _ => None,
        }
    }

    /// A registered vendor with no signed agreement: "no DPA on file".
    pub fn no_agreement_on_file(&self) -> bool {
        self.vendor()
            .is_some_and(|record| record.vendor.agreement.status != AgreementStatus::Signed)
    }
}

/// The vendor of `vendors` that `contractor` names (by name or alias).
pub fn vendor_for(contractor: &str, vendors: Vec<VendorRecord>) -> VendorLink {
    vendors
        .into_iter()
        .find(|record| record.vendor.names().matches(contractor))
        .map_or(VendorLink::Unregistered, |record| {
            VendorLink::Registered(Box::new(record))
        })
}

/// The overlays a linked vendor's signed agreement adds: its breach-notice
/// clause, as a source of the contractor's notice (`contractor_notifies_board`,
/// or in a pack without it, such as New York's, its contractor's notice
/// kind). An agreement not signed binds no one and adds nothing; one that
/// has expired still binds for breaches discovered before it expired,
/// which the overlay's effective dates express.
pub fn clause_overlays(link: &VendorLink, engine: &Engine) -> Vec<Overlay> {
    let Some(record) = link.vendor() else {
        return Vec::new();
    };
    let agreement = &record.vendor.agreement;
    let Some(clause) = agreement
        .breach_notice
        .as_ref()
        .filter(|_| agreement.status == AgreementStatus::Signed)
    else {
        return Vec::new();
    };
    let kind = engine
        .pack
        .kind(CONTRACTOR_NOTICE)
        .or_else(|| {
            engine
                .pack
                .kinds
                .iter()
                .find(|kind| kind.party == Party::Contractor && kind.scope == Scope::Incident)
        })
        .map(|kind| kind.id.clone());
    let Some(kind) = kind else {
        return Vec::new();
    };
    vec![Overlay {
        id: format!("vendor/{}/{kind}/{}", record.id, clause.within),
        kind,
        within: clause.within,
        clock: clause.clock.clone(),
        citation: format!("{}: {}", record.vendor.name, clause.citation),
        contractor: None,
        effective_from: agreement.signed_at,
        effective_until: agreement.expires_at,
    }]
}
