//! One pack rule's source plan: whether the rule applies to the incident,
//! its deadline by shape, then what moves it. The order matters and follows
//! the statutes: a law-enforcement delay replaces or shifts the deadline, a
//! roll rule only adds a secondary date to the result, and an extension is
//! counted from the (strict) deadline.

use super::clause::{DelayShape, DueKind, MonthDay, Relation};
use super::deadline::{end_of_local_day, local_date, rolled_forward, try_due_at};
use super::engine::{Engine, IncidentFacts};
use super::pack::Rule;
use super::plan::{
    Assumption, DelayOutcome, ExtensionPlan, NotHeldReason, ObligationPlan, SourcePlan,
};
use super::within::Within;
use crate::domain::{ClockEvent, InfoCategory};
use chrono::{DateTime, Datelike, Utc};

/// A deadline before any delay: when it falls and what produced it.
struct Timing {
    clock: ClockEvent,
    clock_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    within: Within,
    on_hold: bool,
}

impl Engine {
    /// The source `rule` gives, or `None` when it does not apply.
    pub(super) fn rule_source(
        &self,
        rule: &Rule,
        facts: &IncidentFacts,
        as_of: DateTime<Utc>,
        planned: &[ObligationPlan],
    ) -> Option<SourcePlan> {
        if rule.scope != facts.scope
            || !rule.breach_at.holds(facts.breach_at)
            || !rule.applies_to_classes(&facts.classes)
        {
            return None;
        }
        let assumptions = thresholds(rule, facts)?;
        let clock_at = facts.events.get(&rule.clock).copied();
        if !rule.effective_on(self.effective_date(clock_at, as_of)) {
            return None;
        }
        let timing = self.timing(rule, clock_at, planned)?;
        let mut source = SourcePlan {
            source_url: Some(rule.source_url.clone()),
            description: Some(rule.description.clone()),
            due_kind: rule.due_kind,
            verified: Some(rule.verified.unwrap_or(false)),
            note: rule.note.clone(),
            relative_to: rule.relative_to.clone(),
            after: rule.after.clone(),
            on_hold: timing.on_hold,
            assumptions,
            ..SourcePlan::plain(
                rule.id.clone(),
                rule.citation.clone(),
                timing.within,
                timing.clock,
                timing.clock_at,
                timing.due_at,
            )
        };
        if rule.due_kind == DueKind::AsSoonAsPracticable {
            source.outer_bound_at = rule
                .within
                .zip(clock_at)
                .and_then(|(within, start)| self.try_due(start, within));
        }
        let span = self.apply_delay(rule, facts, &mut source);
        if let (Some(roll), Some(due), Within::CalendarDays(_)) = (&rule.roll, source.due_at, span)
        {
            source.rolled_due_at = rolled_forward(due, self.zone, &self.roll_calendar);
            source.rolled_by = source.rolled_due_at.map(|_| roll.citation.clone());
        }
        if let (Some(clause), Some(due)) = (&rule.extension, source.due_at) {
            let filed_at = facts.events.get(&clause.event).copied();
            let filed_in_time = filed_at.is_some_and(|filed| filed <= due);
            source.extension = Some(ExtensionPlan {
                event: clause.event.clone(),
                within: clause.within,
                citation: clause.citation.clone(),
                filed_at,
                filed_in_time,
                extended_due_at: clause
                    .within
                    .filter(|_| filed_in_time)
                    .and_then(|within| self.try_due(due, within)),
            });
        }
        Some(source)
    }

    /// The deadline by the rule's shape, before any delay; `None` when the
    /// duty it is tied to does not arise.
    fn timing(
        &self,
        rule: &Rule,
        clock_at: Option<DateTime<Utc>>,
        planned: &[ObligationPlan],
    ) -> Option<Timing> {
        let within = rule.within.unwrap_or(Within::NoFixedTime);
        let mut timing = Timing {
            clock: rule.clock.clone(),
            clock_at,
            due_at: None,
            within,
            on_hold: false,
        };
        match (rule.due_kind, rule.relation) {
            (DueKind::Relative, Some(Relation::NoLaterThan)) => {
                // "Not later than the time notice is provided to the
                // residents": the earlier of that duty's deadline and the
                // moment it is done, on that duty's clock.
                let other = planned
                    .iter()
                    .find(|plan| Some(&plan.kind) == rule.relative_to.as_ref())?;
                timing.clock = other.clock.clone();
                timing.clock_at = other.clock_started_at;
                timing.within = other.operative().map_or(within, |source| source.within);
                timing.due_at = [other.due_at, other.completed_by_event_at]
                    .into_iter()
                    .flatten()
                    .min();
                timing.on_hold = other.on_hold && timing.due_at.is_none();
            }
            (DueKind::AsSoonAsPracticable, _) => {}
            (DueKind::Periodic, _) => {
                timing.due_at = clock_at.and_then(|at| self.next_period_end(rule, at));
            }
            _ => timing.due_at = clock_at.and_then(|at| self.try_due(at, within)),
        }
        Some(timing)
    }

    /// The end of the first update window ending on or after the clock's
    /// local date: a breach known on July 20 is due in the update of July 31
    /// (the earlier reading of 105 ILCS 85/27(a)(5)).
    fn next_period_end(&self, rule: &Rule, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let date = local_date(at, self.zone);
        let within = rule.within?;
        (date.year() - 1..=date.year() + 1)
            .flat_map(|year| rule.period_starts.iter().map(move |start| (year, *start)))
            .filter_map(|(year, start): (i32, MonthDay)| {
                let begins = end_of_local_day(start.in_year(year)?, self.zone);
                self.try_due(begins, within)
            })
            .filter(|due| local_date(*due, self.zone) >= date)
            .min()
    }

    /// Applies a recorded law-enforcement delay to `source`; answers the span
    /// that produced the final due time (the roll rule looks at its unit).
    fn apply_delay(&self, rule: &Rule, facts: &IncidentFacts, source: &mut SourcePlan) -> Within {
        let span = source.within;
        let requested = facts.events.get(&ClockEvent::delay_requested()).copied();
        let (Some(requested), Some(clock_at)) = (requested, source.clock_started_at) else {
            return span;
        };
        if rule.due_kind == DueKind::Relative && rule.relation == Some(Relation::NoLaterThan) {
            // Tied to another duty: held when, and as long as, that duty is.
            return span;
        }
        let Some(clause) = &rule.delay else {
            source.delay = Some(DelayOutcome::NotProvided);
            return span;
        };
        let not_held = if !clause.written_required {
            None
        } else {
            match &facts.delay {
                Some(request) if request.written => None,
                Some(_) => Some(NotHeldReason::NotWritten),
                None => Some(NotHeldReason::WrittenUnknown),
            }
        }
        .or_else(|| {
            source
                .due_at
                .filter(|due| requested > *due)
                .map(|_| NotHeldReason::AfterDeadline)
        });
        if let Some(reason) = not_held {
            source.delay = Some(DelayOutcome::NotHeld { reason });
            return span;
        }
        // A request made before the clock started holds it from its start.
        let since = requested.max(clock_at);
        let shape = clause.shape;
        let Some(ended) = facts.events.get(&ClockEvent::delay_ended()).copied() else {
            source.delay = Some(DelayOutcome::OnHold { since, shape });
            source.on_hold = true;
            source.due_at = None;
            return span;
        };
        // An end recorded before the request is read as a delay of no length.
        let ended = ended.max(since);
        source.delay = Some(DelayOutcome::Ended {
            since,
            ended,
            shape,
        });
        match shape {
            DelayShape::PauseThenPromptly => {
                source.due_at = None;
                source.due_kind = DueKind::AsSoonAsPracticable;
                span
            }
            DelayShape::FixedTail => {
                let tail = clause.tail.unwrap_or(Within::NoFixedTime);
                source.due_at = self.try_due(ended, tail);
                tail
            }
            DelayShape::Suspension => {
                let shifted = clock_at + (ended - since);
                source.due_at = match rule.due_kind {
                    DueKind::Periodic => self.next_period_end(rule, shifted),
                    _ => self.try_due(shifted, span),
                };
                span
            }
        }
    }

    pub(super) fn try_due(&self, start: DateTime<Utc>, within: Within) -> Option<DateTime<Utc>> {
        try_due_at(start, within, self.zone, &self.calendar)
    }
}

/// Whether the incident meets the rule's thresholds, and the facts assumed
/// where it could not be told; `None` when a known fact rules it out.
fn thresholds(rule: &Rule, facts: &IncidentFacts) -> Option<Vec<Assumption>> {
    let mut assumed = Vec::new();
    if let Some(threshold) = rule.min_affected {
        match facts.affected_residents {
            Some(count) if !threshold.met(count) => return None,
            Some(_) => {}
            None => assumed.push(Assumption::AffectedResidentsUnknown),
        }
    }
    if let Some(threshold) = rule.min_enrollment_share {
        match (facts.affected_students, facts.enrollment) {
            (Some(affected), Some(enrollment)) if !threshold.met(affected, enrollment) => {
                return None
            }
            (affected, enrollment) => {
                if affected.is_none() {
                    assumed.push(Assumption::AffectedStudentsUnknown);
                }
                if enrollment.is_none() {
                    assumed.push(Assumption::EnrollmentUnknown);
                }
            }
        }
    }
    if let Some(definition) = &rule.personal_information {
        match &facts.categories {
            Some(categories) if !definition.met(categories) => return None,
            Some(categories) if categories.contains(&InfoCategory::Unknown) => {
                assumed.push(Assumption::UnknownElementCounted);
            }
            Some(_) => {}
            None => assumed.push(Assumption::PersonalInformationUnclassified),
        }
    }
    Some(assumed)
}
