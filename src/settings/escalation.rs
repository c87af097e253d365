//! `[escalation]`: the reminder steps of every open obligation and the
//! repeats once it is overdue.

use super::contacts::{known_roles, Contacts};
use super::raw::{OneOrMany, RawEscalation};
use super::Problems;
use crate::duration::parse_std_duration;
use crate::scheduler::escalation::{Policy, Step, StepAt};

pub(crate) fn parse(
    raw: RawEscalation,
    contacts: &Contacts,
    problems: &mut Problems,
) -> Option<Policy> {
    let mut steps = Vec::new();
    for (i, step) in raw.steps.into_iter().enumerate() {
        let key = format!("escalation.steps[{i}]");
        let at = match step.at {
            Some(text) => problems.parse(&format!("{key}.at"), text.parse::<StepAt>()),
            None => {
                problems.push(&format!("{key}.at"), "is required".into());
                None
            }
        };
        let notify = known_roles(
            &format!("{key}.notify"),
            step.notify.map(OneOrMany::into_vec).unwrap_or_default(),
            contacts,
            problems,
        );
        if let Some(at) = at {
            steps.push(Step { at, notify });
        }
    }
    // "0s" means never; parse_std_duration refuses zero, so it is matched first.
    let repeat_overdue = match raw.repeat_overdue.trim() {
        "0" | "0s" | "" => Some(chrono::Duration::zero()),
        text => problems
            .parse("escalation.repeat_overdue", parse_std_duration(text))
            .and_then(|d| chrono::Duration::from_std(d).ok()),
    };
    let asap_every = match raw.asap_every.trim() {
        "0" | "0s" => Some(chrono::Duration::zero()),
        text => problems
            .parse("escalation.asap_every", parse_std_duration(text))
            .and_then(|d| chrono::Duration::from_std(d).ok()),
    };
    let overdue_notify = known_roles(
        "escalation.overdue_notify",
        raw.overdue_notify.into_vec(),
        contacts,
        problems,
    );
    Some(Policy {
        steps,
        overdue_notify,
        repeat_overdue: repeat_overdue?,
        asap_every: asap_every?,
    })
}
