//! One `[[district.policy]]` or `[[district.contract]]` entry: a district's
//! own deadline, checked against the kinds and events of its rule pack.

use super::raw::RawOverlay;
use super::values::parse_date;
use super::Problems;
use crate::domain::ClockEvent;
use crate::rules::engine::contractor_key;
use crate::rules::{Overlay, RulePack, Within};

/// `pack` is `None` when the jurisdiction has no pack (already a problem):
/// the entry's own fields are still checked.
pub(crate) fn parse(
    key: &str,
    raw: RawOverlay,
    is_contract: bool,
    pack: Option<&RulePack>,
    problems: &mut Problems,
) -> Option<Overlay> {
    let required = |value: Option<String>, field: &str, problems: &mut Problems| {
        let value = value.filter(|text| !text.trim().is_empty());
        if value.is_none() {
            problems.push(&format!("{key}.{field}"), "is required".into());
        }
        value
    };
    let kind = required(raw.kind, "kind", problems);
    if let (Some(kind), Some(pack)) = (&kind, pack) {
        if pack.kind(kind).is_none() {
            let known: Vec<&str> = pack.kinds.iter().map(|k| k.id.as_str()).collect();
            problems.push(
                &format!("{key}.kind"),
                format!(
                    "{kind:?} is not a kind of the {} pack ({})",
                    pack.jurisdiction,
                    known.join(", ")
                ),
            );
        }
    }
    let within = required(raw.within, "within", problems)
        .and_then(|text| problems.parse(&format!("{key}.within"), text.parse::<Within>()));
    let clock = required(raw.clock, "clock", problems)
        .and_then(|text| problems.parse(&format!("{key}.clock"), ClockEvent::parse(&text)));
    if let (Some(clock), Some(pack)) = (&clock, pack) {
        if !pack.events().contains(clock) {
            let known: Vec<String> = pack.events().iter().map(ToString::to_string).collect();
            problems.push(
                &format!("{key}.clock"),
                format!(
                    "{clock} is not an event of the {} pack ({})",
                    pack.jurisdiction,
                    known.join(", ")
                ),
            );
        }
    }
    let citation = required(raw.citation, "citation", problems);
    let contractor = if is_contract {
        required(raw.contractor, "contractor", problems).map(|name| contractor_key(&name))
    } else {
        if raw.contractor.is_some() {
            problems.push(
                &format!("{key}.contractor"),
                "belongs in a [[district.contract]] clause, not a policy".into(),
            );
        }
        None
    };
    let mut date = |field: &str, value: Option<String>| {
        value.and_then(|text| problems.parse(&format!("{key}.{field}"), parse_date(&text)))
    };
    let effective_from = date("effective_from", raw.effective_from);
    let effective_until = date("effective_until", raw.effective_until);
    let (kind, within, clock, citation) = (kind?, within?, clock?, citation?);
    let id = match &contractor {
        Some(contractor) => format!("contract/{contractor}/{kind}/{within}"),
        None => format!("district-policy/{kind}/{within}"),
    };
    Some(Overlay {
        id,
        kind,
        within,
        clock,
        citation,
        contractor,
        effective_from,
        effective_until,
    })
}
