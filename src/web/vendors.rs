//! The vendor registry's pages (every role): the list of vendors with
//! where each agreement stands, and one vendor with its agreement and
//! breach-notice clause and its signed document. Administrators register
//! and change vendors (`vendor_edit`) and upload the signed agreement
//! (`upload_document`) from these pages, as the API does.

use super::documents::{self, DocumentSection, UploadRefused};
use super::User;
use crate::auth::Permission;
use crate::cases::ServiceError;
use crate::rules::deadline::local_date;
use crate::state::AppState;
use crate::store::VendorRecord;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

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
    document: DocumentSection,
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
    match current(&user, &state, &id).await {
        Ok(record) => render_one(&user, &state, &record, None, StatusCode::OK).await,
        Err(response) => response,
    }
}

/// The vendor a page's path names, or the page answering that there is
/// none.
pub(super) async fn current(
    user: &User,
    state: &AppState,
    id: &str,
) -> Result<VendorRecord, Response> {
    let not_found = || {
        user.message(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such vendor.",
        )
    };
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.cases.vendor(id).await {
        Ok(record) => Ok(record),
        Err(ServiceError::NotFound) => Err(not_found()),
        Err(error) => Err(user.internal(state, error)),
    }
}

/// The vendor's page, with why an upload was refused when it was.
async fn render_one(
    user: &User,
    state: &AppState,
    record: &VendorRecord,
    upload_error: Option<String>,
    status: StatusCode,
) -> Response {
    let current = match state.cases.vendor_document_of(record.id).await {
        Ok(current) => current,
        Err(error) => return user.internal(state, error),
    };
    let mut document = DocumentSection::new(
        state,
        "vendors",
        record.id,
        AGREEMENT,
        "on the public list of agreements, while the agreement is in force",
        current.as_ref(),
    );
    document.error = upload_error;
    let consent = match super::vendor_consent::campaigns(state, record.id).await {
        Ok(consent) => consent,
        Err(error) => return user.internal(state, error),
    };
    let page = OnePage {
        vendor: row(record, today(state)),
        consent,
        document,
    };
    user.page(state, status, "vendor.html", "vendors", &page)
}

const AGREEMENT: &str = "signed agreement";

/// `POST /vendors/{id}/document` (admin): the signed agreement, as
/// `POST /api/v1/vendors/{id}/document` stores it.
pub async fn upload_document(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    if let Err(refused) = user.require(&state, Permission::Administer) {
        return refused.into();
    }
    let record = match current(&user, &state, &id).await {
        Ok(record) => record,
        Err(response) => return response,
    };
    let answer = match documents::read_form(&user, &state, multipart, "agreement").await {
        Ok(upload) => {
            let result = state
                .cases
                .upload_vendor_document(record.id, upload, &user.session.name)
                .await;
            let page = format!("/vendors/{}", record.id);
            documents::stored(&user, &state, &page, AGREEMENT, result)
        }
        Err(refused) => Err(refused),
    };
    match answer {
        Ok(response) => response,
        Err(UploadRefused::Page(refused)) => refused.into(),
        Err(UploadRefused::Reason(status, reason)) => {
            render_one(&user, &state, &record, Some(reason), status).await
        }
    }
}

/// `GET /vendors/{id}/document` (every role): the signed agreement.
pub async fn download_document(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<String>,
) -> Response {
    match current(&user, &state, &id).await {
        Ok(record) => {
            let found = state.cases.vendor_document(record.id).await;
            documents::download(&user, &state, found)
        }
        Err(response) => response,
    }
}
