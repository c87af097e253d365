//! The engine: from an incident's facts to its obligations.
//!
//! For each obligation kind of the jurisdiction's pack, every applicable
//! source (statute, board policy, contract clause) is listed with its own due
//! time; the operative due time is the earliest. A rule applies when the
//! breach is of the kind it concerns, the exposed data classes meet its
//! classes, and it was in effect on the local date of its clock event (for a
//! clock that has not started yet: today's date), and the incident meets its
//! thresholds. How each rule's deadline is shaped (fixed, relative to another
//! duty, as soon as practicable, periodic) and moved (law-enforcement delay,
//! weekend roll, extension) is in `source.rs`.

use super::calendar::BusinessCalendar;
use super::clause::{DueKind, Relation};
use super::deadline::{due_at, local_date};
use super::pack::{Kind, OwnWork, RulePack, Scope, WEBSITE_KIND};
use super::taxonomy::{Classification, Taxonomy};
use super::within::Within;
use crate::domain::incident::ReportedFacts;
use crate::domain::{BreachAt, ClockEvent, DataClass, DelayRequest, InfoCategory, NewIncident};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

pub use super::plan::{ObligationPlan, SourcePlan};

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

/// What the engine needs to know about an incident. A fact left `None` is
/// unknown: a rule that depends on it applies (the strict reading) and its
/// source lists the assumption.
#[derive(Debug, Clone)]
pub struct IncidentFacts {
    pub breach_at: BreachAt,
    pub contractor: Option<String>,
    pub classes: BTreeSet<DataClass>,
    pub events: BTreeMap<ClockEvent, DateTime<Utc>>,
    /// Residents whose personal information was involved (PIPA's "more than
    /// 500 Illinois residents").
    pub affected_residents: Option<u64>,
    /// Students whose information was involved.
    pub affected_students: Option<u64>,
    /// The district's enrollment (105 ILCS 85/27(a)(5): the 10% share).
    pub enrollment: Option<u64>,
    /// The personal-information categories exposed (`Taxonomy::categories`).
    pub categories: Option<BTreeSet<InfoCategory>>,
    /// Who asked for a law-enforcement delay, and how; its times are the
    /// `delay_requested` and `delay_ended` events.
    pub delay: Option<DelayRequest>,
    /// Which rules apply: an incident's, or (`evaluate_request`) a
    /// privacy request's.
    pub scope: Scope,
}

impl IncidentFacts {
    /// For a breach of the district's own systems there is no contractor's
    /// notice to wait for: the board knows when the district discovers it,
    /// so `board_notified` defaults to `discovered`. A determination cannot
    /// come before discovery, so until one is recorded `determined` is taken
    /// to be `discovered`: the earliest a determination clock can start.
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
        if let Some(&discovered) = events.get(&ClockEvent::discovered()) {
            events.entry(ClockEvent::determined()).or_insert(discovered);
        }
        Self {
            breach_at,
            contractor,
            classes,
            events,
            affected_residents: None,
            affected_students: None,
            enrollment: None,
            categories: None,
            delay: None,
            scope: Scope::Incident,
        }
    }

    pub fn with_affected_residents(mut self, count: Option<u64>) -> Self {
        self.affected_residents = count;
        self
    }

    pub fn with_affected_students(mut self, count: Option<u64>) -> Self {
        self.affected_students = count;
        self
    }

    pub fn with_enrollment(mut self, count: Option<u64>) -> Self {
        self.enrollment = count;
        self
    }

    pub fn with_categories(mut self, categories: BTreeSet<InfoCategory>) -> Self {
        self.categories = Some(categories);
        self
    }

    pub fn with_delay(mut self, delay: DelayRequest) -> Self {
        self.delay = Some(delay);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub pack: RulePack,
    pub overlays: Vec<Overlay>,
    /// Weekends, the pack's legal holidays and the district's closures.
    pub calendar: BusinessCalendar,
    /// Weekends and every legal holiday of the pack, closures not included:
    /// a roll rule such as N.Y. Gen. Constr. Law § 25-a speaks of public
    /// holidays, not of the days a district is closed.
    pub roll_calendar: BusinessCalendar,
    pub closures: Vec<NaiveDate>,
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
        let (calendar, roll_calendar) = calendars(&pack, &closures);
        Self {
            pack,
            overlays,
            calendar,
            roll_calendar,
            closures,
            zone,
            taxonomy,
        }
    }

    /// Treats a proclaimed holiday (Conn. Gen. Stat. § 1-4: Good Friday,
    /// Thanksgiving) as a business day in `year`, for a year in which no
    /// proclamation was made.
    pub fn drop_proclaimed_holiday(&mut self, name: &str, year: i32) -> Result<(), String> {
        let holiday = self
            .pack
            .holidays
            .iter_mut()
            .find(|holiday| holiday.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "{name:?} is not a holiday of the {} pack",
                    self.pack.jurisdiction
                )
            })?;
        if !holiday.proclaimed {
            return Err(format!(
                "{:?} is a legal holiday by statute, not by proclamation",
                holiday.name
            ));
        }
        holiday.unproclaimed_years.insert(year);
        (self.calendar, self.roll_calendar) = calendars(&self.pack, &self.closures);
        Ok(())
    }

    /// The earliest day any incident rule of the pack takes effect; `None`
    /// when some rule has no start (or there is none). An incident whose
    /// events lie before it (a year typed 1026) deserves a second look.
    pub fn earliest_effective_date(&self) -> Option<NaiveDate> {
        let rules = self
            .pack
            .rules
            .iter()
            .filter(|rule| rule.scope == Scope::Incident);
        rules
            .map(|rule| rule.effective_from)
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .min()
    }

    /// The events of `facts` whose local date is before any rule of the pack
    /// took effect: an incident with any should be refused unless it is
    /// filed as historical.
    pub fn events_before_effect(&self, facts: &IncidentFacts) -> Vec<(ClockEvent, DateTime<Utc>)> {
        let Some(earliest) = self.earliest_effective_date() else {
            return Vec::new();
        };
        facts
            .events
            .iter()
            .filter(|(_, &at)| local_date(at, self.zone) < earliest)
            .map(|(event, &at)| (event.clone(), at))
            .collect()
    }

    /// The personal-information categories of a classification, for
    /// `IncidentFacts::with_categories`.
    pub fn categories(&self, classification: &Classification) -> BTreeSet<InfoCategory> {
        self.taxonomy.categories(classification)
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
        for (kind, at) in &incident.events {
            events.insert(kind.clone(), at.utc());
        }
        self.facts_with(
            IncidentFacts::new(
                incident.breach_at(),
                incident.contractor.clone(),
                classification.classes.clone(),
                events,
            ),
            incident.affected_students,
            &incident.facts(),
            classification,
        )
    }

    /// `facts` with the counts, the delay and the information categories
    /// that a report gives beyond its events (for a new report and a stored
    /// one alike).
    pub fn facts_with(
        &self,
        facts: IncidentFacts,
        affected_students: Option<u64>,
        reported: &ReportedFacts,
        classification: &Classification,
    ) -> IncidentFacts {
        let facts = facts
            .with_affected_students(affected_students)
            .with_affected_residents(reported.affected_residents)
            .with_enrollment(reported.enrollment)
            .with_categories(self.categories(classification));
        match &reported.delay {
            Some(delay) => facts.with_delay(delay.clone()),
            None => facts,
        }
    }

    /// Derives the obligations for `facts`; `as_of` picks the rules in force
    /// for clocks that have not started.
    ///
    /// A duty "no later than" another is planned after the others, from their
    /// plans; the pack check keeps such ties one level deep.
    pub fn evaluate(&self, facts: &IncidentFacts, as_of: DateTime<Utc>) -> Vec<ObligationPlan> {
        self.evaluate_with(facts, as_of, &[])
    }

    /// As `evaluate`, with sources beyond the configured overlays: the
    /// breach-notice clause of a registered vendor's agreement, which lives
    /// in the database rather than the configuration. They compete like any
    /// overlay (the earliest due time wins).
    pub fn evaluate_with(
        &self,
        facts: &IncidentFacts,
        as_of: DateTime<Utc>,
        extra: &[Overlay],
    ) -> Vec<ObligationPlan> {
        let kinds: Vec<&Kind> = self
            .pack
            .kinds
            .iter()
            .filter(|kind| kind.scope == Scope::Incident && kind.breach_at.holds(facts.breach_at))
            .collect();
        let tied = |kind: &Kind| {
            self.pack.rules.iter().any(|rule| {
                rule.kind == kind.id
                    && rule.due_kind == DueKind::Relative
                    && rule.relation == Some(Relation::NoLaterThan)
            })
        };
        let mut plans: Vec<Option<ObligationPlan>> = kinds
            .iter()
            .map(|kind| (!tied(kind)).then(|| self.plan_kind(kind, facts, as_of, &[], extra))?)
            .collect();
        let untied: Vec<ObligationPlan> = plans.iter().flatten().cloned().collect();
        for (slot, kind) in plans.iter_mut().zip(&kinds) {
            if tied(kind) {
                *slot = self.plan_kind(kind, facts, as_of, &untied, extra);
            }
        }
        plans.into_iter().flatten().collect()
    }

    /// The response duty a privacy request of obligation kind `kind_id`
    /// starts when received at `received_at`: from the pack's request rules
    /// (the federal ones included) and the board's policy overlays. `None`
    /// when neither sets a deadline for that kind.
    pub fn evaluate_request(
        &self,
        kind_id: &str,
        received_at: DateTime<Utc>,
        as_of: DateTime<Utc>,
    ) -> Option<ObligationPlan> {
        let kind = self
            .pack
            .kind(kind_id)
            .filter(|kind| kind.scope == Scope::Request)?;
        let events = BTreeMap::from([(ClockEvent::received(), received_at)]);
        let mut facts = IncidentFacts::new(BreachAt::Unknown, None, BTreeSet::new(), events);
        facts.scope = Scope::Request;
        self.plan_kind(kind, &facts, as_of, &[], &[])
    }

    fn plan_kind(
        &self,
        kind: &Kind,
        facts: &IncidentFacts,
        as_of: DateTime<Utc>,
        planned: &[ObligationPlan],
        extra: &[Overlay],
    ) -> Option<ObligationPlan> {
        let mut sources = Vec::new();
        for rule in &self.pack.rules {
            let website = kind.id == WEBSITE_KIND && rule.website_posting && rule.kind != kind.id;
            if rule.kind != kind.id && !website {
                continue;
            }
            if let Some(mut source) = self.rule_source(rule, facts, as_of, planned) {
                if website {
                    source.rule = format!("{}/website", rule.id);
                }
                sources.push(source);
            }
        }
        for overlay in self
            .overlays
            .iter()
            .chain(extra)
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
            sources.push(SourcePlan::plain(
                overlay.id.clone(),
                overlay.citation.clone(),
                overlay.within,
                overlay.clock.clone(),
                clock_at,
                clock_at.map(|start| self.due(start, overlay.within)),
            ));
        }
        if sources.is_empty() {
            return None;
        }
        // The earliest due time; with none, a held source (say why there is
        // none), then one whose clock runs with no fixed time, then the first.
        let operative = sources
            .iter()
            .filter(|source| source.due_at.is_some())
            .min_by_key(|source| source.due_at)
            .or_else(|| sources.iter().find(|source| source.on_hold))
            .or_else(|| {
                sources
                    .iter()
                    .find(|source| source.clock_started_at.is_some())
            })
            .unwrap_or(&sources[0]);
        let waiting_for = sources
            .iter()
            .filter_map(|source| source.after.as_deref())
            .find(|after| {
                let done = self.pack.kind(after).and_then(|k| k.completed_by.as_ref());
                done.is_none_or(|event| !facts.events.contains_key(event))
            })
            .map(str::to_owned);
        let mut assumptions: Vec<_> = sources
            .iter()
            .flat_map(|source| source.assumptions.iter().copied())
            .collect();
        assumptions.sort();
        assumptions.dedup();
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
            on_hold: operative.on_hold,
            rolled_due_at: operative.rolled_due_at,
            outer_bound_at: operative.outer_bound_at,
            waiting_for,
            assumptions,
            sources,
        })
    }

    pub(super) fn effective_date(
        &self,
        clock_at: Option<DateTime<Utc>>,
        as_of: DateTime<Utc>,
    ) -> NaiveDate {
        local_date(clock_at.unwrap_or(as_of), self.zone)
    }

    pub fn due(&self, start: DateTime<Utc>, within: Within) -> DateTime<Utc> {
        due_at(start, within, self.zone, &self.calendar)
    }
}

/// The business-day calendar (rolled-only holidays left out, closures in)
/// and the roll calendar (every holiday, no closures).
fn calendars(pack: &RulePack, closures: &[NaiveDate]) -> (BusinessCalendar, BusinessCalendar) {
    let counted = pack
        .holidays
        .iter()
        .filter(|holiday| !holiday.rolled_dates_only)
        .cloned()
        .collect();
    (
        BusinessCalendar::new(counted, closures.iter().copied()),
        BusinessCalendar::new(pack.holidays.clone(), []),
    )
}
