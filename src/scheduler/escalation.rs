//! Escalation: when each open obligation's reminders go out and whom they
//! reach. Pure planning, no I/O.
//!
//! The policy is a list of steps, each at a point of the obligation's window
//! (`opened`, a fraction such as `50%`, a lead time before the due time such
//! as `-24h`, or `due`) naming contact roles, plus a repeat interval once
//! overdue. Recipients accumulate in time order: a step reaches everyone of
//! the steps before it. Steps already in the past when planning happens
//! (an incident filed late, or a daemon that was down) are not all sent: only
//! the latest one goes out, once, marked late; the earlier ones are recorded
//! as skipped.

use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::str::FromStr;

pub use crate::store::LATE_AFTER;

/// Where in an obligation's window a step falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAt {
    Opened,
    /// Percent of the window elapsed, 1..=100.
    Percent(u8),
    /// This long before the due time.
    Lead(Duration),
    Due,
}

impl FromStr for StepAt {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        match text {
            "opened" => return Ok(StepAt::Opened),
            "due" => return Ok(StepAt::Due),
            _ => {}
        }
        if let Some(percent) = text.strip_suffix('%') {
            return match percent.trim().parse::<u8>() {
                Ok(p) if (1..=100).contains(&p) => Ok(StepAt::Percent(p)),
                _ => Err(format!("{text:?}: a percentage must be 1% to 100%")),
            };
        }
        if let Some(lead) = text.strip_prefix('-') {
            let duration = crate::duration::parse_std_duration(lead)?;
            return Duration::from_std(duration)
                .map(StepAt::Lead)
                .map_err(|_| format!("{text:?} is too long"));
        }
        Err(format!(
            "{text:?} is not a step: use \"opened\", a percentage such as \"50%\", a lead time such as \"-24h\", or \"due\""
        ))
    }
}

impl fmt::Display for StepAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepAt::Opened => f.write_str("opened"),
            StepAt::Percent(p) => write!(f, "{p}%"),
            StepAt::Lead(d) if d.num_seconds() % 3600 == 0 => write!(f, "-{}h", d.num_hours()),
            StepAt::Lead(d) => write!(f, "-{}m", d.num_minutes()),
            StepAt::Due => f.write_str("due"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: StepAt,
    /// Contact roles this step adds.
    pub notify: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub steps: Vec<Step>,
    /// Roles added by the overdue repeats (on top of every step's).
    pub overdue_notify: Vec<String>,
    pub repeat_overdue: Duration,
    /// How often a duty with no fixed time ("as soon as practicable") is
    /// reminded while it is open; zero: never.
    pub asap_every: Duration,
}

impl Policy {
    /// The documented default (docs/configuration.md): opened → privacy officer; 50% → + director of
    /// technology; 75% → + superintendent; due and every 24 h overdue → + board.
    pub fn contract_default() -> Self {
        let step = |at, role: &str| Step {
            at,
            notify: vec![role.to_owned()],
        };
        Policy {
            steps: vec![
                step(StepAt::Opened, "privacy_officer"),
                step(StepAt::Percent(50), "director_of_technology"),
                step(StepAt::Percent(75), "superintendent"),
                step(StepAt::Due, "board"),
            ],
            overdue_notify: Vec::new(),
            repeat_overdue: Duration::hours(24),
            asap_every: Duration::hours(24),
        }
    }
}

/// What to do with one planned reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedState {
    /// To be sent at `at` (or now, when `at` has passed).
    Scheduled,
    /// Passed over: a later step was already due.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedReminder {
    /// "opened", "50%", "-24h", "due" or "overdue-3".
    pub label: String,
    /// Orders steps in time; overdue repeats come after every step.
    pub order: i64,
    pub at: DateTime<Utc>,
    /// Everyone this reminder reaches (accumulated roles, in order).
    pub roles: Vec<String>,
    pub state: PlannedState,
    /// Sent after its instant had passed.
    pub late: bool,
}

const REPEAT_ORDER_BASE: i64 = 1_000;

impl PlannedReminder {
    pub fn is_repeat(&self) -> bool {
        self.order >= REPEAT_ORDER_BASE
    }
}

fn accumulate(into: &mut Vec<String>, roles: &[String]) {
    for role in roles {
        if !into.contains(role) {
            into.push(role.clone());
        }
    }
}

/// The instant of `at` in the window `start..due`.
pub fn instant(at: StepAt, start: DateTime<Utc>, due: DateTime<Utc>) -> DateTime<Utc> {
    let window = (due - start).max(Duration::zero());
    match at {
        StepAt::Opened => start,
        StepAt::Percent(p) => {
            start + Duration::milliseconds(window.num_milliseconds() * i64::from(p) / 100)
        }
        // A lead time longer than the window falls at the opening.
        StepAt::Lead(lead) => (due - lead).max(start),
        StepAt::Due => due,
    }
}

/// The reminders of one obligation whose window is `start..due`, as seen at
/// `now`: every step (past ones skipped but the latest), plus the overdue
/// repeats (the latest one that has passed, and the next one).
pub fn plan(
    policy: &Policy,
    start: DateTime<Utc>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<PlannedReminder> {
    let mut steps: Vec<(DateTime<Utc>, usize, &Step)> = policy
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| (instant(step.at, start, due), index, step))
        .collect();
    steps.sort_by_key(|&(at, index, _)| (at, index));

    let mut roles: Vec<String> = Vec::new();
    let mut planned: Vec<PlannedReminder> = Vec::new();
    for (order, (at, _, step)) in steps.iter().enumerate() {
        accumulate(&mut roles, &step.notify);
        planned.push(PlannedReminder {
            label: step.at.to_string(),
            order: order as i64,
            at: *at,
            roles: roles.clone(),
            state: PlannedState::Scheduled,
            late: false,
        });
    }
    let mut overdue_roles = roles;
    accumulate(&mut overdue_roles, &policy.overdue_notify);
    if policy.repeat_overdue > Duration::zero() {
        let interval_ms = policy.repeat_overdue.num_milliseconds();
        // Repeats k = 1, 2, ... fall at due + k × interval. Only the latest
        // that has passed (it may be sent) and the next are planned; later
        // ones are planned as each one fires.
        let passed = if now > due {
            (now - due).num_milliseconds() / interval_ms
        } else {
            0
        };
        for k in [passed, passed + 1].into_iter().filter(|&k| k >= 1) {
            planned.push(repeat(k, due, policy.repeat_overdue, &overdue_roles));
        }
    }

    // Of the reminders whose instant has passed, only the latest is sent.
    let latest_past = planned.iter().rposition(|r| r.at <= now);
    for (index, reminder) in planned.iter_mut().enumerate() {
        match latest_past {
            Some(latest) if index < latest => reminder.state = PlannedState::Skipped,
            Some(latest) if index == latest => reminder.late = now - reminder.at > LATE_AFTER,
            _ => {}
        }
    }
    planned
}

/// The k-th overdue repeat.
pub fn repeat(k: i64, due: DateTime<Utc>, interval: Duration, roles: &[String]) -> PlannedReminder {
    PlannedReminder {
        label: format!("overdue-{k}"),
        order: REPEAT_ORDER_BASE + k,
        at: due + Duration::milliseconds(interval.num_milliseconds() * k),
        roles: roles.to_vec(),
        state: PlannedState::Scheduled,
        late: false,
    }
}

/// The first repeat that falls after `now`.
pub fn next_repeat(
    policy: &Policy,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    roles: &[String],
) -> Option<PlannedReminder> {
    if policy.repeat_overdue <= Duration::zero() {
        return None;
    }
    let interval_ms = policy.repeat_overdue.num_milliseconds();
    let k = if now >= due {
        (now - due).num_milliseconds() / interval_ms + 1
    } else {
        1
    };
    Some(repeat(k, due, policy.repeat_overdue, roles))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hours: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-04-20T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::hours(hours)
    }

    fn summary(plan: &[PlannedReminder]) -> Vec<(String, PlannedState, bool, usize)> {
        plan.iter()
            .map(|r| (r.label.clone(), r.state, r.late, r.roles.len()))
            .collect()
    }

    #[test]
    fn parses_steps() {
        assert_eq!("opened".parse(), Ok(StepAt::Opened));
        assert_eq!("50%".parse(), Ok(StepAt::Percent(50)));
        assert_eq!("-24h".parse(), Ok(StepAt::Lead(Duration::hours(24))));
        assert_eq!("due".parse(), Ok(StepAt::Due));
        for bad in ["0%", "101%", "24h", "-", "later"] {
            assert!(bad.parse::<StepAt>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_fresh_48h_window_plans_every_step_and_the_first_repeat() {
        use PlannedState::*;
        let plan = plan(&Policy::contract_default(), t(0), t(48), t(0));
        let at: Vec<DateTime<Utc>> = plan.iter().map(|r| r.at).collect();
        assert_eq!(at, [t(0), t(24), t(36), t(48), t(72)]);
        assert_eq!(
            summary(&plan),
            [
                ("opened".into(), Scheduled, false, 1),
                ("50%".into(), Scheduled, false, 2),
                ("75%".into(), Scheduled, false, 3),
                ("due".into(), Scheduled, false, 4),
                ("overdue-1".into(), Scheduled, false, 4),
            ]
        );
    }

    #[test]
    fn filed_40h_into_48h_sends_only_the_75_percent_step_late() {
        use PlannedState::*;
        let plan = plan(&Policy::contract_default(), t(0), t(48), t(40));
        assert_eq!(
            summary(&plan),
            [
                ("opened".into(), Skipped, false, 1),
                ("50%".into(), Skipped, false, 2),
                ("75%".into(), Scheduled, true, 3),
                ("due".into(), Scheduled, false, 4),
                ("overdue-1".into(), Scheduled, false, 4),
            ]
        );
    }

    #[test]
    fn long_overdue_sends_one_reminder_reaching_the_board() {
        use PlannedState::*;
        // Due at 48h, now 5 days later: repeats 1..=5 passed.
        let plan = plan(&Policy::contract_default(), t(0), t(48), t(48 + 24 * 5 + 3));
        assert_eq!(
            summary(&plan),
            [
                ("opened".into(), Skipped, false, 1),
                ("50%".into(), Skipped, false, 2),
                ("75%".into(), Skipped, false, 3),
                ("due".into(), Skipped, false, 4),
                ("overdue-5".into(), Scheduled, true, 4),
                ("overdue-6".into(), Scheduled, false, 4),
            ]
        );
        assert!(plan[4].roles.contains(&"board".to_owned()));
    }

    #[test]
    fn lead_times_sort_into_time_order() {
        let policy = Policy {
            steps: vec![
                Step {
                    at: StepAt::Lead(Duration::hours(24)),
                    notify: vec!["b".into()],
                },
                Step {
                    at: StepAt::Opened,
                    notify: vec!["a".into()],
                },
            ],
            overdue_notify: vec!["c".into()],
            repeat_overdue: Duration::zero(),
            asap_every: Duration::zero(),
        };
        let plan = plan(&policy, t(0), t(30 * 24), t(0));
        assert_eq!(plan[0].label, "opened");
        assert_eq!(plan[1].label, "-24h");
        assert_eq!(plan[1].at, t(29 * 24));
        assert_eq!(plan[1].roles, ["a", "b"]);
        assert_eq!(plan.len(), 2, "no repeats when the interval is zero");
    }

    #[test]
    fn next_repeat_after_a_long_outage() {
        let policy = Policy::contract_default();
        let next = next_repeat(&policy, t(48), t(48 + 24 * 3 + 1), &[]).unwrap();
        assert_eq!(
            (next.label.as_str(), next.at),
            ("overdue-4", t(48 + 24 * 4))
        );
    }
}
