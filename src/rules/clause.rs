//! The parts of a rule that say how the law words its deadline, beyond "N
//! units after an event": what kind of deadline it is, the thresholds and
//! data a rule needs before it applies, and the clauses that move a deadline
//! (a law-enforcement delay, a weekend roll, an extension by filing). Each
//! clause carries its own citation and `verified` flag, because a rule's day
//! count may be certain while its delay clause is not.

use super::within::Within;
use crate::domain::{ClockEvent, InfoCategory};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of deadline a rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// `within` after the clock event ("not later than sixty days after").
    #[default]
    Fixed,
    /// Tied to another duty (`relative_to`): "not later than the time notice
    /// is provided to the residents", or "N days after" that notice.
    Relative,
    /// No fixed time ("as soon as practicable", "without unreasonable
    /// delay"): no due time, and `within`, if given, is an outer bound.
    AsSoonAsPracticable,
    /// A recurring update (105 ILCS 85/27(a)(5)): `within` after the next of
    /// `period_starts`.
    Periodic,
}

impl DueKind {
    pub const ALL: [DueKind; 4] = [
        DueKind::Fixed,
        DueKind::Relative,
        DueKind::AsSoonAsPracticable,
        DueKind::Periodic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Fixed => "fixed",
            DueKind::Relative => "relative",
            DueKind::AsSoonAsPracticable => "as_soon_as_practicable",
            DueKind::Periodic => "periodic",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// How a `relative` rule is tied to the other duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Due no later than the other duty: the earlier of its due time and the
    /// moment it is completed.
    NoLaterThan,
    /// Due `within` after the other duty is completed; the rule's clock is the
    /// other kind's completing event.
    After,
}

/// How a statute words a count threshold: "500 or more" is not "more than 500".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// `>=`: "at least", "or more".
    AtLeast,
    /// `>`: "more than".
    MoreThan,
}

impl Comparison {
    pub fn holds(self, value: u128, bound: u128) -> bool {
        match self {
            Comparison::AtLeast => value >= bound,
            Comparison::MoreThan => value > bound,
        }
    }
}

/// A number of affected residents the breach must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountThreshold {
    pub count: u64,
    pub comparison: Comparison,
}

impl CountThreshold {
    pub fn met(self, affected: u64) -> bool {
        self.comparison
            .holds(u128::from(affected), u128::from(self.count))
    }
}

/// A share of enrollment the affected students must reach (105 ILCS
/// 85/27(a)(5): a breach of fewer than 10% of students may be omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareThreshold {
    pub percent: u32,
    pub comparison: Comparison,
}

impl ShareThreshold {
    /// Compared in whole numbers: `affected / enrollment` against `percent / 100`.
    pub fn met(self, affected: u64, enrollment: u64) -> bool {
        self.comparison.holds(
            u128::from(affected) * 100,
            u128::from(self.percent) * u128::from(enrollment),
        )
    }
}

/// The statute's definition of "personal information": a name together with
/// one of `with_name`, or one of `alone` by itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalInformation {
    pub with_name: Vec<InfoCategory>,
    #[serde(default)]
    pub alone: Vec<InfoCategory>,
}

impl PersonalInformation {
    /// Whether the exposed categories meet the definition. An element the
    /// taxonomy does not know (`Unknown`) may be a name or any element, so it
    /// meets it: the strict reading.
    pub fn met(&self, categories: &BTreeSet<InfoCategory>) -> bool {
        let has = |category: &InfoCategory| categories.contains(category);
        has(&InfoCategory::Unknown)
            || self.alone.iter().any(has)
            || (has(&InfoCategory::Name) && self.with_name.iter().any(has))
    }
}

/// The three shapes law-enforcement delay clauses take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayShape {
    /// Notice is withheld while law enforcement objects, then due "promptly"
    /// (no fixed time) after the delay ends.
    PauseThenPromptly,
    /// A new deadline `tail` after the delay ends (8 NYCRR 121.10(e): seven
    /// calendar days; 10 M.R.S. § 1348(3): seven business days).
    FixedTail,
    /// The clock stops for the length of the delay (IC 4-13.1-2-9).
    Suspension,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayClause {
    pub shape: DelayShape,
    /// For `fixed_tail`: how long after the delay ends.
    pub tail: Option<Within>,
    /// Only a written request holds the clock (105 ILCS 85/27(d)).
    #[serde(default)]
    pub written_required: bool,
    pub citation: String,
    pub verified: Option<bool>,
    pub note: Option<String>,
}

/// A calendar-day deadline that ends on a Saturday, Sunday or holiday may be
/// met on the next business day (N.Y. Gen. Constr. Law § 25-a). The strict
/// date stays the deadline; the rolled one is shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollClause {
    pub citation: String,
    pub verified: Option<bool>,
    pub note: Option<String>,
}

/// A deadline that a filing extends (Fla. Stat. § 501.171(4): 15 more days
/// on written good cause given within the 30; La. R.S. 51:3074(E): "a
/// reasonable extension", no fixed length).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionClause {
    /// The event that records the filing.
    pub event: ClockEvent,
    /// How much longer, counted from the deadline; `None` when the statute
    /// sets no length.
    pub within: Option<Within>,
    pub citation: String,
    pub verified: Option<bool>,
    pub note: Option<String>,
}

/// A "MM-DD" day of the year on which a period begins (July 1, January 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
    }
}

impl TryFrom<String> for MonthDay {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
            // 2023 is not a leap year: February 29 would start no period most years.
            .filter(|&(month, day)| NaiveDate::from_ymd_opt(2023, month, day).is_some())
            .map(|(month, day)| MonthDay { month, day })
            .ok_or_else(|| format!("{text:?} is not a day of the year \"MM-DD\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_days() {
        assert_eq!(
            MonthDay::try_from("07-01".to_owned()),
            Ok(MonthDay { month: 7, day: 1 })
        );
        for bad in ["7/1", "13-01", "02-29", "", "01"] {
            assert!(MonthDay::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }
}
