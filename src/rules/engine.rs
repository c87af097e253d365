//! The engine: from an incident's facts to its obligations.
//!
//! For each obligation kind of the jurisdiction's pack, every applicable
//! source (statute, board policy, contract clause) is listed with its own due
//! time; the operative due time is the earliest. A rule applies when the
//! breach is of the kind it concerns, the exposed data classes meet its
//! classes, and it was in effect on the local date of its clock event (for a
//! clock that has not started yet: today's date).

use super::calendar::BusinessCalendar;
use super::deadline::{due_at, local_date};
use super::pack::{Kind, OwnWork, Rule, RulePack, Scope, WEBSITE_KIND};
use super::taxonomy::{Classification, Taxonomy};
use super::within::Within;
use crate::domain::{BreachAt, ClockEvent, DataClass, NewIncident, Party};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A district-level source of a deadline: a board-policy overlay, or a
/// clause of one contractor's contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub id: String,
    pub kind: String,
    pub within: Within,
    pub clock: ClockEvent,
    pub citation: String,
    /// For a contract clause: the contractor it binds, normalized.
    pub contractor: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
}

/// Normalizes a contractor's name for matching: "Vendor, Inc." = "vendor inc".
pub fn contractor_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What the engine needs to know about an incident.
#[derive(Debug, Clone)]
pub struct IncidentFacts {
    pub breach_at: BreachAt,
    pub contractor: Option<String>,
    pub classes: BTreeSet<DataClass>,
    pub events: BTreeMap<ClockEvent, DateTime<Utc>>,
}

impl IncidentFacts {
    /// For a breach of the district's own systems there is no contractor's
    /// notice to wait for: the board knows when the district discovers it,
    /// so `board_notified` defaults to `discovered`.
    pub fn new(
        breach_at: BreachAt,
        contractor: Option<String>,
        classes: BTreeSet<DataClass>,
        mut events: BTreeMap<ClockEvent, DateTime<Utc>>,
    ) -> Self {
        if breach_at == BreachAt::District {
            if let Some(&discovered) = events.get(&ClockEvent::discovered()) {
                events
                    .entry(ClockEvent::board_notified())
                    .or_insert(discovered);
            }
        }
        Self {
            breach_at,
            contractor,
            classes,
            events,
        }
    }
}

/// One source of an obligation's deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcePlan {
    pub rule: String,
    pub citation: String,
    pub source_url: Option<String>,
    pub description: Option<String>,
    pub within: Within,
    pub clock: ClockEvent,
    pub clock_started_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
}

/// An obligation as the rules derive it, before any completion or waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct ObligationPlan {
    pub kind: String,
    pub title: String,
    pub party: Party,
    pub recipient: String,
    /// The clock of the operative source (or of the first, while pending).
    pub clock: ClockEvent,
    pub clock_started_at: Option<DateTime<Utc>>,
    /// The earliest due time of the sources whose clocks have started.
    pub due_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourcePlan>,
    /// When the event that fulfils this kind was recorded, if it was.
    pub completed_by_event_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub pack: RulePack,
    pub overlays: Vec<Overlay>,
    pub calendar: BusinessCalendar,
    pub zone: Tz,
    pub taxonomy: Taxonomy,
}

impl Engine {
    pub fn new(
        pack: RulePack,
        overlays: Vec<Overlay>,
        closures: Vec<NaiveDate>,
        zone: Tz,
        taxonomy: Taxonomy,
    ) -> Self {
        let calendar = BusinessCalendar::new(pack.holidays.clone(), closures);
        Self {
            pack,
            overlays,
            calendar,
            zone,
            taxonomy,
        }
    }

    /// Whether obligations of kind `kind_id` are fulfilled by `work`.
    pub fn is_own_work(&self, kind_id: &str, work: OwnWork) -> bool {
        self.pack
            .kinds
            .iter()
            .any(|kind| kind.id == kind_id && kind.own_work() == Some(work))
    }

    /// Every event a report may record for this jurisdiction.
    pub fn events(&self) -> BTreeSet<ClockEvent> {
        let mut events = self.pack.events();
        events.extend(self.overlays.iter().map(|overlay| overlay.clock.clone()));
        events
    }

    pub fn classify(&self, elements: &[String]) -> Classification {
        self.taxonomy.classify(elements)
    }

    /// The facts of a newly filed incident.
    pub fn facts_of(
        &self,
        incident: &NewIncident,
        classification: &Classification,
    ) -> IncidentFacts {
        let mut events = BTreeMap::new();
        events.insert(ClockEvent::discovered(), incident.discovered_at.utc());
        if let Some(notified) = incident.board_notified_at {
            events.insert(ClockEvent::board_notified(), notified.utc());
        }
        IncidentFacts::new(
            incident.breach_at(),
            incident.contractor.clone(),
            classification.classes.clone(),
            events,
        )
    }

    /// Derives the obligations for `facts`; `as_of` picks the rules in force
    /// for clocks that have not started.
    pub fn evaluate(&self, facts: &IncidentFacts, as_of: DateTime<Utc>) -> Vec<ObligationPlan> {
        self.pack
            .kinds
            .iter()
            .filter(|kind| kind.scope == Scope::Incident && kind.breach_at.holds(facts.breach_at))
            .filter_map(|kind| self.plan_kind(kind, facts, as_of))
            .collect()
    }

    fn plan_kind(
        &self,
        kind: &Kind,
        facts: &IncidentFacts,
        as_of: DateTime<Utc>,
    ) -> Option<ObligationPlan> {
        let mut sources = Vec::new();
        for rule in &self.pack.rules {
            let website = kind.id == WEBSITE_KIND && rule.website_posting && rule.kind != kind.id;
            if (rule.kind != kind.id && !website) || !self.rule_applies(rule, facts) {
                continue;
            }
            let clock_at = facts.events.get(&rule.clock).copied();
            if !rule.effective_on(self.effective_date(clock_at, as_of)) {
                continue;
            }
            sources.push(SourcePlan {
                rule: if website {
                    format!("{}/website", rule.id)
                } else {
                    rule.id.clone()
                },
                citation: rule.citation.clone(),
                source_url: Some(rule.source_url.clone()),
                description: Some(rule.description.clone()),
                within: rule.within,
                clock: rule.clock.clone(),
                clock_started_at: clock_at,
                due_at: clock_at.map(|start| self.due(start, rule.within)),
            });
        }
        for overlay in self
            .overlays
            .iter()
            .filter(|overlay| overlay.kind == kind.id)
        {
            if let Some(bound) = &overlay.contractor {
                let named = facts.contractor.as_deref().map(contractor_key);
                if named.as_deref() != Some(bound.as_str()) {
                    continue;
                }
            }
            let clock_at = facts.events.get(&overlay.clock).copied();
            let date = self.effective_date(clock_at, as_of);
            if overlay.effective_from.is_some_and(|from| date < from)
                || overlay.effective_until.is_some_and(|until| date > until)
            {
                continue;
            }
            sources.push(SourcePlan {
                rule: overlay.id.clone(),
                citation: overlay.citation.clone(),
                source_url: None,
                description: None,
                within: overlay.within,
                clock: overlay.clock.clone(),
                clock_started_at: clock_at,
                due_at: clock_at.map(|start| self.due(start, overlay.within)),
            });
        }
        if sources.is_empty() {
            return None;
        }
        let operative = sources
            .iter()
            .filter(|source| source.due_at.is_some())
            .min_by_key(|source| source.due_at)
            .unwrap_or(&sources[0]);
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
            sources,
        })
    }

    fn rule_applies(&self, rule: &Rule, facts: &IncidentFacts) -> bool {
        rule.scope == Scope::Incident
            && rule.breach_at.holds(facts.breach_at)
            && rule.applies_to_classes(&facts.classes)
    }

    fn effective_date(&self, clock_at: Option<DateTime<Utc>>, as_of: DateTime<Utc>) -> NaiveDate {
        local_date(clock_at.unwrap_or(as_of), self.zone)
    }

    pub fn due(&self, start: DateTime<Utc>, within: Within) -> DateTime<Utc> {
        due_at(start, within, self.zone, &self.calendar)
    }
}
