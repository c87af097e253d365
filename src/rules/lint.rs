//! Pack lint: what a pack that parses may still get wrong about the law.
//! Every rule must name its citation and source, say from when it applies
//! and whether it was verified (and, if not, why, in its note); its kind and
//! clock must be known; and two rules of one kind must not both cover the
//! same data on the same day, which would make the deadline depend on the
//! order of the file rather than on the law.

use super::clause::{DueKind, Relation};
use super::pack::{BreachAtCondition, Rule, RulePack};
use crate::domain::{ClockEvent, DataClass};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::fmt;

/// What is wrong with one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    MissingCitation,
    /// The source URL is missing or not `https://`.
    MissingSource,
    MissingDescription,
    MissingEffectiveFrom,
    MissingVerified,
    /// `verified = false` with no note saying what is unverified.
    UnverifiedWithoutNote,
    UnknownKind(String),
    UnknownClock(ClockEvent),
    /// A clause (delay, roll, extension) that does not name its citation.
    ClauseWithoutCitation(&'static str),
    /// Covers the same kind, data and day as another rule.
    Overlaps(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintProblem {
    pub rule: String,
    pub problem: Problem,
}

impl fmt::Display for LintProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {:?}: ", self.rule)?;
        match &self.problem {
            Problem::MissingCitation => f.write_str("names no citation"),
            Problem::MissingSource => f.write_str("needs an https:// source_url"),
            Problem::MissingDescription => f.write_str("has no description"),
            Problem::MissingEffectiveFrom => f.write_str("has no effective_from"),
            Problem::MissingVerified => f.write_str("does not say verified = true or false"),
            Problem::UnverifiedWithoutNote => {
                f.write_str("is not verified and has no note saying what to confirm")
            }
            Problem::UnknownKind(kind) => write!(f, "names unknown kind {kind:?}"),
            Problem::UnknownClock(clock) => write!(
                f,
                "runs from {clock}, which is neither a standard event nor any kind's completion"
            ),
            Problem::ClauseWithoutCitation(clause) => {
                write!(f, "its {clause} clause names no citation")
            }
            Problem::Overlaps(other) => {
                write!(f, "covers the same kind, data and days as rule {other:?}")
            }
        }
    }
}

/// Every problem of `pack`, in rule order; empty for a clean pack.
pub fn lint(pack: &RulePack) -> Vec<LintProblem> {
    let kinds: BTreeSet<&str> = pack.kinds.iter().map(|kind| kind.id.as_str()).collect();
    let completions: BTreeSet<&ClockEvent> = pack
        .kinds
        .iter()
        .filter_map(|kind| kind.completed_by.as_ref())
        .collect();
    let mut problems = Vec::new();
    for (index, rule) in pack.rules.iter().enumerate() {
        let mut found = |problem| {
            problems.push(LintProblem {
                rule: rule.id.clone(),
                problem,
            })
        };
        if rule.citation.trim().is_empty() {
            found(Problem::MissingCitation);
        }
        if !rule.source_url.starts_with("https://") {
            found(Problem::MissingSource);
        }
        if rule.description.trim().is_empty() {
            found(Problem::MissingDescription);
        }
        if rule.effective_from.is_none() {
            found(Problem::MissingEffectiveFrom);
        }
        match (rule.verified, &rule.note) {
            (None, _) => found(Problem::MissingVerified),
            (Some(false), note) if note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
                found(Problem::UnverifiedWithoutNote)
            }
            _ => {}
        }
        for kind in [
            Some(&rule.kind),
            rule.relative_to.as_ref(),
            rule.after.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if !kinds.contains(kind.as_str()) {
                found(Problem::UnknownKind(kind.clone()));
            }
        }
        if !rule.clock.is_standard() && !completions.contains(&rule.clock) {
            found(Problem::UnknownClock(rule.clock.clone()));
        }
        let clauses = [
            ("delay", rule.delay.as_ref().map(|c| &c.citation)),
            ("roll", rule.roll.as_ref().map(|c| &c.citation)),
            ("extension", rule.extension.as_ref().map(|c| &c.citation)),
        ];
        for (name, citation) in clauses {
            if citation.is_some_and(|c| c.trim().is_empty()) {
                found(Problem::ClauseWithoutCitation(name));
            }
        }
        for other in &pack.rules[..index] {
            if overlap(other, rule) {
                found(Problem::Overlaps(other.id.clone()));
            }
        }
    }
    problems
}

/// Whether two rules could both set the same kind's deadline for the same
/// incident on the same day. Rules told apart by a threshold, by the
/// personal-information definition or by their shape are not: those decide
/// which applies, and a pack that means both should say so in separate kinds
/// or mark the second source `overlay = true` (another statute for the same
/// duty, where the earliest deadline wins).
fn overlap(a: &Rule, b: &Rule) -> bool {
    if a.overlay || b.overlay {
        return false;
    }
    let classes = |rule: &Rule| -> BTreeSet<DataClass> {
        if rule.classes.is_empty() {
            DataClass::ALL.into()
        } else {
            rule.classes.iter().copied().collect()
        }
    };
    let breach = !matches!(
        (a.breach_at, b.breach_at),
        (BreachAtCondition::Contractor, BreachAtCondition::District)
            | (BreachAtCondition::District, BreachAtCondition::Contractor)
    );
    let tied = |rule: &Rule| {
        rule.due_kind == DueKind::Relative && rule.relation == Some(Relation::NoLaterThan)
    };
    let from = |rule: &Rule| rule.effective_from.unwrap_or(NaiveDate::MIN);
    let until = |rule: &Rule| rule.effective_until.unwrap_or(NaiveDate::MAX);
    a.kind == b.kind
        && a.scope == b.scope
        && breach
        && tied(a) == tied(b)
        && !classes(a).is_disjoint(&classes(b))
        && from(a) <= until(b)
        && from(b) <= until(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = r#"
        jurisdiction = "X"
        name = "x"
        [[kind]]
        id = "k"
        title = "t"
        party = "district"
        recipient = "r"
        completed_by = "k_done"
        [[rule]]
        id = "first"
        kind = "k"
        clock = "discovered"
        within = "30d"
        effective_from = "2020-01-01"
        effective_until = "2022-12-31"
        citation = "Stat. § 1"
        source_url = "https://example.org"
        description = "d"
        verified = true
    "#;

    fn problems(extra: &str) -> Vec<LintProblem> {
        lint(&RulePack::parse(&format!("{PACK}{extra}")).unwrap())
    }

    #[test]
    fn a_clean_pack_has_no_problems() {
        assert_eq!(problems(""), []);
    }

    #[test]
    fn each_problem_names_the_rule() {
        // (extra rule, expected problem of rule "second", why)
        let base = r#"
        [[rule]]
        id = "second"
        kind = "k"
        within = "60d"
        description = "d"
        source_url = "https://example.org"
        "#;
        let cases = [
            (
                r#"clock = "discovered"
                effective_from = "2023-01-01"
                citation = ""
                verified = true"#,
                Problem::MissingCitation,
                "no citation",
            ),
            (
                r#"clock = "discovered"
                effective_from = "2022-12-31"
                citation = "Stat. § 2"
                verified = true"#,
                Problem::Overlaps("first".into()),
                "starts on the day the first ends: both in effect on 2022-12-31",
            ),
            (
                r#"clock = "discovered"
                effective_from = "2023-01-01"
                citation = "Stat. § 2"
                verified = false"#,
                Problem::UnverifiedWithoutNote,
                "unverified, no note",
            ),
            (
                r#"clock = "discoverd"
                effective_from = "2023-01-01"
                citation = "Stat. § 2"
                verified = true"#,
                Problem::UnknownClock(ClockEvent::parse("discoverd").unwrap()),
                "a typo'd clock",
            ),
            (
                r#"clock = "discovered"
                citation = "Stat. § 2"
                verified = true"#,
                Problem::MissingEffectiveFrom,
                "no start; and no start overlaps the first rule",
            ),
        ];
        for (fields, expected, why) in cases {
            let found = problems(&format!("{base}{fields}"));
            assert!(
                found.contains(&LintProblem {
                    rule: "second".into(),
                    problem: expected.clone()
                }),
                "{why}: {found:?}"
            );
            assert!(found.iter().all(|p| p.rule == "second"), "{why}: {found:?}");
        }
    }

    #[test]
    fn consecutive_ranges_do_not_overlap_but_any_breach_meets_a_contractor_one() {
        let extra = r#"
        [[rule]]
        id = "later"
        kind = "k"
        clock = "discovered"
        within = "60d"
        effective_from = "2023-01-01"
        citation = "Stat. § 2"
        source_url = "https://example.org"
        description = "d"
        verified = true
        [[rule]]
        id = "contractor-only"
        kind = "k"
        breach_at = "contractor"
        clock = "k_done"
        within = "5d"
        effective_from = "2023-01-01"
        citation = "Stat. § 3"
        source_url = "https://example.org"
        description = "d"
        verified = true
        "#;
        let found = problems(extra);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule, "contractor-only");
        assert_eq!(found[0].problem, Problem::Overlaps("later".into()));
    }

    /// Utah's report to the education agency has two sources, R277-487-3(3)
    /// and Utah Code § 53G-8-903(2)(a): marked as an overlay, the second is
    /// not an overlap.
    #[test]
    fn an_overlay_of_another_statute_is_not_an_overlap() {
        let second = |overlay: &str| {
            format!(
                r#"
        [[rule]]
        id = "second-source"
        kind = "k"
        clock = "discovered"
        within = "24h"
        effective_from = "2021-01-01"
        citation = "Other Stat. § 9"
        source_url = "https://example.org"
        description = "d"
        verified = true
        {overlay}
        "#
            )
        };
        assert_eq!(problems(&second("overlay = true")), []);
        assert_eq!(
            problems(&second(""))[0].problem,
            Problem::Overlaps("first".into())
        );
    }
}
