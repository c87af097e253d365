//! Rule packs: one TOML file per jurisdiction holding its obligation kinds,
//! its rules (each with citation, source and effective dates) and its legal
//! holidays. The packs under `config/rules/` are embedded in the binary; an
//! operator may point `rules.dir` at a folder of replacements.

use super::calendar::{Holiday, HolidayDate, Observance};
use super::clause::{
    CountThreshold, DelayClause, DelayShape, DueKind, ExtensionClause, MonthDay,
    PersonalInformation, Relation, RollClause, ShareThreshold,
};
use super::within::Within;
use crate::domain::{BreachAt, ClockEvent, DataClass, Party};
use chrono::{NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The kind that `website_posting = true` rules also produce.
pub const WEBSITE_KIND: &str = "board_posts_website_notice";

/// The duties breachd carries out itself, so that its own work completes
/// them: a kind is one of these when the event that fulfils it is the one
/// breachd records on finishing that work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnWork {
    /// Every family emailed (`families_notified`).
    FamilyNotice,
    /// The website notice published (`website_posted`).
    WebsitePosting,
    /// A contract's notice published in the website's contracts section
    /// (`contract_notice_posted`).
    ContractNoticePosting,
    /// Every guardian on a contract's roster emailed its notice
    /// (`contract_families_notified`).
    ContractFamilyNotice,
}

impl OwnWork {
    /// The event whose recording completes a kind of this work.
    pub fn event(self) -> &'static str {
        match self {
            OwnWork::FamilyNotice => "families_notified",
            OwnWork::WebsitePosting => "website_posted",
            OwnWork::ContractNoticePosting => "contract_notice_posted",
            OwnWork::ContractFamilyNotice => "contract_families_notified",
        }
    }
}

// `EMBEDDED`: every `config/rules/*.toml`, as (file name, text), listed by
// build.rs so that a new pack ships by adding its file.
include!(concat!(env!("OUT_DIR"), "/embedded_packs.rs"));

/// Which breaches a kind or rule concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BreachAtCondition {
    #[default]
    Any,
    /// Breaches at a contractor (vendor).
    Contractor,
    /// Breaches of the district's own systems.
    District,
}

impl BreachAtCondition {
    pub fn holds(self, breach: BreachAt) -> bool {
        matches!(
            (self, breach),
            (BreachAtCondition::Any, _)
                | (_, BreachAt::Unknown)
                | (BreachAtCondition::Contractor, BreachAt::Contractor)
                | (BreachAtCondition::District, BreachAt::District)
        )
    }
}

/// What a rule's clock runs against: an incident, (tracked later) a
/// contract, or a family's privacy request (its clock is `received`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Incident,
    Contract,
    Request,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub id: String,
    pub title: String,
    pub party: Party,
    /// Who is to be told, in words ("the board of education").
    pub recipient: String,
    /// The event that fulfils the obligation when recorded.
    pub completed_by: Option<ClockEvent>,
    #[serde(default)]
    pub breach_at: BreachAtCondition,
    #[serde(default)]
    pub scope: Scope,
    /// A contract-scope duty that only some contracts bring (a contract
    /// missing a required provision must be amended).
    pub when: Option<ContractCondition>,
}

/// When a contract-scope kind applies; absent, to every contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractCondition {
    /// The contract lacks one of the pack's `[contract_provisions]`.
    ProvisionsMissing,
}

/// The provisions every student-data contract must include (Conn. Gen.
/// Stat. § 10-234bb(a): eleven), as a checklist the contract's filing
/// answers item by item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionList {
    pub citation: String,
    pub source_url: String,
    pub verified: bool,
    /// What was and was not read, where `verified` is false.
    pub note: Option<String>,
    #[serde(rename = "item")]
    pub items: Vec<Provision>,
}

/// One required provision: its number in the statute's list and what it
/// says, in words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provision {
    pub number: u32,
    pub text: String,
}

impl Kind {
    /// Which of breachd's own work fulfils this kind, if any.
    pub fn own_work(&self) -> Option<OwnWork> {
        let event = self.completed_by.as_ref()?.as_str();
        [
            OwnWork::FamilyNotice,
            OwnWork::WebsitePosting,
            OwnWork::ContractNoticePosting,
            OwnWork::ContractFamilyNotice,
        ]
        .into_iter()
        .find(|work| work.event() == event)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub kind: String,
    /// The data classes the rule applies to; empty means every class.
    #[serde(default)]
    pub classes: Vec<DataClass>,
    pub clock: ClockEvent,
    /// How long after the clock; for `as_soon_as_practicable` an optional
    /// outer bound, for `relative` + `no_later_than` absent.
    pub within: Option<Within>,
    #[serde(default)]
    pub due_kind: DueKind,
    /// For `relative`: the kind whose duty this one is tied to, and how.
    pub relative_to: Option<String>,
    pub relation: Option<Relation>,
    /// This duty comes after that kind's (N.J.S.A. 56:8-163(c): the State
    /// Police before customers); the plan names it while it is not done.
    pub after: Option<String>,
    /// For `periodic`: the days each period begins.
    #[serde(default)]
    pub period_starts: Vec<MonthDay>,
    /// Applies only from this many affected residents; an unknown count
    /// applies the rule (the strict reading) and the plan says so.
    pub min_affected: Option<CountThreshold>,
    /// Applies only when the affected students reach this share of enrollment.
    pub min_enrollment_share: Option<ShareThreshold>,
    /// Applies only to the statute's "personal information".
    pub personal_information: Option<PersonalInformation>,
    pub delay: Option<DelayClause>,
    pub roll: Option<RollClause>,
    pub extension: Option<ExtensionClause>,
    /// Chosen by the local date of the clock event, inclusive.
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
    pub citation: String,
    pub source_url: String,
    pub description: String,
    /// Whether the rule was checked against the statute's text (or several
    /// reputable sources agree); `None` = not stated, which lint refuses and
    /// the engine reads as unverified.
    pub verified: Option<bool>,
    /// What a reader must know: the reading taken where the law is unclear,
    /// what is unverified.
    pub note: Option<String>,
    /// The same deadline also binds the board to post a website notice.
    #[serde(default)]
    pub website_posting: bool,
    /// Another statute's source for the same duty (UT: the superintendent's
    /// 10 business days and the state board's 24 hours are one report to the
    /// education agency): both bind and the earliest wins, so lint does not
    /// call the two an overlap.
    #[serde(default)]
    pub overlay: bool,
    /// For a contract: the same deadline also bound the board to notify
    /// the affected students and parents electronically (CT until P.A.
    /// 18-125); the contract's page says so.
    #[serde(default)]
    pub family_notice: bool,
    #[serde(default)]
    pub breach_at: BreachAtCondition,
    #[serde(default)]
    pub scope: Scope,
}

impl Rule {
    pub fn effective_on(&self, date: NaiveDate) -> bool {
        self.effective_from.is_none_or(|from| date >= from)
            && self.effective_until.is_none_or(|until| date <= until)
    }

    pub fn applies_to_classes(&self, classes: &BTreeSet<DataClass>) -> bool {
        self.classes.is_empty() || self.classes.iter().any(|class| classes.contains(class))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    /// "MM-DD"
    fixed: Option<String>,
    nth_weekday: Option<RawNthWeekday>,
    last_weekday: Option<RawLastWeekday>,
    easter_offset: Option<i64>,
    weekday_on_or_after: Option<RawWeekdayOnOrAfter>,
    #[serde(default)]
    observed: Observance,
    from_year: Option<i32>,
    until_year: Option<i32>,
    #[allow(dead_code)] // documentation for readers of the pack
    citation: Option<String>,
    #[serde(default)]
    proclaimed: bool,
    #[serde(default)]
    unproclaimed_years: BTreeSet<i32>,
    #[serde(default)]
    rolled_dates_only: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNthWeekday {
    month: u32,
    weekday: String,
    n: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeekdayOnOrAfter {
    month: u32,
    day: u32,
    weekday: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLastWeekday {
    month: u32,
    weekday: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    jurisdiction: String,
    name: String,
    #[serde(default)]
    federal: bool,
    #[serde(default)]
    kind: Vec<Kind>,
    #[serde(default)]
    rule: Vec<Rule>,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
    contract_provisions: Option<ProvisionList>,
}

#[derive(Debug, Clone)]
pub struct RulePack {
    pub jurisdiction: String,
    pub name: String,
    /// Federal law (`federal = true`, e.g. US-FERPA): every district gets
    /// its kinds and rules beside its state's, whatever the state.
    pub federal: bool,
    pub kinds: Vec<Kind>,
    pub rules: Vec<Rule>,
    pub holidays: Vec<Holiday>,
    /// The provisions a student-data contract must include, where the
    /// jurisdiction has such a list.
    pub provisions: Option<ProvisionList>,
}

impl RulePack {
    /// Parses and checks a pack; the error names the file's problem.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawPack = toml::from_str(text).map_err(|error| error.to_string())?;
        let holidays = raw
            .holiday
            .into_iter()
            .map(holiday)
            .collect::<Result<Vec<_>, _>>()?;
        let pack = RulePack {
            jurisdiction: raw.jurisdiction,
            name: raw.name,
            federal: raw.federal,
            kinds: raw.kind,
            rules: raw.rule,
            holidays,
            provisions: raw.contract_provisions,
        };
        pack.check()?;
        Ok(pack)
    }

    fn check(&self) -> Result<(), String> {
        let mut kind_ids = BTreeSet::new();
        for kind in &self.kinds {
            if !kind_ids.insert(kind.id.as_str()) {
                return Err(format!("kind {:?} is defined twice", kind.id));
            }
        }
        for kind in &self.kinds {
            if kind.when.is_some() && kind.scope != Scope::Contract {
                return Err(format!(
                    "kind {:?}: when belongs to scope = \"contract\" kinds",
                    kind.id
                ));
            }
            if kind.when == Some(ContractCondition::ProvisionsMissing) && self.provisions.is_none()
            {
                return Err(format!(
                    "kind {:?} applies when provisions are missing, but the pack has no [contract_provisions]",
                    kind.id
                ));
            }
        }
        if let Some(list) = &self.provisions {
            let mut numbers = BTreeSet::new();
            if list.items.is_empty() || !list.items.iter().all(|item| numbers.insert(item.number)) {
                return Err("[contract_provisions] needs items with distinct numbers".into());
            }
        }
        let mut rule_ids = BTreeSet::new();
        for rule in &self.rules {
            if !rule_ids.insert(rule.id.as_str()) {
                return Err(format!("rule {:?} is defined twice", rule.id));
            }
            if !kind_ids.contains(rule.kind.as_str()) {
                return Err(format!(
                    "rule {:?} names unknown kind {:?}",
                    rule.id, rule.kind
                ));
            }
            if self
                .kind(&rule.kind)
                .is_some_and(|kind| kind.scope != rule.scope)
            {
                return Err(format!(
                    "rule {:?} has another scope than its kind {:?}",
                    rule.id, rule.kind
                ));
            }
            if rule.family_notice && rule.scope != Scope::Contract {
                return Err(format!(
                    "rule {:?}: family_notice belongs to scope = \"contract\" rules",
                    rule.id
                ));
            }
            if rule.website_posting && !kind_ids.contains(WEBSITE_KIND) {
                return Err(format!(
                    "rule {:?} requires a website posting but the pack defines no {WEBSITE_KIND:?} kind",
                    rule.id
                ));
            }
            if let (Some(from), Some(until)) = (rule.effective_from, rule.effective_until) {
                if until < from {
                    return Err(format!("rule {:?} ends before it starts", rule.id));
                }
            }
            self.check_shape(rule)
                .map_err(|problem| format!("rule {:?}: {problem}", rule.id))?;
        }
        Ok(())
    }

    /// What the engine cannot evaluate: a shape missing the fields it needs.
    fn check_shape(&self, rule: &Rule) -> Result<(), String> {
        if rule.within == Some(Within::NoFixedTime) {
            return Err(
                "say due_kind = \"as_soon_as_practicable\" instead of within = \"asap\"".into(),
            );
        }
        let needs_within = match rule.due_kind {
            DueKind::Fixed | DueKind::Periodic => true,
            DueKind::AsSoonAsPracticable => false,
            DueKind::Relative => rule.relation == Some(Relation::After),
        };
        if needs_within && rule.within.is_none() {
            return Err(format!("a {:?} deadline needs within", rule.due_kind));
        }
        if (rule.due_kind == DueKind::Periodic) == rule.period_starts.is_empty() {
            return Err(
                "period_starts belongs to, and is needed by, due_kind = \"periodic\"".into(),
            );
        }
        match (rule.due_kind, &rule.relative_to, rule.relation) {
            (DueKind::Relative, Some(other), Some(relation)) => {
                let Some(kind) = self.kind(other) else {
                    return Err(format!("relative_to names unknown kind {other:?}"));
                };
                if other == &rule.kind
                    || self
                        .rules
                        .iter()
                        .any(|r| r.kind == *other && r.due_kind == DueKind::Relative)
                {
                    return Err(format!(
                        "relative_to {other:?} must name a kind whose own rules are not relative"
                    ));
                }
                if relation == Relation::NoLaterThan && rule.within.is_some() {
                    return Err("relation = \"no_later_than\" takes no within".into());
                }
                if relation == Relation::After && kind.completed_by.as_ref() != Some(&rule.clock) {
                    return Err(format!("relation = \"after\" runs from {other:?}'s completing event: set clock to it"));
                }
            }
            (DueKind::Relative, _, _) => {
                return Err("a relative deadline needs relative_to and relation".into())
            }
            (_, None, None) => {}
            _ => return Err("relative_to and relation belong to due_kind = \"relative\"".into()),
        }
        if let Some(after) = &rule.after {
            if self.kind(after).is_none() {
                return Err(format!("after names unknown kind {after:?}"));
            }
        }
        if let Some(delay) = &rule.delay {
            if (delay.shape == DelayShape::FixedTail) != delay.tail.is_some() {
                return Err(
                    "a delay's tail belongs to, and is needed by, shape = \"fixed_tail\"".into(),
                );
            }
            if delay.tail == Some(Within::NoFixedTime) {
                return Err("a delay's tail must be a fixed time".into());
            }
        }
        Ok(())
    }

    /// The state pack with the federal packs' kinds and rules laid beside
    /// its own: a kind the state pack defines too keeps the state's
    /// definition and gains the federal rules (both bind; the earliest due
    /// time wins, as with any two sources). Holidays stay the state's.
    pub fn with_federal(mut self, federal: &[RulePack]) -> Result<Self, String> {
        for pack in federal.iter().filter(|pack| pack.federal) {
            for kind in &pack.kinds {
                if self.kind(&kind.id).is_none() {
                    self.kinds.push(kind.clone());
                }
            }
            for rule in &pack.rules {
                if self.rules.iter().any(|own| own.id == rule.id) {
                    return Err(format!(
                        "rule {:?} of the federal pack {} is also a rule of {}",
                        rule.id, pack.jurisdiction, self.jurisdiction
                    ));
                }
                self.rules.push(rule.clone());
            }
        }
        Ok(self)
    }

    /// The embedded federal packs, which every district gets.
    pub fn embedded_federal() -> Vec<RulePack> {
        Self::embedded_all()
            .iter()
            .filter(|pack| pack.federal)
            .cloned()
            .collect()
    }

    pub fn kind(&self, id: &str) -> Option<&Kind> {
        self.kinds.iter().find(|kind| kind.id == id)
    }

    /// Every event the pack knows: clocks and completions, plus the two every
    /// incident has, the law-enforcement delay events where a rule has a
    /// delay clause, and the filings that extend a deadline.
    pub fn events(&self) -> BTreeSet<ClockEvent> {
        let mut events: BTreeSet<ClockEvent> =
            [ClockEvent::discovered(), ClockEvent::board_notified()].into();
        events.extend(self.rules.iter().map(|rule| rule.clock.clone()));
        if self.rules.iter().any(|rule| rule.delay.is_some()) {
            events.extend([ClockEvent::delay_requested(), ClockEvent::delay_ended()]);
        }
        events.extend(
            self.rules
                .iter()
                .filter_map(|rule| Some(rule.extension.as_ref()?.event.clone())),
        );
        events.extend(
            self.kinds
                .iter()
                .filter_map(|kind| kind.completed_by.clone()),
        );
        events
    }

    /// Every embedded pack, in jurisdiction order: parsed once per process,
    /// not at each listing.
    pub fn embedded_all() -> &'static [Self] {
        static PACKS: std::sync::LazyLock<Vec<RulePack>> = std::sync::LazyLock::new(|| {
            let mut packs: Vec<RulePack> = EMBEDDED
                .iter()
                .map(|(name, text)| {
                    RulePack::parse(text).unwrap_or_else(|error| {
                        panic!("the embedded pack {name} is valid (a test checks it): {error}")
                    })
                })
                .collect();
            packs.sort_by(|a, b| a.jurisdiction.cmp(&b.jurisdiction));
            packs
        });
        &PACKS
    }

    /// The jurisdiction codes of the embedded packs ("US-CT, US-IL, …").
    pub fn embedded_codes() -> String {
        Self::embedded_all()
            .iter()
            .map(|pack| pack.jurisdiction.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The embedded pack for a jurisdiction code such as "US-CT".
    pub fn embedded(jurisdiction: &str) -> Option<Result<Self, String>> {
        EMBEDDED
            .iter()
            .map(|(_, text)| RulePack::parse(text))
            .find(|pack| match pack {
                Ok(pack) => pack.jurisdiction.eq_ignore_ascii_case(jurisdiction),
                Err(_) => false,
            })
    }
}

fn holiday(raw: RawHoliday) -> Result<Holiday, String> {
    let name = raw.name;
    let mut specs = Vec::new();
    if let Some(fixed) = raw.fixed {
        let (month, day) = fixed
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
            .filter(|&(m, d)| NaiveDate::from_ymd_opt(2024, m, d).is_some())
            .ok_or_else(|| format!("holiday {name:?}: fixed = {fixed:?} is not \"MM-DD\""))?;
        specs.push(HolidayDate::Fixed { month, day });
    }
    if let Some(nth) = raw.nth_weekday {
        if !(1..=12).contains(&nth.month) || !(1..=5).contains(&nth.n) {
            return Err(format!(
                "holiday {name:?}: nth_weekday needs month 1-12 and n 1-5"
            ));
        }
        specs.push(HolidayDate::NthWeekday {
            month: nth.month,
            weekday: weekday(&name, &nth.weekday)?,
            n: nth.n,
        });
    }
    if let Some(last) = raw.last_weekday {
        if !(1..=12).contains(&last.month) {
            return Err(format!("holiday {name:?}: last_weekday needs month 1-12"));
        }
        specs.push(HolidayDate::LastWeekday {
            month: last.month,
            weekday: weekday(&name, &last.weekday)?,
        });
    }
    if let Some(days) = raw.easter_offset {
        specs.push(HolidayDate::EasterOffset { days });
    }
    if let Some(after) = raw.weekday_on_or_after {
        if NaiveDate::from_ymd_opt(2024, after.month, after.day).is_none() {
            return Err(format!(
                "holiday {name:?}: weekday_on_or_after needs a real month and day"
            ));
        }
        specs.push(HolidayDate::WeekdayOnOrAfter {
            month: after.month,
            day: after.day,
            weekday: weekday(&name, &after.weekday)?,
        });
    }
    if !raw.proclaimed && !raw.unproclaimed_years.is_empty() {
        return Err(format!(
            "holiday {name:?}: unproclaimed_years needs proclaimed = true"
        ));
    }
    if specs.len() != 1 {
        return Err(format!(
            "holiday {name:?} needs exactly one of fixed, nth_weekday, last_weekday, easter_offset, weekday_on_or_after"
        ));
    }
    Ok(Holiday {
        name,
        date: specs.remove(0),
        observance: raw.observed,
        from_year: raw.from_year,
        until_year: raw.until_year,
        proclaimed: raw.proclaimed,
        unproclaimed_years: raw.unproclaimed_years,
        rolled_dates_only: raw.rolled_dates_only,
    })
}

fn weekday(holiday: &str, text: &str) -> Result<Weekday, String> {
    text.parse()
        .map_err(|_| format!("holiday {holiday:?}: {text:?} is not a weekday (Mon, Tue, ...)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped pack parses and lints clean: each rule cited, sourced,
    /// effective-dated and verified-stated, with no overlapping ranges.
    #[test]
    fn every_embedded_pack_parses_and_is_clean() {
        for (file, text) in EMBEDDED {
            let pack = RulePack::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(!pack.rules.is_empty(), "{file}");
            let problems: Vec<String> = crate::rules::lint(&pack)
                .iter()
                .map(ToString::to_string)
                .collect();
            assert!(problems.is_empty(), "{file}: {problems:#?}");
        }
    }

    #[test]
    fn a_broken_pack_is_refused_with_a_reason() {
        let error = RulePack::parse(
            r#"
            jurisdiction = "X"
            name = "x"
            [[rule]]
            id = "r"
            kind = "nope"
            clock = "discovered"
            within = "1d"
            citation = "c"
            source_url = "https://example.org"
            description = "d"
            "#,
        )
        .unwrap_err();
        assert!(error.contains("unknown kind"), "{error}");
        assert!(RulePack::parse("jurisdiction = 1").is_err());
    }
}
