//! The vendor registry's pages (every role): the list of vendors with
//! where each agreement stands, and one vendor with its agreement and
//! breach-notice clause. Vendors are registered and changed through the
//! API (`/api/v1/vendors`, admin).

use super::User;
use crate::cases::ServiceError;
use crate::rules::deadline::local_date;
use crate::state::AppState;
use crate::store::VendorRecord;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Serialize)]
struct VendorRow {
    id: String,
    name: String,
    aliases: Vec<String>,
    services: Option<String>,
    contacts: Vec<String>,
    data_elements: Vec<String>,
    kind: Option<&'static str>,
    status: &'static str,
    in_force: bool,
    signed_at: Option<String>,
    expires_at: Option<String>,
    /// "48 elapsed hours from the discovery of the breach (DPA § 7)".
    breach_notice: Option<String>,
}

fn row(record: &VendorRecord, today: NaiveDate) -> VendorRow {
    let vendor = &record.vendor;
    let agreement = &vendor.agreement;
    VendorRow {
        id: record.id.to_string(),
        name: vendor.name.clone(),
        aliases: vendor.aliases.clone(),
        services: vendor.services.clone(),
        contacts: vendor.contacts.clone(),
        data_elements: vendor.data_elements.clone(),
        kind: agreement.kind.map(|kind| kind.label()),
        status: agreement.status.label(),
        in_force: agreement.in_force(today),
        signed_at: agreement.signed_at.map(|date| date.to_string()),
        expires_at: agreement.expires_at.map(|date| date.to_string()),
        breach_notice: agreement.breach_notice.as_ref().map(|clause| {
            format!(
                "{} from {} ({})",
                clause.within.describe(),
                super::format::event_label(clause.clock.as_str()),
                clause.citation
            )
        }),
    }
}

#[derive(Serialize)]
struct ListPage {
    vendors: Vec<VendorRow>,
}

#[derive(Serialize)]
struct OnePage {
    vendor: VendorRow,
    /// Its parental consent campaigns (`vendor_consent`).
    consent: Vec<super::vendor_consent::CampaignBlock>,
}

fn today(state: &AppState) -> NaiveDate {
    local_date(state.cases.now(), state.settings.timezone)
}

pub async fn list(State(state): State<AppState>, user: User) -> Response {
    let records = match state.cases.vendors().await {
        Ok(records) => records,
        Err(error) => return user.internal(&state, error),
    };
    let today = today(&state);
    let page = ListPage {
        vendors: records.iter().map(|record| row(record, today)).collect(),
    };
    user.page(&state, StatusCode::OK, "vendors.html", "vendors", &page)
}

pub async fn one(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return user.message(
            &state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such vendor.",
        );
    };
    match state.cases.vendor(id).await {
        Ok(record) => {
            let consent = match super::vendor_consent::campaigns(&state, id).await {
                Ok(consent) => consent,
                Err(error) => return user.internal(&state, error),
            };
            let page = OnePage {
                vendor: row(&record, today(&state)),
                consent,
            };
            user.page(&state, StatusCode::OK, "vendor.html", "vendors", &page)
        }
        Err(ServiceError::NotFound) => user.message(
            &state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such vendor.",
        ),
        Err(error) => user.internal(&state, error),
    }
}
