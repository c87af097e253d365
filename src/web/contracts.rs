//! The contracts' pages (every role): the list of contracts with their
//! posting deadline, and one contract with its provisions, its duties and
//! where its public notice is, in plain words. Contracts are filed through
//! the API (`POST /api/v1/contracts`, admin).

use super::documents::DocumentSection;
use super::format::{self, LocalTime};
use super::User;
use crate::cases::contracts::ContractWithDuties;
use crate::cases::ServiceError;
use crate::rules::element_words::FALLBACK_LANGUAGE;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct ContractRow {
    id: String,
    title: String,
    vendor: String,
    vendor_id: String,
    /// "September 4, 2026"
    executed: String,
    purpose: String,
    data_lines: Vec<String>,
    provisions: Vec<ProvisionRow>,
    void_if_not_amended: bool,
    family_notice_citation: Option<String>,
    /// "3 of 3 guardians emailed, 0 failed", once a roster is uploaded.
    family_emails: Option<String>,
    published_url: Option<String>,
    published: Option<LocalTime>,
    duties: Vec<Duty>,
}

#[derive(Serialize)]
struct ProvisionRow {
    number: u32,
    text: String,
    included: bool,
}

#[derive(Serialize)]
struct Duty {
    title: String,
    recipient: String,
    status: format::StatusView,
    due: Option<LocalTime>,
    completed: Option<LocalTime>,
    /// "Conn. Gen. Stat. § 10-234bb; P.A. 18-125: 5 business days (not checked against the statute's text)"
    sources: Vec<String>,
}

fn row(state: &AppState, contract: &ContractWithDuties) -> ContractRow {
    let zone = state.settings.timezone;
    let now = state.cases.now();
    let engine = &state.settings.engine;
    let record = &contract.record;
    let classification = engine.classify(&record.contract.data_elements);
    ContractRow {
        id: record.id.to_string(),
        title: record.contract.title.clone(),
        vendor: contract
            .vendor_name
            .clone()
            .unwrap_or_else(|| "a vendor no longer registered".to_owned()),
        vendor_id: record.contract.vendor_id.to_string(),
        executed: record.contract.executed_on.format("%B %-d, %Y").to_string(),
        purpose: record.contract.purpose.clone(),
        data_lines: crate::site::data_class_lines(
            &engine.taxonomy.in_words(&classification, FALLBACK_LANGUAGE),
        ),
        provisions: engine
            .provisions()
            .iter()
            .map(|p| ProvisionRow {
                number: p.number,
                text: p.text.clone(),
                included: record.provisions_now().get(&p.number) == Some(&true),
            })
            .collect(),
        void_if_not_amended: !contract.plan.missing.is_empty(),
        family_notice_citation: contract.plan.family_notice.clone(),
        family_emails: contract.mailing.as_ref().map(|m| {
            format!(
                "{} of {} emailed, {} failed",
                m.sent,
                crate::words::count(m.guardians, "guardian", "guardians"),
                m.failed
            )
        }),
        published_url: record.published_url.clone(),
        published: record.published_at.map(|at| format::local(at, zone)),
        duties: contract
            .obligations
            .iter()
            .map(|o| Duty {
                title: o.title.clone(),
                recipient: o.recipient.clone(),
                status: format::status(o.status(now), o.due_at, now),
                due: o.due_at.map(|at| format::local(at, zone)),
                completed: o.completed_at.map(|at| format::local(at, zone)),
                sources: o
                    .sources
                    .iter()
                    .map(|s| {
                        let checked = if s.verified.unwrap_or(false) {
                            ""
                        } else {
                            " (not checked against the statute's text: confirm with counsel)"
                        };
                        format!("{}: {}{checked}", s.citation, s.within.describe())
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct ListPage {
    contracts: Vec<ContractRow>,
}

/// What the contract page and its upload call the contract's document.
pub(super) const DOCUMENT: &str = "signed contract";

#[derive(Serialize)]
struct OnePage {
    contract: ContractRow,
    /// The notice to amend and the amendment, and their forms.
    amendment: super::contract_forms::Forms,
    /// The signed contract and its upload form (`contract_document`).
    document: DocumentSection,
}

pub async fn list(State(state): State<AppState>, user: User) -> Response {
    let contracts = match state.cases.contracts().await {
        Ok(contracts) => contracts,
        Err(error) => return user.internal(&state, error),
    };
    let page = ListPage {
        contracts: contracts.iter().map(|c| row(&state, c)).collect(),
    };
    user.page(&state, StatusCode::OK, "contracts.html", "contracts", &page)
}

pub async fn one(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Response {
    match current(&user, &state, &id).await {
        Ok(contract) => {
            let forms = super::contract_forms::Forms::blank(&state, &user, &contract);
            render_one(&user, &state, &contract, Page::new(forms)).await
        }
        Err(response) => response,
    }
}

/// The contract a page's path names, or the page answering that there is
/// none.
pub(super) async fn current(
    user: &User,
    state: &AppState,
    id: &str,
) -> Result<ContractWithDuties, Response> {
    let not_found = || {
        user.message(
            state,
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such contract.",
        )
    };
    let id = uuid::Uuid::parse_str(id).map_err(|_| not_found())?;
    match state.cases.contract(id).await {
        Ok(contract) => Ok(contract),
        Err(ServiceError::NotFound) => Err(not_found()),
        Err(error) => Err(user.internal(state, error)),
    }
}

/// What one contract's page shows beside the contract: its amendment
/// forms as given (blank, or as refused), why an upload of its document was
/// refused when it was, and the answer's status.
pub(super) struct Page {
    pub(super) amendment: super::contract_forms::Forms,
    pub(super) upload_error: Option<String>,
    pub(super) status: StatusCode,
}

impl Page {
    pub(super) fn new(amendment: super::contract_forms::Forms) -> Self {
        Page {
            amendment,
            upload_error: None,
            status: StatusCode::OK,
        }
    }
}

/// One contract's page.
pub(super) async fn render_one(
    user: &User,
    state: &AppState,
    contract: &ContractWithDuties,
    shown: Page,
) -> Response {
    let id = contract.record.id;
    let current = match state.cases.contract_document_of(id).await {
        Ok(current) => current,
        Err(error) => return user.internal(state, error),
    };
    let mut document = DocumentSection::new(
        state,
        "contracts",
        id,
        DOCUMENT,
        "on the contract's public notice page",
        current.as_ref(),
    );
    document.error = shown.upload_error;
    let page = OnePage {
        contract: row(state, contract),
        amendment: shown.amendment,
        document,
    };
    user.page(state, shown.status, "contract.html", "contracts", &page)
}
