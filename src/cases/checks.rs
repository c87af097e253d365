//! What a report and a corrected event must satisfy beyond their shape,
//! against the district's rules and the clock.

use super::FUTURE_TOLERANCE;
use crate::domain::{ClockEvent, FieldError, NewIncident};
use crate::rules::Engine;
use crate::store::IncidentRecord;
use chrono::{DateTime, Utc};

/// What a report must satisfy beyond its own shape, against the district's
/// rules and the clock: no event in the future, every event one the rules
/// know and none before discovery, and none dated before every rule of the
/// pack took effect (a typo'd year such as 1026) unless `historical`.
pub fn check(
    engine: &Engine,
    new: &NewIncident,
    now: DateTime<Utc>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let field_of = |kind: &ClockEvent| match kind.as_str() {
        ClockEvent::DISCOVERED => "discovered_at".to_owned(),
        ClockEvent::BOARD_NOTIFIED => "board_notified_at".to_owned(),
        other => format!("events.{other}"),
    };
    let mut reported = vec![(ClockEvent::discovered(), new.discovered_at)];
    reported.extend(
        new.board_notified_at
            .map(|at| (ClockEvent::board_notified(), at)),
    );
    reported.extend(new.events.iter().map(|(kind, at)| (kind.clone(), *at)));
    for (kind, at) in &reported {
        let field = field_of(kind);
        if at.utc() > now + FUTURE_TOLERANCE {
            errors.push(FieldError::new(&field, "must not be in the future"));
        }
        if let Some(reason) = unknown_event(engine, kind) {
            errors.push(FieldError::new(&field, reason));
        }
    }
    // `board_notified_at` is checked against discovery with the body's shape.
    for (kind, at) in &new.events {
        if at.utc() < new.discovered_at.utc() {
            errors.push(FieldError::new(
                field_of(kind),
                "must not be before discovered_at",
            ));
        }
    }
    if !new.historical {
        if let Some(earliest) = engine.earliest_effective_date() {
            let zone = engine.zone;
            for (kind, at) in &reported {
                if at.utc().with_timezone(&zone).date_naive() < earliest {
                    errors.push(FieldError::new(
                        field_of(kind),
                        format!(
                            "is before any rule of the {} pack takes effect ({earliest}): a mistyped year? \
                             To record an older breach, say \"historical\": true",
                            engine.pack.jurisdiction
                        ),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// No event is before the discovery it follows from.
pub(super) fn event_order(incident: &IncidentRecord) -> Result<(), Vec<FieldError>> {
    let discovered = incident
        .events
        .iter()
        .find(|e| e.kind.as_str() == ClockEvent::DISCOVERED)
        .map(|e| e.at);
    let Some(discovered) = discovered else {
        return Ok(());
    };
    let early: Vec<FieldError> = incident
        .events
        .iter()
        .filter(|e| e.at < discovered)
        .map(|e| {
            FieldError::new(
                "at",
                format!("{} would be before the discovered event", e.kind),
            )
        })
        .collect();
    if early.is_empty() {
        Ok(())
    } else {
        Err(early)
    }
}

/// Why `kind` cannot be recorded for the district, if it cannot: it is no
/// event of its rule pack.
pub(super) fn unknown_event(engine: &Engine, kind: &ClockEvent) -> Option<String> {
    let known = engine.events();
    if known.contains(kind) {
        return None;
    }
    let names: Vec<String> = known.iter().map(ToString::to_string).collect();
    Some(format!(
        "{kind} is not an event of the {} rules ({})",
        engine.pack.jurisdiction,
        names.join(", ")
    ))
}
