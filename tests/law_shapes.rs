//! Table-driven tests of the deadline shapes the packs can state: clocks from
//! a determination, duties tied to another duty, thresholds, the statutes'
//! "personal information", law-enforcement delays, rolled dates, periodic
//! updates, extensions, an order between duties, and the effective-date edges
//! of the fixed CT/NY/IL rules. Every case says where its answer comes from
//! (a statute, or a row of the research behind the packs: D1–D17, A1–A6).
//! Weekdays were checked with `python3 -c 'import datetime; ...'`.

use breachd::domain::{
    BreachAt, ClockEvent, DataClass, DelayRequest, InfoCategory, ObligationStatus,
};
use breachd::rules::{
    Assumption, DelayOutcome, DelayShape, DueKind, Engine, IncidentFacts, NotHeldReason,
    ObligationPlan, RulePack, Taxonomy,
};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::{Chicago, New_York};
use chrono_tz::Tz;
use std::collections::BTreeSet;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|_| panic!("{text}"))
        .with_timezone(&Utc)
}

fn engine_for(pack: RulePack, zone: Tz, closures: Vec<NaiveDate>) -> Engine {
    Engine::new(pack, vec![], closures, zone, Taxonomy::embedded())
}

fn shipped(jurisdiction: &str) -> Engine {
    let zone = if jurisdiction == "US-IL" {
        Chicago
    } else {
        New_York
    };
    engine_for(
        RulePack::embedded(jurisdiction).unwrap().unwrap(),
        zone,
        vec![],
    )
}

/// A one-kind pack around `rules` (TOML), in New York time, no holidays.
fn custom(kinds: &str, rules: &str) -> Engine {
    let text = format!("jurisdiction = \"X\"\nname = \"x\"\n{kinds}\n{rules}");
    engine_for(
        RulePack::parse(&text).unwrap_or_else(|e| panic!("{e}")),
        New_York,
        vec![],
    )
}

const KIND: &str = r#"
[[kind]]
id = "k"
title = "t"
party = "district"
recipient = "r"
completed_by = "k_done"
"#;

/// The fields every test rule shares.
const COMMON: &str = r#"effective_from = "2000-01-01"
citation = "Test Stat. § 1"
source_url = "https://example.org"
description = "d"
verified = true
"#;

fn facts(breach_at: BreachAt, events: &[(&str, &str)]) -> IncidentFacts {
    IncidentFacts::new(
        breach_at,
        None,
        [DataClass::StudentInformation].into(),
        events
            .iter()
            .map(|&(event, instant)| (ClockEvent::parse(event).unwrap(), at(instant)))
            .collect(),
    )
}

/// Clock events: (event, instant).
type Events<'a> = &'a [(&'a str, &'a str)];

const NOW: &str = "2026-11-22T12:00:00Z";

fn plan<'a>(plans: &'a [ObligationPlan], kind: &str) -> Option<&'a ObligationPlan> {
    plans.iter().find(|plan| plan.kind == kind)
}

fn due_of(engine: &Engine, facts: &IncidentFacts, kind: &str) -> Option<DateTime<Utc>> {
    let plans = engine.evaluate(facts, at(NOW));
    plan(&plans, kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .due_at
}

#[test]
fn determination_clocks() {
    // Research PA1/CO1/FL1: clocks that run from the determination. Until one
    // is recorded it is taken to be the discovery (IncidentFacts::new).
    let engine = custom(KIND, &format!("[[rule]]\nid = \"r\"\nkind = \"k\"\nclock = \"determined\"\nwithin = \"30d\"\n{COMMON}"));
    let cases = [
        (
            &[("discovered", "2026-04-10T15:00:00-04:00")][..],
            "2026-05-10T23:59:59-04:00",
            "no determination yet: from discovery, Apr 10 + 30",
        ),
        (
            &[
                ("discovered", "2026-04-10T15:00:00-04:00"),
                ("determined", "2026-04-20T10:00:00-04:00"),
            ][..],
            "2026-05-20T23:59:59-04:00",
            "determined Apr 20: Apr 20 + 30",
        ),
    ];
    for (events, due, why) in cases {
        assert_eq!(
            due_of(&engine, &facts(BreachAt::District, events), "k"),
            Some(at(due)),
            "{why}"
        );
    }
}

#[test]
fn no_later_than_the_residents_in_both_orders() {
    // CGS § 36a-701b(b) (research D3/A1): the AG "not later than" the residents.
    let engine = shipped("US-CT");
    let discovered = ("discovered", "2026-04-10T15:00:00-04:00");
    // (events besides discovery, AG due, AG status, why)
    let cases: [(Events, &str, ObligationStatus, &str); 4] = [
        (
            &[
                ("residents_notified", "2026-05-01T12:00:00-04:00"),
                ("attorney_general_notified", "2026-04-30T12:00:00-04:00"),
            ],
            "2026-05-01T12:00:00-04:00",
            ObligationStatus::Done,
            "AG told the day before the residents: due when the residents were told, done",
        ),
        (
            &[
                ("residents_notified", "2026-05-01T12:00:00-04:00"),
                ("attorney_general_notified", "2026-05-02T12:00:00-04:00"),
            ],
            "2026-05-01T12:00:00-04:00",
            ObligationStatus::Late,
            "AG told the day after the residents: late",
        ),
        (
            &[("attorney_general_notified", "2026-05-02T12:00:00-04:00")],
            "2026-06-09T23:59:59-04:00",
            ObligationStatus::Done,
            "residents not yet told: the residents' 60d deadline (P.A. 21-59), Apr 10 + 60",
        ),
        (
            &[("residents_notified", "2026-07-01T12:00:00-04:00")],
            "2026-06-09T23:59:59-04:00",
            ObligationStatus::Overdue,
            "residents told late: the earlier of their deadline and their notice",
        ),
    ];
    for (events, due, status, why) in cases {
        let mut all = vec![discovered];
        all.extend_from_slice(events);
        let plans = engine.evaluate(&facts(BreachAt::District, &all), at(NOW));
        let ag = plan(&plans, "entity_notifies_attorney_general").unwrap();
        assert_eq!(ag.due_at, Some(at(due)), "{why}");
        assert_eq!(ag.due_kind, DueKind::Relative, "{why}");
        assert_eq!(
            ObligationStatus::at(at(NOW), ag.due_at, ag.completed_by_event_at, false),
            status,
            "{why}"
        );
    }
}

#[test]
fn n_business_days_after_another_duty() {
    // Iowa Code § 715C.2(8) (research IA1): 5 business days after the consumer notice.
    let kinds = format!(
        "{KIND}\n[[kind]]\nid = \"ag\"\ntitle = \"t\"\nparty = \"district\"\nrecipient = \"r\""
    );
    let rule = format!("[[rule]]\nid = \"ag/5bd\"\nkind = \"ag\"\nclock = \"k_done\"\ndue_kind = \"relative\"\nrelative_to = \"k\"\nrelation = \"after\"\nwithin = \"5bd\"\n{COMMON}\n[[rule]]\nid = \"k/asap\"\nkind = \"k\"\nclock = \"discovered\"\ndue_kind = \"as_soon_as_practicable\"\n{COMMON}");
    let engine = custom(&kinds, &rule);
    let before = facts(
        BreachAt::District,
        &[("discovered", "2026-04-08T09:00:00-04:00")],
    );
    assert_eq!(
        due_of(&engine, &before, "ag"),
        None,
        "pending until the consumer notice"
    );
    let after = facts(
        BreachAt::District,
        &[
            ("discovered", "2026-04-08T09:00:00-04:00"),
            ("k_done", "2026-04-10T15:00:00-04:00"),
        ],
    );
    assert_eq!(
        due_of(&engine, &after, "ag"),
        Some(at("2026-04-17T23:59:59-04:00")),
        "Fri Apr 10 + 5bd = Fri Apr 17"
    );
    let plans = engine.evaluate(&after, at(NOW));
    let consumer = plan(&plans, "k").unwrap();
    assert_eq!(
        (consumer.due_at, consumer.due_kind),
        (None, DueKind::AsSoonAsPracticable),
        "no fixed time"
    );
    assert!(consumer.clock_started_at.is_some(), "due now, not pending");
}

#[test]
fn resident_thresholds_at_499_500_501() {
    // Research "Thresholds": CO "500 or more" (at_least) is not IL/WA/PA "more than 500".
    let kinds = format!(
        "{KIND}\n[[kind]]\nid = \"more\"\ntitle = \"t\"\nparty = \"district\"\nrecipient = \"r\""
    );
    let rule = |id: &str, kind: &str, comparison: &str| {
        format!("[[rule]]\nid = \"{id}\"\nkind = \"{kind}\"\nclock = \"discovered\"\nwithin = \"30d\"\nmin_affected = {{ count = 500, comparison = \"{comparison}\" }}\n{COMMON}")
    };
    let engine = custom(
        &kinds,
        &format!(
            "{}\n{}",
            rule("at-least", "k", "at_least"),
            rule("more-than", "more", "more_than")
        ),
    );
    // (affected, at_least applies, more_than applies)
    for (count, at_least, more_than) in [
        (Some(499), false, false),
        (Some(500), true, false),
        (Some(501), true, true),
        (None, true, true),
    ] {
        let facts = facts(
            BreachAt::District,
            &[("discovered", "2026-04-10T15:00:00-04:00")],
        )
        .with_affected_residents(count);
        let plans = engine.evaluate(&facts, at(NOW));
        assert_eq!(plan(&plans, "k").is_some(), at_least, "{count:?} >= 500");
        assert_eq!(plan(&plans, "more").is_some(), more_than, "{count:?} > 500");
        for p in &plans {
            let assumed = p
                .assumptions
                .contains(&Assumption::AffectedResidentsUnknown);
            assert_eq!(
                assumed,
                count.is_none(),
                "an unknown count applies the rule and says so"
            );
        }
    }
    // 815 ILCS 530/10(e) (research D16): "more than 500" Illinois residents.
    let il = shipped("US-IL");
    for (count, present) in [(Some(500), false), (Some(501), true), (None, true)] {
        let facts = facts(
            BreachAt::District,
            &[("discovered", "2026-04-10T15:00:00-05:00")],
        )
        .with_affected_residents(count);
        let plans = il.evaluate(&facts, at(NOW));
        assert_eq!(
            plan(&plans, "entity_notifies_attorney_general").is_some(),
            present,
            "IL AG at {count:?}"
        );
    }
}

#[test]
fn enrollment_share_of_the_breach_list() {
    // 105 ILCS 85/27(a)(5) (research D13): a breach of fewer than 10% of students may be omitted.
    let il = shipped("US-IL");
    let base = || {
        facts(
            BreachAt::District,
            &[("discovered", "2026-04-10T15:00:00-05:00")],
        )
    };
    let cases = [
        (Some(99), Some(1000), false, vec![], "9.9%: may be omitted"),
        (Some(100), Some(1000), true, vec![], "exactly 10%"),
        (
            Some(100),
            None,
            true,
            vec![Assumption::EnrollmentUnknown],
            "enrollment unknown: listed",
        ),
        (
            None,
            None,
            true,
            vec![
                Assumption::AffectedStudentsUnknown,
                Assumption::EnrollmentUnknown,
            ],
            "nothing known",
        ),
    ];
    for (affected, enrollment, present, assumed, why) in cases {
        let facts = base()
            .with_affected_students(affected)
            .with_enrollment(enrollment);
        let plans = il.evaluate(&facts, at(NOW));
        let list = plan(&plans, "school_posts_breach_list");
        assert_eq!(list.is_some(), present, "{why}");
        if let Some(list) = list {
            assert_eq!(list.assumptions, assumed, "{why}");
        }
    }
}

#[test]
fn personal_information_needs_a_name_and_an_element() {
    // 815 ILCS 530/5 as the IL pack states it (research D16): a name with an SSN etc., or credentials alone.
    use InfoCategory::*;
    let il = shipped("US-IL");
    type Case<'a> = (
        Option<&'a [InfoCategory]>,
        bool,
        Option<Assumption>,
        &'a str,
    );
    let cases: [Case; 6] = [
        (Some(&[Name, Ssn]), true, None, "a name and an SSN"),
        (Some(&[Ssn]), false, None, "an SSN without a name"),
        (Some(&[Name]), false, None, "a name alone"),
        (
            Some(&[Credentials]),
            true,
            None,
            "a username and password alone",
        ),
        (
            Some(&[Unknown]),
            true,
            Some(Assumption::UnknownElementCounted),
            "an unknown element counts",
        ),
        (
            None,
            true,
            Some(Assumption::PersonalInformationUnclassified),
            "categories not given: applied",
        ),
    ];
    for (categories, applies, assumed, why) in cases {
        let mut facts = facts(
            BreachAt::District,
            &[("discovered", "2026-04-10T15:00:00-05:00")],
        );
        if let Some(categories) = categories {
            facts = facts.with_categories(categories.iter().copied().collect::<BTreeSet<_>>());
        }
        let plans = il.evaluate(&facts, at(NOW));
        let residents = plan(&plans, "entity_notifies_residents");
        assert_eq!(residents.is_some(), applies, "{why}");
        if let Some(residents) = residents {
            assert_eq!(
                residents.assumptions,
                assumed.into_iter().collect::<Vec<_>>(),
                "{why}"
            );
        }
    }
    // Through the taxonomy: "ssn" and "student name" are a name and an SSN.
    let classification = il.classify(&["student name".into(), "ssn".into()]);
    assert_eq!(il.categories(&classification), [Name, Ssn].into());
}

/// (extra events, delay request, expected due, on hold, outcome, why)
type DelayCase<'a> = (
    &'a [(&'a str, &'a str)],
    Option<bool>,
    Option<&'a str>,
    bool,
    Option<DelayOutcome>,
    &'a str,
);

fn check_delays(
    engine: &Engine,
    breach_at: BreachAt,
    base: &[(&str, &str)],
    kind: &str,
    cases: &[DelayCase<'_>],
) {
    for (extra, written, due, on_hold, outcome, why) in cases {
        let mut events = base.to_vec();
        events.extend_from_slice(extra);
        let mut facts = facts(breach_at, &events);
        if let Some(written) = written {
            facts = facts.with_delay(DelayRequest {
                agency: "State Police".into(),
                written: *written,
            });
        }
        let plans = engine.evaluate(&facts, at(NOW));
        let p = plan(&plans, kind).unwrap();
        assert_eq!(p.due_at, due.map(at), "{why}");
        assert_eq!(p.on_hold, *on_hold, "{why}");
        assert_eq!(&p.sources[0].delay, outcome, "{why}");
    }
}

#[test]
fn fixed_tail_delay_of_8_nycrr_121_10_e() {
    // 8 NYCRR 121.10(e) (research D9/A4): seven calendar days after the delay ends.
    let ny = shipped("US-NY");
    let base = [
        ("discovered", "2026-04-10T15:00:00-04:00"),
        ("board_notified", "2026-04-14T09:00:00-04:00"),
    ];
    let since = at("2026-04-20T09:00:00-04:00");
    let shape = DelayShape::FixedTail;
    let cases: [DelayCase<'_>; 3] = [
        (
            &[],
            None,
            Some("2026-06-13T23:59:59-04:00"),
            false,
            None,
            "before: Apr 14 + 60",
        ),
        (
            &[("delay_requested", "2026-04-20T09:00:00-04:00")],
            None,
            None,
            true,
            Some(DelayOutcome::OnHold { since, shape }),
            "during: on hold",
        ),
        (
            &[
                ("delay_requested", "2026-04-20T09:00:00-04:00"),
                ("delay_ended", "2026-07-01T12:00:00-04:00"),
            ],
            None,
            Some("2026-07-08T23:59:59-04:00"),
            false,
            Some(DelayOutcome::Ended {
                since,
                ended: at("2026-07-01T12:00:00-04:00"),
                shape,
            }),
            "after: Jul 1 + 7, later than the 60 days, which no longer apply",
        ),
    ];
    check_delays(
        &ny,
        BreachAt::Contractor,
        &base,
        "agency_notifies_families",
        &cases,
    );
    // 121.10(b): the CPO report has no delay clause.
    let facts = facts(
        BreachAt::Contractor,
        &[
            base[0],
            base[1],
            ("delay_requested", "2026-04-20T09:00:00-04:00"),
        ],
    );
    let plans = ny.evaluate(&facts, at(NOW));
    let cpo = plan(&plans, "agency_notifies_state_privacy_officer").unwrap();
    assert_eq!(
        (cpo.due_at, cpo.sources[0].delay.clone()),
        (
            Some(at("2026-04-24T23:59:59-04:00")),
            Some(DelayOutcome::NotProvided)
        )
    );
}

#[test]
fn pause_then_promptly_needs_a_written_request_in_connecticut() {
    // CGS § 36a-701b delay (research D4, §3), held only for a written request (the pack's earlier reading).
    let ct = shipped("US-CT");
    let base = [("discovered", "2026-04-10T15:00:00-04:00")];
    let requested = ("delay_requested", "2026-04-20T09:00:00-04:00");
    let since = at(requested.1);
    let shape = DelayShape::PauseThenPromptly;
    let not_held = |reason| Some(DelayOutcome::NotHeld { reason });
    let cases: [DelayCase<'_>; 6] = [
        (
            &[],
            None,
            Some("2026-06-09T23:59:59-04:00"),
            false,
            None,
            "before: Apr 10 + 60",
        ),
        (
            &[requested],
            Some(true),
            None,
            true,
            Some(DelayOutcome::OnHold { since, shape }),
            "written request: on hold",
        ),
        (
            &[requested],
            Some(false),
            Some("2026-06-09T23:59:59-04:00"),
            false,
            not_held(NotHeldReason::NotWritten),
            "verbal: the clock runs",
        ),
        (
            &[requested],
            None,
            Some("2026-06-09T23:59:59-04:00"),
            false,
            not_held(NotHeldReason::WrittenUnknown),
            "not recorded whether written",
        ),
        (
            &[requested, ("delay_ended", "2026-06-01T09:00:00-04:00")],
            Some(true),
            None,
            false,
            Some(DelayOutcome::Ended {
                since,
                ended: at("2026-06-01T09:00:00-04:00"),
                shape,
            }),
            "after: due promptly, no fixed time",
        ),
        (
            &[("delay_requested", "2026-06-15T09:00:00-04:00")],
            Some(true),
            Some("2026-06-09T23:59:59-04:00"),
            false,
            not_held(NotHeldReason::AfterDeadline),
            "asked after the deadline",
        ),
    ];
    check_delays(
        &ct,
        BreachAt::District,
        &base,
        "entity_notifies_residents",
        &cases,
    );
    // The AG notice follows the residents' hold; after a pause the residents' notice has no fixed time.
    let held = facts(BreachAt::District, &[base[0], requested]).with_delay(DelayRequest {
        agency: "FBI".into(),
        written: true,
    });
    let plans = ct.evaluate(&held, at(NOW));
    let ag = plan(&plans, "entity_notifies_attorney_general").unwrap();
    assert!(ag.on_hold && ag.due_at.is_none());
    let ended = facts(
        BreachAt::District,
        &[
            base[0],
            requested,
            ("delay_ended", "2026-06-01T09:00:00-04:00"),
        ],
    )
    .with_delay(DelayRequest {
        agency: "FBI".into(),
        written: true,
    });
    let plans = ct.evaluate(&ended, at(NOW));
    assert_eq!(
        plan(&plans, "entity_notifies_residents").unwrap().due_kind,
        DueKind::AsSoonAsPracticable
    );
}

#[test]
fn suspension_and_a_business_day_tail() {
    let pack = |delay: &str| {
        custom(KIND, &format!("[[rule]]\nid = \"r\"\nkind = \"k\"\nclock = \"discovered\"\nwithin = \"30d\"\n{COMMON}\n[rule.delay]\n{delay}\ncitation = \"Test Stat. § 2\"\nverified = true\n"))
    };
    let base = [("discovered", "2026-04-10T15:00:00-04:00")];
    let requested = ("delay_requested", "2026-04-12T10:00:00-04:00");
    // IC 4-13.1-2-9 (research §3, S): the clock stops for the delay's length.
    let suspension = pack("shape = \"suspension\"");
    let shape = DelayShape::Suspension;
    let since = at(requested.1);
    let cases: [DelayCase<'_>; 2] = [
        (
            &[requested],
            None,
            None,
            true,
            Some(DelayOutcome::OnHold { since, shape }),
            "during: on hold",
        ),
        (
            &[requested, ("delay_ended", "2026-04-14T09:00:00-04:00")],
            None,
            Some("2026-05-12T23:59:59-04:00"),
            false,
            Some(DelayOutcome::Ended {
                since,
                ended: at("2026-04-14T09:00:00-04:00"),
                shape,
            }),
            "47 h stopped: the start moves to Apr 12 14:00, + 30 = May 12",
        ),
    ];
    check_delays(&suspension, BreachAt::District, &base, "k", &cases);
    // 10 M.R.S. § 1348(3) (research ME1, §3 T): 7 business days after law enforcement clears it.
    let tail = pack("shape = \"fixed_tail\"\ntail = \"7bd\"");
    let facts = facts(
        BreachAt::District,
        &[
            base[0],
            requested,
            ("delay_ended", "2026-04-17T12:00:00-04:00"),
        ],
    );
    assert_eq!(
        due_of(&tail, &facts, "k"),
        Some(at("2026-04-28T23:59:59-04:00")),
        "Fri Apr 17 + 7bd = Tue Apr 28"
    );
}

#[test]
fn rolled_dates_under_gcl_25_a() {
    // N.Y. Gen. Constr. Law §§ 24, 25-a (research 0(d), D11): the strict date stays due_at.
    let ny = shipped("US-NY");
    // (board notified, kind, strict due, rolled due, why)
    let cases = [
        (
            "2026-04-14T09:00:00-04:00",
            "agency_notifies_families",
            "2026-06-13T23:59:59-04:00",
            Some("2026-06-15T23:59:59-04:00"),
            "Apr 14 + 60 = Sat Jun 13 → Mon Jun 15",
        ),
        (
            "2026-04-14T09:00:00-04:00",
            "agency_notifies_state_privacy_officer",
            "2026-04-24T23:59:59-04:00",
            None,
            "Apr 14 + 10 = Fri Apr 24: no roll",
        ),
        (
            "2026-11-16T09:00:00-05:00",
            "agency_notifies_state_privacy_officer",
            "2026-11-26T23:59:59-05:00",
            Some("2026-11-27T23:59:59-05:00"),
            "Thanksgiving Thu Nov 26 → Fri Nov 27",
        ),
        (
            "2027-06-24T09:00:00-04:00",
            "agency_notifies_state_privacy_officer",
            "2027-07-04T23:59:59-04:00",
            Some("2027-07-06T23:59:59-04:00"),
            "Sun Jul 4, observed Mon Jul 5 → Tue Jul 6",
        ),
    ];
    for (told, kind, strict, rolled, why) in cases {
        let facts = facts(
            BreachAt::Contractor,
            &[
                ("discovered", "2026-04-10T15:00:00-04:00"),
                ("board_notified", told),
            ],
        );
        let plans = ny.evaluate(&facts, at(NOW));
        let p = plan(&plans, kind).unwrap();
        assert_eq!(
            (p.due_at, p.rolled_due_at),
            (Some(at(strict)), rolled.map(at)),
            "{why}"
        );
        let rolled_by = p.sources[0].rolled_by.as_deref();
        assert_eq!(
            rolled_by,
            rolled.map(|_| "N.Y. Gen. Constr. Law § 25-a"),
            "{why}"
        );
    }
    // A district closure is not a public holiday: it does not move a rolled date.
    let closed = engine_for(
        RulePack::embedded("US-NY").unwrap().unwrap(),
        New_York,
        vec![NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()],
    );
    let facts = facts(
        BreachAt::Contractor,
        &[
            ("discovered", "2026-04-10T15:00:00-04:00"),
            ("board_notified", "2026-04-14T09:00:00-04:00"),
        ],
    );
    let plans = closed.evaluate(&facts, at(NOW));
    assert_eq!(
        plan(&plans, "agency_notifies_families")
            .unwrap()
            .rolled_due_at,
        Some(at("2026-06-15T23:59:59-04:00"))
    );
}

#[test]
fn periodic_breach_list_across_july_1_and_january_1() {
    // 105 ILCS 85/27(a)(5) (research 0(e), D13): updates 30 days after July 1 and January 1.
    let il = shipped("US-IL");
    let cases = [
        (
            "2026-06-30T12:00:00-05:00",
            "2026-07-31T23:59:59-05:00",
            "Jun 30: the July update",
        ),
        (
            "2026-07-01T12:00:00-05:00",
            "2026-07-31T23:59:59-05:00",
            "Jul 1: the July update",
        ),
        (
            "2026-07-31T12:00:00-05:00",
            "2026-07-31T23:59:59-05:00",
            "Jul 31: still the July update (earlier reading)",
        ),
        (
            "2026-08-01T12:00:00-05:00",
            "2027-01-31T23:59:59-06:00",
            "Aug 1: the January update",
        ),
        (
            "2026-12-31T12:00:00-06:00",
            "2027-01-31T23:59:59-06:00",
            "Dec 31: the January update",
        ),
        (
            "2027-01-01T12:00:00-06:00",
            "2027-01-31T23:59:59-06:00",
            "Jan 1: the January update",
        ),
        (
            "2027-02-01T05:30:00Z",
            "2027-01-31T23:59:59-06:00",
            "Jan 31 23:30 in Chicago (Feb 1 in UTC): local date",
        ),
        (
            "2027-02-01T12:00:00-06:00",
            "2027-07-31T23:59:59-05:00",
            "Feb 1: the next July update",
        ),
    ];
    for (told, due, why) in cases {
        let facts = facts(
            BreachAt::Contractor,
            &[
                ("discovered", "2026-06-01T12:00:00-05:00"),
                ("board_notified", told),
            ],
        );
        let plans = il.evaluate(&facts, at(NOW));
        let list = plan(&plans, "school_posts_breach_list").unwrap();
        assert_eq!(
            (list.due_at, list.due_kind),
            (Some(at(due)), DueKind::Periodic),
            "{why}"
        );
    }
}

#[test]
fn effective_date_edges_of_the_fixed_rules() {
    // (jurisdiction, breach, events, kind, expected due or absent, why)
    type Case<'a> = (
        &'a str,
        BreachAt,
        Events<'a>,
        &'a str,
        Option<&'a str>,
        &'a str,
    );
    let cases: [Case; 6] = [
        (
            "US-NY",
            BreachAt::Contractor,
            &[("discovered", "2020-01-28T12:00:00-05:00")],
            "contractor_notifies_agency",
            None,
            "research D8: Part 121 from 2020-01-29",
        ),
        (
            "US-NY",
            BreachAt::Contractor,
            &[("discovered", "2020-01-29T12:00:00-05:00")],
            "contractor_notifies_agency",
            Some("2020-02-05T23:59:59-05:00"),
            "D8: first day, + 7",
        ),
        (
            "US-IL",
            BreachAt::Contractor,
            &[
                ("discovered", "2021-06-29T12:00:00-05:00"),
                ("board_notified", "2021-06-30T12:00:00-05:00"),
            ],
            "school_notifies_families",
            None,
            "research D12: P.A. 101-516 from 2021-07-01",
        ),
        (
            "US-IL",
            BreachAt::Contractor,
            &[
                ("discovered", "2021-06-29T12:00:00-05:00"),
                ("board_notified", "2021-07-01T12:00:00-05:00"),
            ],
            "school_notifies_families",
            Some("2021-07-31T23:59:59-05:00"),
            "D12: first day, + 30",
        ),
        (
            "US-IL",
            BreachAt::District,
            &[
                ("discovered", "2019-12-31T12:00:00-06:00"),
                ("residents_notified", "2020-01-10T12:00:00-06:00"),
            ],
            "entity_notifies_attorney_general",
            None,
            "research D16: 530/10(e) from 2020-01-01",
        ),
        (
            "US-IL",
            BreachAt::District,
            &[
                ("discovered", "2020-01-01T12:00:00-06:00"),
                ("residents_notified", "2020-01-10T12:00:00-06:00"),
            ],
            "entity_notifies_attorney_general",
            Some("2020-01-10T12:00:00-06:00"),
            "D16: first day; due with the residents' notice",
        ),
    ];
    for (jurisdiction, breach_at, events, kind, due, why) in cases {
        let plans = shipped(jurisdiction).evaluate(&facts(breach_at, events), at(NOW));
        assert_eq!(
            plan(&plans, kind).map(|p| p.due_at),
            due.map(|d| Some(at(d))),
            "{why}"
        );
    }
    // The earliest day any incident rule takes effect, to catch a year typed 1026.
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
    for (jurisdiction, earliest, why) in [
        ("US-CT", d(2006, 1, 1), "§ 36a-701b, P.A. 05-148 (A3)"),
        ("US-NY", d(2020, 1, 29), "D8"),
        ("US-IL", d(2020, 1, 1), "PIPA rules (D16)"),
    ] {
        assert_eq!(
            shipped(jurisdiction).earliest_effective_date(),
            earliest,
            "{why}"
        );
    }
    let ct = shipped("US-CT");
    let typo = facts(
        BreachAt::District,
        &[("discovered", "1026-04-10T15:00:00-05:00")],
    );
    assert_eq!(
        ct.events_before_effect(&typo).len(),
        3,
        "discovered, and the board_notified and determined it defaults"
    );
    let fine = facts(
        BreachAt::District,
        &[("discovered", "2026-04-10T15:00:00-04:00")],
    );
    assert!(ct.events_before_effect(&fine).is_empty());
}

#[test]
fn extension_by_filing() {
    // Fla. Stat. § 501.171(4) (research FL1): 15 more days on written good cause given within the 30.
    let rule = format!("[[rule]]\nid = \"r\"\nkind = \"k\"\nclock = \"determined\"\nwithin = \"30d\"\n{COMMON}\n[rule.extension]\nevent = \"extension_filed\"\nwithin = \"15d\"\ncitation = \"Fla. Stat. § 501.171(4)\"\nverified = false\nnote = \"n\"\n");
    let engine = custom(KIND, &rule);
    let discovered = ("discovered", "2026-04-10T15:00:00-04:00");
    // (filing, in time, extended due, why)
    let cases = [
        (
            None,
            false,
            None,
            "nothing filed: the extension is only offered",
        ),
        (
            Some("2026-05-01T12:00:00-04:00"),
            true,
            Some("2026-05-25T23:59:59-04:00"),
            "filed within the 30 days: May 10 + 15",
        ),
        (
            Some("2026-05-11T12:00:00-04:00"),
            false,
            None,
            "filed after the deadline: no extension",
        ),
    ];
    for (filed, in_time, extended, why) in cases {
        let mut events = vec![discovered];
        events.extend(filed.map(|f| ("extension_filed", f)));
        let plans = engine.evaluate(&facts(BreachAt::District, &events), at(NOW));
        let source = &plan(&plans, "k").unwrap().sources[0];
        assert_eq!(
            source.due_at,
            Some(at("2026-05-10T23:59:59-04:00")),
            "{why}: the strict date stays"
        );
        let extension = source.extension.as_ref().unwrap();
        assert_eq!(
            (extension.filed_in_time, extension.extended_due_at),
            (in_time, extended.map(at)),
            "{why}"
        );
    }
    assert!(engine
        .events()
        .contains(&ClockEvent::parse("extension_filed").unwrap()));
}

#[test]
fn an_order_between_duties() {
    // N.J.S.A. 56:8-163(c) (research NJ1): the State Police before customers.
    let kinds = format!("{KIND}\n[[kind]]\nid = \"customers\"\ntitle = \"t\"\nparty = \"district\"\nrecipient = \"r\"");
    let rules = format!("[[rule]]\nid = \"police\"\nkind = \"k\"\nclock = \"discovered\"\ndue_kind = \"as_soon_as_practicable\"\n{COMMON}\n[[rule]]\nid = \"customers\"\nkind = \"customers\"\nclock = \"discovered\"\ndue_kind = \"as_soon_as_practicable\"\nafter = \"k\"\n{COMMON}");
    let engine = custom(&kinds, &rules);
    let cases = [
        (
            &[("discovered", "2026-04-10T15:00:00-04:00")][..],
            Some("k"),
            "police not yet told",
        ),
        (
            &[
                ("discovered", "2026-04-10T15:00:00-04:00"),
                ("k_done", "2026-04-11T09:00:00-04:00"),
            ][..],
            None,
            "police told",
        ),
    ];
    for (events, waiting, why) in cases {
        let plans = engine.evaluate(&facts(BreachAt::District, events), at(NOW));
        assert_eq!(
            plan(&plans, "customers").unwrap().waiting_for.as_deref(),
            waiting,
            "{why}"
        );
    }
}

#[test]
fn a_proclaimed_holiday_can_be_dropped_for_a_year() {
    // CGS § 1-4's proclamation clause (research 0(a), D5). Families 2bd (P.A. 17-200 § 2) from Thu Apr 2 2026.
    let mut ct = shipped("US-CT");
    let facts = facts(
        BreachAt::Contractor,
        &[
            ("discovered", "2026-04-01T09:00:00-04:00"),
            ("board_notified", "2026-04-02T09:00:00-04:00"),
        ],
    );
    assert_eq!(
        due_of(&ct, &facts, "board_notifies_families"),
        Some(at("2026-04-07T23:59:59-04:00")),
        "Good Friday Apr 3 skipped: Mon 6, Tue 7"
    );
    ct.drop_proclaimed_holiday("Good Friday", 2026).unwrap();
    assert_eq!(
        due_of(&ct, &facts, "board_notifies_families"),
        Some(at("2026-04-06T23:59:59-04:00")),
        "not proclaimed: Fri 3, Mon 6"
    );
    assert!(
        ct.drop_proclaimed_holiday("Christmas", 2026).is_err(),
        "Christmas is a holiday by statute"
    );
}

#[test]
fn verified_and_note_reach_the_plan() {
    // Research confidence: NY 121.10(a) high → verified; IL 85/27(d) medium → not (D14/D15).
    let ny = shipped("US-NY");
    let plans = ny.evaluate(
        &facts(
            BreachAt::Contractor,
            &[("discovered", "2026-04-10T15:00:00-04:00")],
        ),
        at(NOW),
    );
    assert_eq!(
        plan(&plans, "contractor_notifies_agency").unwrap().sources[0].verified,
        Some(true)
    );
    let il = shipped("US-IL");
    let plans = il.evaluate(
        &facts(
            BreachAt::Contractor,
            &[("discovered", "2026-04-10T15:00:00-05:00")],
        ),
        at(NOW),
    );
    let families = &plan(&plans, "school_notifies_families").unwrap().sources[0];
    assert_eq!(families.verified, Some(false));
    assert!(families
        .note
        .as_deref()
        .is_some_and(|note| note.contains("earlier reading")));
}
