//! A contract's duties: the `scope = "contract"` kinds of the pack, counted
//! from the contract's execution. The rule in force is chosen by the local
//! date of execution, as an incident's rules are by their clock event; a
//! kind with `when = "provisions_missing"` applies only to a contract that
//! lacks one of the pack's required provisions. A district overlay
//! (`[[district.policy]]`) of a contract kind competes like any other
//! source, the earliest due time winning.

use super::engine::Engine;
use super::pack::{ContractCondition, Kind, Provision, Rule, Scope};
use super::plan::{ObligationPlan, SourcePlan};
use crate::domain::ClockEvent;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// What the engine needs of a contract.
#[derive(Debug, Clone)]
pub struct ContractFacts {
    /// The calendar date it was executed, in the district's zone.
    pub executed_on: NaiveDate,
    /// Each required provision's number, and whether the contract has it.
    pub provisions: BTreeMap<u32, bool>,
    /// Completing events recorded for the contract (`contract_notice_posted`).
    pub events: BTreeMap<ClockEvent, DateTime<Utc>>,
}

/// The contract's duties, and what the rule in force says beyond them.
#[derive(Debug, Clone)]
pub struct ContractPlan {
    pub obligations: Vec<ObligationPlan>,
    /// The required provisions the contract lacks, by number.
    pub missing: Vec<u32>,
    /// The citation of the rule in force that also required electronic
    /// notice to the affected students and parents, if one did.
    pub family_notice: Option<String>,
}

/// The event of the board's notice to the contractor to amend a contract
/// missing a required provision: a kind `completed_by` it is completed when
/// the notice is recorded.
pub const AMENDMENT_REQUESTED: &str = "contract_amendment_requested";

impl Engine {
    /// Whether recording `event` completes the contract kind `kind_id` (its
    /// `completed_by`): kinds are known by their event, never by their name.
    pub fn completed_by_event(&self, kind_id: &str, event: &str) -> bool {
        self.pack.kinds.iter().any(|kind| {
            kind.id == kind_id
                && kind.scope == Scope::Contract
                && kind
                    .completed_by
                    .as_ref()
                    .is_some_and(|e| e.as_str() == event)
        })
    }

    /// The required provisions of the pack, if it has a list.
    pub fn provisions(&self) -> &[Provision] {
        self.pack
            .provisions
            .as_ref()
            .map(|list| list.items.as_slice())
            .unwrap_or_default()
    }

    /// The instant a contract's clock starts: the start of its local date
    /// (a calendar date has no time; business and calendar days are
    /// counted from the day after, so only the date matters).
    pub fn contract_clock(&self, executed_on: NaiveDate) -> DateTime<Utc> {
        let midnight = executed_on
            .and_hms_opt(0, 0, 0)
            .expect("midnight is a valid time");
        self.zone
            .from_local_datetime(&midnight)
            .earliest()
            .unwrap_or_else(|| self.zone.from_utc_datetime(&midnight))
            .with_timezone(&Utc)
    }

    /// The duties a contract brings.
    pub fn evaluate_contract(&self, facts: &ContractFacts) -> ContractPlan {
        let missing: Vec<u32> = self
            .provisions()
            .iter()
            .filter(|item| facts.provisions.get(&item.number) != Some(&true))
            .map(|item| item.number)
            .collect();
        let started = self.contract_clock(facts.executed_on);
        let in_force =
            |rule: &&Rule| rule.scope == Scope::Contract && rule.effective_on(facts.executed_on);
        let family_notice = self
            .pack
            .rules
            .iter()
            .filter(in_force)
            .find(|rule| rule.family_notice)
            .map(|rule| rule.citation.clone());
        let obligations = self
            .pack
            .kinds
            .iter()
            .filter(|kind| kind.scope == Scope::Contract)
            .filter(|kind| match kind.when {
                None => true,
                Some(ContractCondition::ProvisionsMissing) => !missing.is_empty(),
            })
            .filter_map(|kind| self.plan_contract_kind(kind, facts, started))
            .collect();
        ContractPlan {
            obligations,
            missing,
            family_notice,
        }
    }

    fn plan_contract_kind(
        &self,
        kind: &Kind,
        facts: &ContractFacts,
        started: DateTime<Utc>,
    ) -> Option<ObligationPlan> {
        let executed = ClockEvent::contract_executed();
        let mut sources: Vec<SourcePlan> = self
            .pack
            .rules
            .iter()
            .filter(|rule| rule.kind == kind.id && rule.effective_on(facts.executed_on))
            .filter_map(|rule| {
                let within = rule.within?;
                Some(SourcePlan {
                    source_url: Some(rule.source_url.clone()),
                    description: Some(rule.description.clone()),
                    verified: Some(rule.verified.unwrap_or(false)),
                    note: rule.note.clone(),
                    ..SourcePlan::plain(
                        rule.id.clone(),
                        rule.citation.clone(),
                        within,
                        rule.clock.clone(),
                        Some(started),
                        Some(self.due(started, within)),
                    )
                })
            })
            .collect();
        for overlay in self.overlays.iter().filter(|overlay| {
            overlay.kind == kind.id
                && overlay.clock == executed
                && overlay
                    .effective_from
                    .is_none_or(|from| facts.executed_on >= from)
                && overlay
                    .effective_until
                    .is_none_or(|until| facts.executed_on <= until)
        }) {
            sources.push(SourcePlan::plain(
                overlay.id.clone(),
                overlay.citation.clone(),
                overlay.within,
                overlay.clock.clone(),
                Some(started),
                Some(self.due(started, overlay.within)),
            ));
        }
        let operative = sources.iter().min_by_key(|source| source.due_at)?.clone();
        Some(ObligationPlan {
            kind: kind.id.clone(),
            title: kind.title.clone(),
            party: kind.party,
            recipient: kind.recipient.clone(),
            clock: operative.clock.clone(),
            clock_started_at: operative.clock_started_at,
            due_at: operative.due_at,
            completed_by_event_at: kind
                .completed_by
                .as_ref()
                .and_then(|event| facts.events.get(event).copied()),
            due_kind: operative.due_kind,
            on_hold: false,
            rolled_due_at: None,
            outer_bound_at: None,
            waiting_for: None,
            assumptions: Vec::new(),
            sources,
        })
    }
}
