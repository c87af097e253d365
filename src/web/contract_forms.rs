//! What the contract page shows of the notice to amend and the amendment,
//! and their forms for administrators (`contract_amendment` reads what
//! they send): below both the page and its form handlers, so that neither
//! imports the other's file back.

use super::format::{self, LocalTime};
use super::User;
use crate::auth::Permission;
use crate::cases::contracts::ContractWithDuties;
use crate::state::AppState;
use serde::Serialize;
use std::collections::BTreeMap;

/// A missing provision the amendment form offers to tick.
#[derive(Serialize)]
pub(super) struct Choice {
    pub(super) number: u32,
    pub(super) text: String,
    pub(super) checked: bool,
}

/// What the contract page shows of the notice to amend and the amendment.
#[derive(Serialize, Default)]
pub(super) struct Forms {
    /// "September 18, 2026", once an amendment was recorded.
    amended: Option<String>,
    /// When the notice to amend was sent, once recorded.
    requested: Option<LocalTime>,
    request_note: Option<String>,
    /// The forms are shown (an administrator, a provision missing).
    show: bool,
    /// The notice to amend is not recorded yet.
    can_request: bool,
    pub(super) choices: Vec<Choice>,
    pub(super) values: BTreeMap<&'static str, String>,
    pub(super) errors: BTreeMap<String, String>,
}

impl Forms {
    /// As the page shows them before anything is typed.
    pub(super) fn blank(state: &AppState, user: &User, contract: &ContractWithDuties) -> Self {
        let amendment = &contract.record.amendment;
        let missing = &contract.plan.missing;
        Forms {
            amended: amendment
                .amended_on
                .map(|on| on.format("%B %-d, %Y").to_string()),
            requested: amendment
                .requested_at
                .map(|at| format::local(at, state.settings.timezone)),
            request_note: amendment.request_note.clone(),
            show: user.may(Permission::Administer) && !missing.is_empty(),
            can_request: amendment.requested_at.is_none(),
            choices: state
                .settings
                .engine
                .provisions()
                .iter()
                .filter(|p| missing.contains(&p.number))
                .map(|p| Choice {
                    number: p.number,
                    text: p.text.clone(),
                    checked: false,
                })
                .collect(),
            values: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }
}
