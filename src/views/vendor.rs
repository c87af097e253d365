//! A registered vendor (`GET /api/v1/vendors/{id}`): the body it was
//! registered with, its id and times, and whether its agreement is in force.

use crate::domain::timestamp::format_in_zone;
use crate::store::VendorRecord;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorView {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub contacts: Vec<String>,
    pub services: Option<String>,
    /// The taxonomy's names of the data elements the vendor holds.
    pub data_elements: Vec<String>,
    pub agreement: AgreementView,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    /// `dpa`, `contract`, `terms_of_service` or `data_sharing_agreement`.
    pub kind: Option<String>,
    /// `none`, `requested`, `signed`, `refused`, `expired` or `terminated`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub signed_at: Option<String>,
    /// `YYYY-MM-DD`.
    pub expires_at: Option<String>,
    pub breach_notice: Option<BreachNoticeView>,
    /// Signed and not expired on the district's today.
    pub in_force: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreachNoticeView {
    /// `48h`, `30d` or `2bd`.
    pub within: String,
    /// The clock event it runs from (`discovered`).
    pub clock: String,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorList {
    pub vendors: Vec<VendorView>,
}

pub fn vendor(record: &VendorRecord, zone: Tz, today: NaiveDate) -> VendorView {
    let vendor = &record.vendor;
    let agreement = &vendor.agreement;
    VendorView {
        id: record.id.to_string(),
        name: vendor.name.clone(),
        aliases: vendor.aliases.clone(),
        contacts: vendor.contacts.clone(),
        services: vendor.services.clone(),
        data_elements: vendor.data_elements.clone(),
        agreement: AgreementView {
            kind: agreement.kind.map(|kind| kind.as_str().to_owned()),
            status: agreement.status.as_str().to_owned(),
            signed_at: agreement.signed_at.map(|date| date.to_string()),
            expires_at: agreement.expires_at.map(|date| date.to_string()),
            breach_notice: agreement
                .breach_notice
                .as_ref()
                .map(|clause| BreachNoticeView {
                    within: clause.within.to_string(),
                    clock: clause.clock.as_str().to_owned(),
                    citation: clause.citation.clone(),
                }),
            in_force: agreement.in_force(today),
        },
        created_at: format_in_zone(record.created_at, zone),
        updated_at: format_in_zone(record.updated_at, zone),
    }
}

pub fn vendor_list(records: &[VendorRecord], zone: Tz, today: NaiveDate) -> VendorList {
    VendorList {
        vendors: records
            .iter()
            .map(|record| vendor(record, zone, today))
            .collect(),
    }
}
