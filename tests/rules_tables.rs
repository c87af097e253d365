//! Table-driven tests of the pure rules code, through the public API only:
//! the Connecticut holiday calendar (CGS § 1-4), deadline arithmetic
//! (the three units of src/rules/deadline.rs), daylight-saving changes, and every rule
//! of every embedded pack (config/rules/), with the district's
//! board-policy overlays and contract clauses.
//!
//! Every row says where its expected answer comes from. Weekdays were checked
//! against a real calendar (`python3 -c 'import datetime; ...'`).

use breachd::domain::{BreachAt, ClockEvent, DataClass, Party};
use breachd::rules::deadline::due_at;
use breachd::rules::pack::Scope;
use breachd::rules::{BusinessCalendar, DueKind, IncidentFacts, ObligationPlan, RulePack, Within};
use breachd::settings::Settings;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::{Chicago, Los_Angeles, New_York};
use chrono_tz::Tz;
use std::collections::BTreeSet;

// ---- helpers ----------------------------------------------------------------

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .with_timezone(&Utc)
}

fn within(text: &str) -> Within {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn ct_pack() -> RulePack {
    RulePack::embedded("US-CT")
        .expect("the US-CT pack is embedded")
        .expect("the US-CT pack parses")
}

fn ct_calendar() -> BusinessCalendar {
    BusinessCalendar::new(ct_pack().holidays.clone(), [])
}

fn settings(toml: &str) -> Settings {
    Settings::from_toml(toml).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

// Holiday names exactly as config/rules/us-ct.toml spells them.
const NEW_YEAR: &str = "New Year's Day";
const MLK: &str = "Martin Luther King Jr. Day";
const LINCOLN: &str = "Lincoln Day";
const WASHINGTON: &str = "Washington's Birthday";
const GOOD_FRIDAY: &str = "Good Friday";
const MEMORIAL: &str = "Memorial Day";
const JUNETEENTH: &str = "Juneteenth Independence Day";
const INDEPENDENCE: &str = "Independence Day";
const LABOR: &str = "Labor Day";
const COLUMBUS: &str = "Columbus Day";
const VETERANS: &str = "Veterans' Day";
const THANKSGIVING: &str = "Thanksgiving Day";
const CHRISTMAS: &str = "Christmas";

// ---- 1. the Connecticut holiday calendar ---------------------------------------

/// (observed date, holiday, where the date comes from)
type HolidayRow = (&'static str, &'static str, &'static str);

fn ct_holidays(year: i32) -> Vec<HolidayRow> {
    match year {
        2021 => vec![
            ("2021-01-01", NEW_YEAR, "Jan 1 2021 was a Friday"),
            (
                "2021-01-18",
                MLK,
                "3rd Monday of January 2021 (Mondays 4, 11, 18)",
            ),
            ("2021-02-12", LINCOLN, "Feb 12 2021 was a Friday"),
            (
                "2021-02-15",
                WASHINGTON,
                "3rd Monday of February 2021 (1, 8, 15)",
            ),
            ("2021-04-02", GOOD_FRIDAY, "Easter Sunday 2021 was April 4"),
            ("2021-05-31", MEMORIAL, "last Monday of May 2021"),
            (
                "2021-07-05",
                INDEPENDENCE,
                "CGS § 1-4: July 4 2021 was a Sunday → Mon",
            ),
            ("2021-09-06", LABOR, "1st Monday of September 2021"),
            ("2021-10-11", COLUMBUS, "2nd Monday of October 2021 (4, 11)"),
            ("2021-11-11", VETERANS, "Nov 11 2021 was a Thursday"),
            (
                "2021-11-25",
                THANKSGIVING,
                "4th Thursday of November 2021 (4, 11, 18, 25)",
            ),
            (
                "2021-12-24",
                CHRISTMAS,
                "CGS § 1-4: Dec 25 2021 was a Saturday → Fri",
            ),
            (
                "2021-12-31",
                NEW_YEAR,
                "CGS § 1-4: Jan 1 2022 was a Saturday → Fri Dec 31 2021",
            ),
        ],
        2022 => vec![
            // No January 1 entry: New Year's Day 2022 is observed 2021-12-31.
            ("2022-01-17", MLK, "3rd Monday of January 2022 (3, 10, 17)"),
            (
                "2022-02-11",
                LINCOLN,
                "CGS § 1-4: Feb 12 2022 was a Saturday → Fri",
            ),
            (
                "2022-02-21",
                WASHINGTON,
                "3rd Monday of February 2022 (7, 14, 21)",
            ),
            ("2022-04-15", GOOD_FRIDAY, "Easter Sunday 2022 was April 17"),
            ("2022-05-30", MEMORIAL, "last Monday of May 2022"),
            // No Juneteenth: P.A. 22-128 makes it a holiday from 2023.
            ("2022-07-04", INDEPENDENCE, "July 4 2022 was a Monday"),
            ("2022-09-05", LABOR, "1st Monday of September 2022"),
            ("2022-10-10", COLUMBUS, "2nd Monday of October 2022 (3, 10)"),
            ("2022-11-11", VETERANS, "Nov 11 2022 was a Friday"),
            (
                "2022-11-24",
                THANKSGIVING,
                "4th Thursday of November 2022 (3, 10, 17, 24)",
            ),
            (
                "2022-12-26",
                CHRISTMAS,
                "CGS § 1-4: Dec 25 2022 was a Sunday → Mon",
            ),
        ],
        2023 => vec![
            (
                "2023-01-02",
                NEW_YEAR,
                "CGS § 1-4: Jan 1 2023 was a Sunday → Mon",
            ),
            ("2023-01-16", MLK, "3rd Monday of January 2023 (2, 9, 16)"),
            (
                "2023-02-13",
                LINCOLN,
                "CGS § 1-4: Feb 12 2023 was a Sunday → Mon",
            ),
            (
                "2023-02-20",
                WASHINGTON,
                "3rd Monday of February 2023 (6, 13, 20)",
            ),
            ("2023-04-07", GOOD_FRIDAY, "Easter Sunday 2023 was April 9"),
            ("2023-05-29", MEMORIAL, "last Monday of May 2023"),
            (
                "2023-06-19",
                JUNETEENTH,
                "P.A. 22-128: first observed 2023; June 19 2023 was a Monday",
            ),
            ("2023-07-04", INDEPENDENCE, "July 4 2023 was a Tuesday"),
            ("2023-09-04", LABOR, "1st Monday of September 2023"),
            ("2023-10-09", COLUMBUS, "2nd Monday of October 2023 (2, 9)"),
            (
                "2023-11-10",
                VETERANS,
                "CGS § 1-4: Nov 11 2023 was a Saturday → Fri",
            ),
            (
                "2023-11-23",
                THANKSGIVING,
                "4th Thursday of November 2023 (2, 9, 16, 23)",
            ),
            ("2023-12-25", CHRISTMAS, "Dec 25 2023 was a Monday"),
        ],
        2024 => vec![
            ("2024-01-01", NEW_YEAR, "Jan 1 2024 was a Monday"),
            ("2024-01-15", MLK, "3rd Monday of January 2024 (1, 8, 15)"),
            ("2024-02-12", LINCOLN, "Feb 12 2024 was a Monday"),
            (
                "2024-02-19",
                WASHINGTON,
                "3rd Monday of February 2024 (5, 12, 19)",
            ),
            ("2024-03-29", GOOD_FRIDAY, "Easter Sunday 2024 was March 31"),
            ("2024-05-27", MEMORIAL, "last Monday of May 2024"),
            ("2024-06-19", JUNETEENTH, "June 19 2024 was a Wednesday"),
            ("2024-07-04", INDEPENDENCE, "July 4 2024 was a Thursday"),
            ("2024-09-02", LABOR, "1st Monday of September 2024"),
            ("2024-10-14", COLUMBUS, "2nd Monday of October 2024 (7, 14)"),
            ("2024-11-11", VETERANS, "Nov 11 2024 was a Monday"),
            (
                "2024-11-28",
                THANKSGIVING,
                "4th Thursday of November 2024 (7, 14, 21, 28)",
            ),
            ("2024-12-25", CHRISTMAS, "Dec 25 2024 was a Wednesday"),
        ],
        2025 => vec![
            ("2025-01-01", NEW_YEAR, "Jan 1 2025 was a Wednesday"),
            ("2025-01-20", MLK, "3rd Monday of January 2025 (6, 13, 20)"),
            ("2025-02-12", LINCOLN, "Feb 12 2025 was a Wednesday"),
            (
                "2025-02-17",
                WASHINGTON,
                "3rd Monday of February 2025 (3, 10, 17)",
            ),
            ("2025-04-18", GOOD_FRIDAY, "Easter Sunday 2025 was April 20"),
            ("2025-05-26", MEMORIAL, "last Monday of May 2025"),
            ("2025-06-19", JUNETEENTH, "June 19 2025 was a Thursday"),
            ("2025-07-04", INDEPENDENCE, "July 4 2025 was a Friday"),
            ("2025-09-01", LABOR, "1st Monday of September 2025"),
            ("2025-10-13", COLUMBUS, "2nd Monday of October 2025 (6, 13)"),
            ("2025-11-11", VETERANS, "Nov 11 2025 was a Tuesday"),
            (
                "2025-11-27",
                THANKSGIVING,
                "4th Thursday of November 2025 (6, 13, 20, 27)",
            ),
            ("2025-12-25", CHRISTMAS, "Dec 25 2025 was a Thursday"),
        ],
        2026 => vec![
            ("2026-01-01", NEW_YEAR, "Jan 1 2026 is a Thursday"),
            ("2026-01-19", MLK, "3rd Monday of January 2026 (5, 12, 19)"),
            ("2026-02-12", LINCOLN, "Feb 12 2026 is a Thursday"),
            (
                "2026-02-16",
                WASHINGTON,
                "3rd Monday of February 2026 (2, 9, 16)",
            ),
            ("2026-04-03", GOOD_FRIDAY, "Easter Sunday 2026 is April 5"),
            ("2026-05-25", MEMORIAL, "last Monday of May 2026"),
            ("2026-06-19", JUNETEENTH, "June 19 2026 is a Friday"),
            (
                "2026-07-03",
                INDEPENDENCE,
                "CGS § 1-4: July 4 2026 is a Saturday → Fri",
            ),
            ("2026-09-07", LABOR, "1st Monday of September 2026"),
            ("2026-10-12", COLUMBUS, "2nd Monday of October 2026 (5, 12)"),
            ("2026-11-11", VETERANS, "Nov 11 2026 is a Wednesday"),
            (
                "2026-11-26",
                THANKSGIVING,
                "4th Thursday of November 2026 (5, 12, 19, 26)",
            ),
            ("2026-12-25", CHRISTMAS, "Dec 25 2026 is a Friday"),
        ],
        2027 => vec![
            ("2027-01-01", NEW_YEAR, "Jan 1 2027 is a Friday"),
            ("2027-01-18", MLK, "3rd Monday of January 2027 (4, 11, 18)"),
            ("2027-02-12", LINCOLN, "Feb 12 2027 is a Friday"),
            (
                "2027-02-15",
                WASHINGTON,
                "3rd Monday of February 2027 (1, 8, 15)",
            ),
            ("2027-03-26", GOOD_FRIDAY, "Easter Sunday 2027 is March 28"),
            ("2027-05-31", MEMORIAL, "last Monday of May 2027"),
            (
                "2027-06-18",
                JUNETEENTH,
                "CGS § 1-4: June 19 2027 is a Saturday → Fri",
            ),
            (
                "2027-07-05",
                INDEPENDENCE,
                "CGS § 1-4: July 4 2027 is a Sunday → Mon",
            ),
            ("2027-09-06", LABOR, "1st Monday of September 2027"),
            ("2027-10-11", COLUMBUS, "2nd Monday of October 2027 (4, 11)"),
            ("2027-11-11", VETERANS, "Nov 11 2027 is a Thursday"),
            (
                "2027-11-25",
                THANKSGIVING,
                "4th Thursday of November 2027 (4, 11, 18, 25)",
            ),
            (
                "2027-12-24",
                CHRISTMAS,
                "CGS § 1-4: Dec 25 2027 is a Saturday → Fri",
            ),
            // A 14th entry: New Year's Day 2028 falls on a Saturday.
            (
                "2027-12-31",
                NEW_YEAR,
                "CGS § 1-4: Jan 1 2028 is a Saturday → Fri Dec 31 2027",
            ),
        ],
        _ => panic!("no table for {year}"),
    }
}

#[test]
fn ct_observed_holidays_year_by_year() {
    let calendar = ct_calendar();
    // (year, count): 13 a year, less Juneteenth before 2023 and less New
    // Year's Day in a year whose January 1 is a Saturday; plus one when the
    // next January 1 is a Saturday (2021, 2027).
    for (year, count) in [
        (2021, 13),
        (2022, 11),
        (2023, 13),
        (2024, 13),
        (2025, 13),
        (2026, 13),
        (2027, 14),
    ] {
        let table = ct_holidays(year);
        assert_eq!(table.len(), count, "{year}: the table itself");
        let expected: Vec<(NaiveDate, &str)> = table
            .iter()
            .map(|&(date, name, _)| (d(date), name))
            .collect();
        assert_eq!(calendar.holidays_in(year), expected, "holidays_in({year})");
        for (date, name, why) in table {
            assert_eq!(calendar.holiday_on(d(date)), Some(name), "{date}: {why}");
            assert!(!calendar.is_business_day(d(date)), "{date}: {why}");
        }
    }
}

#[test]
fn ct_new_years_day_on_a_saturday_belongs_to_the_year_before() {
    let calendar = ct_calendar();
    // CGS § 1-4: Jan 1 2022 and Jan 1 2028 are Saturdays, observed on Dec 31.
    for year in [2022, 2028] {
        let holidays = calendar.holidays_in(year);
        assert!(
            holidays.iter().all(|&(_, name)| name != NEW_YEAR),
            "holidays_in({year}) has no New Year's Day: {holidays:?}"
        );
        assert_eq!(
            calendar.holidays_in(year - 1).last().copied(),
            Some((NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap(), NEW_YEAR)),
            "holidays_in({}) ends with the observed New Year's Day",
            year - 1
        );
    }
    assert_eq!(calendar.holiday_on(d("2022-01-01")), None, "a Saturday");
    assert_eq!(calendar.holiday_on(d("2028-01-01")), None, "a Saturday");
}

#[test]
fn ct_observance_of_weekend_holidays() {
    let calendar = ct_calendar();
    // (actual date, observed date, holiday, why)
    let rows = [
        (
            "2026-07-04",
            "2026-07-03",
            INDEPENDENCE,
            "Sat → Fri (CGS § 1-4)",
        ),
        (
            "2021-12-25",
            "2021-12-24",
            CHRISTMAS,
            "Sat → Fri (CGS § 1-4)",
        ),
        (
            "2022-01-01",
            "2021-12-31",
            NEW_YEAR,
            "Sat → Fri across the year end",
        ),
        (
            "2028-01-01",
            "2027-12-31",
            NEW_YEAR,
            "Sat → Fri across the year end",
        ),
        ("2022-02-12", "2022-02-11", LINCOLN, "Sat → Fri (CGS § 1-4)"),
        (
            "2023-11-11",
            "2023-11-10",
            VETERANS,
            "Sat → Fri (CGS § 1-4)",
        ),
        (
            "2027-06-19",
            "2027-06-18",
            JUNETEENTH,
            "Sat → Fri (CGS § 1-4)",
        ),
        (
            "2027-12-25",
            "2027-12-24",
            CHRISTMAS,
            "Sat → Fri (CGS § 1-4)",
        ),
        (
            "2022-12-25",
            "2022-12-26",
            CHRISTMAS,
            "Sun → Mon (CGS § 1-4)",
        ),
        (
            "2023-01-01",
            "2023-01-02",
            NEW_YEAR,
            "Sun → Mon (CGS § 1-4)",
        ),
        ("2023-02-12", "2023-02-13", LINCOLN, "Sun → Mon (CGS § 1-4)"),
        (
            "2021-07-04",
            "2021-07-05",
            INDEPENDENCE,
            "Sun → Mon (CGS § 1-4)",
        ),
        (
            "2027-07-04",
            "2027-07-05",
            INDEPENDENCE,
            "Sun → Mon (CGS § 1-4)",
        ),
    ];
    for (actual, observed, name, why) in rows {
        assert_eq!(
            calendar.holiday_on(d(observed)),
            Some(name),
            "{observed}: {why}"
        );
        assert!(!calendar.is_business_day(d(observed)), "{observed}: {why}");
        assert_eq!(
            calendar.holiday_on(d(actual)),
            None,
            "{actual} is a weekend day; the holiday moved: {why}"
        );
        assert!(
            !calendar.is_business_day(d(actual)),
            "{actual}: a weekend day"
        );
    }
}

#[test]
fn ct_days_that_are_business_days() {
    let calendar = ct_calendar();
    // (date, why it is an ordinary business day)
    let rows = [
        (
            "2022-06-20",
            "Juneteenth 2022 fell on a Sunday, but it is a holiday only from 2023 (P.A. 22-128)",
        ),
        (
            "2022-06-17",
            "the Friday before Juneteenth 2022: not a holiday either",
        ),
        (
            "2026-11-27",
            "the Friday after Thanksgiving is not a CGS § 1-4 holiday",
        ),
        (
            "2026-12-24",
            "Christmas Eve 2026 (Thursday) is not a holiday; Christmas is on Friday",
        ),
        (
            "2026-12-31",
            "Dec 31 2026 (Thursday): Jan 1 2027 is a Friday, nothing moves",
        ),
        ("2026-04-06", "Easter Monday is not a holiday"),
        ("2026-11-03", "Election Day is not a CGS § 1-4 holiday"),
        (
            "2026-02-13",
            "Friday after Lincoln Day 2026 (Thursday): nothing moves",
        ),
        (
            "2026-07-06",
            "Monday after Independence Day 2026: observed on the Friday, not Monday",
        ),
        (
            "2023-11-13",
            "Monday after Veterans' Day 2023: observed on the Friday before",
        ),
        (
            "2027-06-21",
            "Monday after Juneteenth 2027: observed on the Friday before",
        ),
        ("2022-12-27", "Tuesday after observed Christmas 2022"),
        (
            "2022-01-03",
            "first Monday of 2022: New Year's Day was observed the Friday before",
        ),
    ];
    for (date, why) in rows {
        assert_eq!(calendar.holiday_on(d(date)), None, "{date}: {why}");
        assert!(calendar.is_business_day(d(date)), "{date}: {why}");
    }
    // Weekends are never business days, holiday or not.
    for (date, why) in [
        ("2026-02-07", "a Saturday"),
        ("2026-02-08", "a Sunday"),
        ("2022-06-19", "Juneteenth 2022, a Sunday"),
    ] {
        assert!(!calendar.is_business_day(d(date)), "{date}: {why}");
    }
}

// ---- 2. business-day arithmetic ---------------------------------------------------

/// (start, within, expected due, where the answer comes from)
type DueRow = (&'static str, &'static str, &'static str, &'static str);

#[test]
fn ct_business_days_in_new_york_time() {
    let calendar = ct_calendar();
    let rows: [DueRow; 26] = [
        (
            "2026-02-06T09:00:00-05:00",
            "5bd",
            "2026-02-17T23:59:59-05:00",
            "tests/data/deadlines.toml note: Fri; Mon 9 (1), Tue 10 (2), Wed 11 (3), Thu 12 Lincoln Day, Fri 13 (4), Mon 16 Washington's Birthday, Tue 17 (5)",
        ),
        (
            "2026-02-06T09:00:00-05:00",
            "2bd",
            "2026-02-10T23:59:59-05:00",
            "Fri → Mon 9 (1), Tue 10 (2)",
        ),
        (
            "2026-11-25T10:00:00-05:00",
            "2bd",
            "2026-11-30T23:59:59-05:00",
            "Wed; Thu 26 Thanksgiving, Fri 27 (1), Mon 30 (2)",
        ),
        (
            "2025-11-26T10:00:00-05:00",
            "1bd",
            "2025-11-28T23:59:59-05:00",
            "Wed; Thu 27 Thanksgiving 2025, Fri 28 (1)",
        ),
        (
            "2026-11-23T10:00:00-05:00",
            "10bd",
            "2026-12-08T23:59:59-05:00",
            "Mon; 24, 25, (Thanksgiving 26), 27, 30, Dec 1, 2, 3, 4, 7, 8 = 10th",
        ),
        (
            "2026-04-02T09:00:00-04:00",
            "2bd",
            "2026-04-07T23:59:59-04:00",
            "Thu; Fri Apr 3 Good Friday, Mon 6 (1), Tue 7 (2)",
        ),
        (
            "2024-03-28T09:00:00-04:00",
            "1bd",
            "2024-04-01T23:59:59-04:00",
            "Thu; Fri Mar 29 2024 Good Friday, Mon Apr 1 (1)",
        ),
        (
            "2026-12-23T16:00:00-05:00",
            "5bd",
            "2026-12-31T23:59:59-05:00",
            "Wed; Thu 24 (1), Fri 25 Christmas, Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5)",
        ),
        (
            "2026-12-30T16:00:00-05:00",
            "2bd",
            "2027-01-04T23:59:59-05:00",
            "Wed; Thu 31 (1), Fri Jan 1 2027 New Year's Day, Mon 4 (2)",
        ),
        (
            "2021-12-23T16:00:00-05:00",
            "2bd",
            "2021-12-28T23:59:59-05:00",
            "Thu; Fri 24 Christmas observed (25th a Saturday), Mon 27 (1), Tue 28 (2)",
        ),
        (
            "2021-12-30T16:00:00-05:00",
            "2bd",
            "2022-01-04T23:59:59-05:00",
            "Thu; Fri Dec 31 2021 = New Year's Day 2022 observed, Mon Jan 3 (1), Tue 4 (2)",
        ),
        (
            "2022-12-23T10:00:00-05:00",
            "1bd",
            "2022-12-27T23:59:59-05:00",
            "Fri; Mon 26 Christmas observed (25th a Sunday), Tue 27 (1)",
        ),
        (
            "2027-12-23T10:00:00-05:00",
            "3bd",
            "2027-12-29T23:59:59-05:00",
            "Thu; Fri 24 Christmas observed, Mon 27 (1), Tue 28 (2), Wed 29 (3)",
        ),
        (
            "2027-12-30T10:00:00-05:00",
            "1bd",
            "2028-01-03T23:59:59-05:00",
            "Thu; Fri Dec 31 2027 = New Year's Day 2028 observed, Mon Jan 3 2028 (1)",
        ),
        (
            "2026-02-05T23:30:00-05:00",
            "2bd",
            "2026-02-09T23:59:59-05:00",
            "Thu 23:30 EST is Fri 04:30 UTC: counted from the local Thursday → Fri 6 (1), Mon 9 (2)",
        ),
        (
            "2026-02-06T04:30:00Z",
            "2bd",
            "2026-02-09T23:59:59-05:00",
            "the same instant written in UTC: the UTC date (Friday) must not be used",
        ),
        (
            "2026-11-26T12:00:00-05:00",
            "1bd",
            "2026-11-27T23:59:59-05:00",
            "starting on a holiday (Thanksgiving): Fri 27 (1)",
        ),
        (
            "2026-02-07T12:00:00-05:00",
            "1bd",
            "2026-02-09T23:59:59-05:00",
            "starting on a Saturday: Mon 9 (1)",
        ),
        (
            "2027-06-17T10:00:00-04:00",
            "1bd",
            "2027-06-21T23:59:59-04:00",
            "Thu; Fri 18 Juneteenth observed (19th a Saturday), Mon 21 (1)",
        ),
        (
            "2022-06-17T10:00:00-04:00",
            "1bd",
            "2022-06-20T23:59:59-04:00",
            "Fri; Mon Jun 20 2022 is a business day: no Juneteenth before 2023",
        ),
        (
            "2026-07-02T10:00:00-04:00",
            "1bd",
            "2026-07-06T23:59:59-04:00",
            "Thu; Fri 3 Independence Day observed (4th a Saturday), Mon 6 (1)",
        ),
        (
            "2023-02-10T10:00:00-05:00",
            "5bd",
            "2023-02-21T23:59:59-05:00",
            "Fri; Mon 13 Lincoln Day observed, Tue 14 (1) .. Fri 17 (4), Mon 20 Washington's Birthday, Tue 21 (5)",
        ),
        (
            "2023-11-09T10:00:00-05:00",
            "1bd",
            "2023-11-13T23:59:59-05:00",
            "Thu; Fri 10 Veterans' Day observed (11th a Saturday), Mon 13 (1)",
        ),
        (
            "2026-01-16T10:00:00-05:00",
            "1bd",
            "2026-01-20T23:59:59-05:00",
            "Fri; Mon 19 MLK Day (3rd Monday), Tue 20 (1)",
        ),
        (
            "2026-05-22T10:00:00-04:00",
            "1bd",
            "2026-05-26T23:59:59-04:00",
            "Fri; Mon 25 Memorial Day (last Monday of May), Tue 26 (1)",
        ),
        (
            "2026-10-09T10:00:00-04:00",
            "1bd",
            "2026-10-13T23:59:59-04:00",
            "Fri; Mon 12 Columbus Day (2nd Monday of October), Tue 13 (1)",
        ),
    ];
    for (start, span, expected, why) in rows {
        let due = due_at(at(start), within(span), New_York, &calendar);
        assert_eq!(due, at(expected), "{start} + {span}: {why}");
    }
    // Labor Day, which the table above does not cross.
    assert_eq!(
        due_at(
            at("2026-09-04T10:00:00-04:00"),
            within("1bd"),
            New_York,
            &calendar
        ),
        at("2026-09-08T23:59:59-04:00"),
        "Fri; Mon Sep 7 2026 Labor Day (1st Monday), Tue 8 (1)"
    );
}

#[test]
fn calendar_days_use_the_local_date_not_the_utc_date() {
    let calendar = ct_calendar();
    let rows: [DueRow; 4] = [
        (
            "2026-02-05T23:30:00-05:00",
            "30d",
            "2026-03-07T23:59:59-05:00",
            "local date Feb 5 + 30 = Mar 7 (still EST); the UTC date Feb 6 would give Mar 8",
        ),
        (
            "2026-04-10T15:00:00-04:00",
            "30d",
            "2026-05-10T23:59:59-04:00",
            "the day of the event is not counted; Apr 10 + 30 = May 10",
        ),
        (
            "2026-12-24T12:00:00-05:00",
            "2d",
            "2026-12-26T23:59:59-05:00",
            "calendar days ignore holidays and weekends: Dec 24 + 2 = Sat Dec 26",
        ),
        (
            "2024-02-28T12:00:00-05:00",
            "2d",
            "2024-03-01T23:59:59-05:00",
            "leap year: Feb 28 + 2 = Mar 1 (via Feb 29)",
        ),
    ];
    for (start, span, expected, why) in rows {
        let due = due_at(at(start), within(span), New_York, &calendar);
        assert_eq!(due, at(expected), "{start} + {span}: {why}");
    }
}

#[test]
fn district_closures_are_not_business_days() {
    let holidays = ct_pack().holidays;
    // (closures, start, within, expected, why)
    let rows: [(&[&str], &str, &str, &str, &str); 7] = [
        (
            &["2026-02-09"],
            "2026-02-06T09:00:00-05:00",
            "5bd",
            "2026-02-18T23:59:59-05:00",
            "the shared 5bd case with Mon Feb 9 closed: Tue 10 (1), Wed 11 (2), Fri 13 (3), Tue 17 (4), Wed 18 (5)",
        ),
        (
            &["2026-02-07"],
            "2026-02-06T09:00:00-05:00",
            "5bd",
            "2026-02-17T23:59:59-05:00",
            "a closure on a Saturday changes nothing",
        ),
        (
            &["2026-02-12"],
            "2026-02-06T09:00:00-05:00",
            "5bd",
            "2026-02-17T23:59:59-05:00",
            "a closure on a holiday (Lincoln Day) is not counted twice",
        ),
        (
            &["2026-12-24", "2026-12-31"],
            "2026-12-23T16:00:00-05:00",
            "2bd",
            "2026-12-29T23:59:59-05:00",
            "winter recess: Thu 24 closed, Fri 25 Christmas, Mon 28 (1), Tue 29 (2)",
        ),
        (
            &["2026-12-24", "2026-12-31"],
            "2026-12-29T16:00:00-05:00",
            "2bd",
            "2027-01-04T23:59:59-05:00",
            "Wed 30 (1), Thu 31 closed, Fri Jan 1 New Year's Day, Mon 4 (2)",
        ),
        (
            &["2026-02-09"],
            "2026-02-06T09:00:00-05:00",
            "5d",
            "2026-02-11T23:59:59-05:00",
            "closures do not move calendar-day deadlines: Feb 6 + 5 = Feb 11",
        ),
        (
            &["2026-02-09"],
            "2026-02-06T09:00:00-05:00",
            "72h",
            "2026-02-09T09:00:00-05:00",
            "closures do not move elapsed-hour deadlines",
        ),
    ];
    for (closures, start, span, expected, why) in rows {
        let calendar = BusinessCalendar::new(holidays.clone(), closures.iter().map(|c| d(c)));
        for closure in closures {
            assert!(!calendar.is_business_day(d(closure)), "{closure} is closed");
        }
        let due = due_at(at(start), within(span), New_York, &calendar);
        assert_eq!(
            due,
            at(expected),
            "{start} + {span} with {closures:?}: {why}"
        );
    }
}

// ---- 3. daylight-saving time -------------------------------------------------------

#[test]
fn daylight_saving_changes() {
    let calendar = ct_calendar();
    // (zone, start, within, expected, why). In 2026 the US springs forward on
    // Sunday March 8 (02:00 → 03:00) and falls back on Sunday November 1
    // (02:00 → 01:00).
    let rows: [(Tz, &str, &str, &str, &str); 25] = [
        (
            New_York,
            "2026-03-07T10:00:00-05:00",
            "48h",
            "2026-03-09T11:00:00-04:00",
            "spring change: 48 h as instants",
        ),
        (
            New_York,
            "2026-10-31T10:00:00-04:00",
            "48h",
            "2026-11-02T09:00:00-05:00",
            "fall change: 48 h as instants",
        ),
        (
            New_York,
            "2026-03-08T01:30:00-05:00",
            "1h",
            "2026-03-08T03:30:00-04:00",
            "02:00-03:00 does not exist on Mar 8: one hour after 01:30 EST is 03:30 EDT",
        ),
        (
            New_York,
            "2026-11-01T01:30:00-04:00",
            "1h",
            "2026-11-01T01:30:00-05:00",
            "01:00-02:00 repeats on Nov 1: one hour after 01:30 EDT is 01:30 EST",
        ),
        (
            New_York,
            "2026-03-07T12:00:00-05:00",
            "24h",
            "2026-03-08T13:00:00-04:00",
            "24 elapsed hours over the spring change read 13:00 on the wall clock",
        ),
        (
            New_York,
            "2026-10-31T12:00:00-04:00",
            "24h",
            "2026-11-01T11:00:00-05:00",
            "24 elapsed hours over the fall change read 11:00 on the wall clock",
        ),
        (
            New_York,
            "2026-03-07T10:00:00-05:00",
            "1d",
            "2026-03-08T23:59:59-04:00",
            "the calendar day ends in the new offset (EDT)",
        ),
        (
            New_York,
            "2026-03-01T12:00:00-05:00",
            "7d",
            "2026-03-08T23:59:59-04:00",
            "Mar 1 + 7 = Mar 8, the day of the change, ends 23:59:59 EDT",
        ),
        (
            New_York,
            "2026-02-20T09:00:00-05:00",
            "30d",
            "2026-03-22T23:59:59-04:00",
            "Feb 20 + 30 = Mar 22 (Feb 2026 has 28 days), after the change",
        ),
        (
            New_York,
            "2026-10-31T10:00:00-04:00",
            "1d",
            "2026-11-01T23:59:59-05:00",
            "the calendar day ends in the new offset (EST)",
        ),
        (
            New_York,
            "2026-11-01T05:30:00Z",
            "1d",
            "2026-11-02T23:59:59-05:00",
            "05:30Z is the first 01:30 (EDT) on Nov 1: local date Nov 1",
        ),
        (
            New_York,
            "2026-11-01T01:30:00-05:00",
            "1d",
            "2026-11-02T23:59:59-05:00",
            "the second 01:30 (EST) on Nov 1: local date Nov 1",
        ),
        (
            New_York,
            "2026-03-08T04:30:00Z",
            "1d",
            "2026-03-08T23:59:59-04:00",
            "04:30Z is 23:30 EST on Mar 7: local date Mar 7, not the UTC Mar 8",
        ),
        (
            New_York,
            "2026-03-06T12:00:00-05:00",
            "1bd",
            "2026-03-09T23:59:59-04:00",
            "Fri EST → Mon Mar 9 (1), ending in EDT",
        ),
        (
            New_York,
            "2026-03-06T12:00:00-05:00",
            "2bd",
            "2026-03-10T23:59:59-04:00",
            "Fri EST → Mon 9 (1), Tue 10 (2), EDT",
        ),
        (
            New_York,
            "2026-10-30T12:00:00-04:00",
            "1bd",
            "2026-11-02T23:59:59-05:00",
            "Fri EDT → Mon Nov 2 (1), ending in EST",
        ),
        (
            New_York,
            "2026-10-31T12:00:00-04:00",
            "2bd",
            "2026-11-03T23:59:59-05:00",
            "Sat → Mon 2 (1), Tue 3 (2; Election Day is no CGS § 1-4 holiday)",
        ),
        (
            Chicago,
            "2026-03-07T10:00:00-06:00",
            "48h",
            "2026-03-09T11:00:00-05:00",
            "Central time springs forward the same night: 48 h as instants",
        ),
        (
            Chicago,
            "2026-10-31T10:00:00-05:00",
            "1d",
            "2026-11-01T23:59:59-06:00",
            "Central: Nov 1 ends in CST",
        ),
        (
            Chicago,
            "2026-02-06T05:30:00Z",
            "1bd",
            "2026-02-06T23:59:59-06:00",
            "05:30Z is Thu 23:30 CST in Chicago: Fri Feb 6 (1)",
        ),
        (
            New_York,
            "2026-02-06T05:30:00Z",
            "1bd",
            "2026-02-09T23:59:59-05:00",
            "the same instant is Fri 00:30 EST in New York: Mon Feb 9 (1)",
        ),
        (
            Los_Angeles,
            "2026-10-31T22:00:00-07:00",
            "1d",
            "2026-11-01T23:59:59-08:00",
            "Pacific: Sat 22:00 PDT (Nov 1 in New York) + 1 day = Nov 1, ending in PST",
        ),
        (
            Los_Angeles,
            "2026-03-07T22:00:00-08:00",
            "2bd",
            "2026-03-10T23:59:59-07:00",
            "Pacific: Sat Mar 7 → Mon 9 (1), Tue 10 (2), ending in PDT",
        ),
        (
            Los_Angeles,
            "2026-03-07T22:00:00-08:00",
            "12h",
            "2026-03-08T11:00:00-07:00",
            "Pacific: 12 elapsed hours over the change read 11:00 PDT",
        ),
        (
            Los_Angeles,
            "2026-11-01T00:30:00-07:00",
            "2h",
            "2026-11-01T01:30:00-08:00",
            "Pacific: 00:30 PDT + 2 h = the second 01:30 (PST)",
        ),
    ];
    for (zone, start, span, expected, why) in rows {
        let due = due_at(at(start), within(span), zone, &calendar);
        assert_eq!(due, at(expected), "{zone} {start} + {span}: {why}");
    }
}

// ---- 4. the rule packs through the engine ---------------------------------------------

/// An obligation as a row expects it: its kind, its operative due time and
/// every source (rule id, due time), in the engine's order (pack rules in
/// pack order, then overlays).
struct Ob {
    kind: &'static str,
    due: Option<&'static str>,
    sources: &'static [(&'static str, Option<&'static str>)],
}

/// Clock events of an incident: (event, instant).
type Events = &'static [(&'static str, &'static str)];

struct Row {
    why: &'static str,
    breach_at: BreachAt,
    contractor: Option<&'static str>,
    classes: &'static [DataClass],
    events: Events,
    as_of: &'static str,
    /// Every obligation, in pack order; a kind not listed must be absent.
    expect: &'static [Ob],
}

#[derive(Debug, PartialEq)]
struct Got {
    kind: String,
    due: Option<DateTime<Utc>>,
    sources: Vec<(String, Option<DateTime<Utc>>)>,
}

/// Built as the daemon builds them (`IncidentFacts::new`): for a breach of
/// the district's own systems `board_notified` defaults to `discovered`.
fn facts(row: &Row) -> IncidentFacts {
    IncidentFacts::new(
        row.breach_at,
        row.contractor.map(str::to_owned),
        row.classes.iter().copied().collect(),
        row.events
            .iter()
            .map(|&(event, instant)| (ClockEvent::parse(event).unwrap(), at(instant)))
            .collect(),
    )
}

fn got(plans: &[ObligationPlan]) -> Vec<Got> {
    plans
        .iter()
        .map(|plan| Got {
            kind: plan.kind.clone(),
            due: plan.due_at,
            sources: plan
                .sources
                .iter()
                .map(|source| (source.rule.clone(), source.due_at))
                .collect(),
        })
        .collect()
}

fn expected(row: &Row) -> Vec<Got> {
    row.expect
        .iter()
        .map(|ob| Got {
            kind: ob.kind.to_owned(),
            due: ob.due.map(at),
            sources: ob
                .sources
                .iter()
                .map(|&(rule, due)| (rule.to_owned(), due.map(at)))
                .collect(),
        })
        .collect()
}

const CONTRACT_NOTICE_RULE: &str = "us-ct/board-posts-contract-notice/5bd";
/// Research D6: the contract notice split at 2018-07-01 (P.A. 17-200, P.A. 18-125).
const CONTRACT_NOTICE_RULE_2016: &str = "us-ct/board-posts-contract-notice/5bd/2016";
/// Its email half, a duty of its own (P.A. 16-189).
const CONTRACT_EMAIL_RULE_2016: &str = "us-ct/board-emails-contract-notice/5bd/2016";

fn run(config: &str, rows: &[Row]) {
    let settings = settings(config);
    for row in rows {
        let plans = settings.engine.evaluate(&facts(row), at(row.as_of));
        assert_eq!(got(&plans), expected(row), "{}", row.why);
        for plan in &plans {
            // The contract-scope rule (CGS § 10-234bb) runs per contract,
            // never per incident.
            assert_ne!(plan.kind, "board_posts_contract_notice", "{}", row.why);
            assert_ne!(plan.kind, "board_emails_contract_notice", "{}", row.why);
            assert!(
                plan.sources.iter().all(|source| {
                    !source.rule.starts_with(CONTRACT_NOTICE_RULE)
                        && source.rule != CONTRACT_EMAIL_RULE_2016
                }),
                "{}",
                row.why
            );
            // A pending obligation has no due time and no started clock
            // (one with no fixed time, tied to another or on hold may have one).
            if plan.due_at.is_none() && plan.due_kind == DueKind::Fixed && !plan.on_hold {
                assert!(
                    plan.clock_started_at.is_none(),
                    "{}: {}",
                    row.why,
                    plan.kind
                );
                assert!(
                    plan.sources.iter().all(|s| s.due_at.is_none()),
                    "{}",
                    row.why
                );
            }
        }
    }
}

const CT: &str = "[district]\njurisdiction = \"US-CT\"\ntimezone = \"America/New_York\"\n";
const NY: &str = "[district]\njurisdiction = \"US-NY\"\ntimezone = \"America/New_York\"\n";
const IL: &str = "[district]\njurisdiction = \"US-IL\"\ntimezone = \"America/Chicago\"\n";

const AS_OF: &str = "2026-05-01T12:00:00Z";

const STUDENT_INFO: &[DataClass] = &[DataClass::StudentInformation];
const DIRECTORY: &[DataClass] = &[DataClass::DirectoryInformation];

// Rule ids of the US-CT pack.
const CT_30D: &str = "us-ct/contractor-notifies-board/30d";
const CT_60D: &str = "us-ct/contractor-notifies-board/60d";
const CT_48H: &str = "us-ct/board-notifies-families/48h";
const CT_48H_WEB: &str = "us-ct/board-notifies-families/48h/website";
const CT_2BD: &str = "us-ct/board-notifies-families/2bd";
const CT_2BD_WEB: &str = "us-ct/board-notifies-families/2bd/website";
const CT_90D_OWN: &str = "us-ct/entity-notifies-residents/90d";
const CT_60D_OWN: &str = "us-ct/entity-notifies-residents/60d";
const CT_ASAP_OWN: &str = "us-ct/entity-notifies-residents/asap";
/// CGS § 36a-701b(b): the AG "not later than" the residents (research D3).
const CT_AG: &str = "us-ct/entity-notifies-attorney-general/with-residents";

/// Discovered Fri 2026-04-10 15:00 EDT; the board told Tue 2026-04-14 09:00 EDT.
const APRIL_2026: Events = &[
    ("discovered", "2026-04-10T15:00:00-04:00"),
    ("board_notified", "2026-04-14T09:00:00-04:00"),
];

fn ct_rows() -> Vec<Row> {
    vec![
        Row {
            why: "contractor breach of student information only: 30d (CGS § 10-234dd) applies, 60d does not; \
                  families 2bd: Tue Apr 14 → Wed 15 (1), Thu 16 (2); website mirrors it; no § 36a-701b duty",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-05-10T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-04-16T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "directory information only: only the 60d contractor source (Apr 10 + 60 = Jun 9)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: DIRECTORY,
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-04-16T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "student records only: the 60d rule names student_records",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: &[DataClass::StudentRecords],
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: None,
                    sources: &[(CT_2BD, None)],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: None,
                    sources: &[(CT_2BD_WEB, None)],
                },
            ],
        },
        Row {
            why: "student-generated content only: the 60d rule names student_generated_content",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: &[DataClass::StudentGeneratedContent],
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: None,
                    sources: &[(CT_2BD, None)],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: None,
                    sources: &[(CT_2BD_WEB, None)],
                },
            ],
        },
        Row {
            why: "mixed directory + student information: both sources, the 30d one operative (us-ct.toml 60d description)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: &[DataClass::DirectoryInformation, DataClass::StudentInformation],
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[
                        (CT_30D, Some("2026-05-10T23:59:59-04:00")),
                        (CT_60D, Some("2026-06-09T23:59:59-04:00")),
                    ],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-04-16T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "board told Wed 2026-02-11: Thu 12 Lincoln Day, Fri 13 (1), Mon 16 Washington's Birthday, Tue 17 (2); \
                  discovered Feb 9 + 30 = Mar 11 (after the spring change: EDT)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-02-09T09:00:00-05:00"),
                ("board_notified", "2026-02-11T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-03-11T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-03-11T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-02-17T23:59:59-05:00"),
                    sources: &[(CT_2BD, Some("2026-02-17T23:59:59-05:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-02-17T23:59:59-05:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-02-17T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "board told Fri 2017-06-30, the last day of P.A. 16-189's 48 hours: due Sun Jul 2 10:00; \
                  discovered Jun 28 + 30 = Jul 28",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2017-06-28T09:00:00-04:00"),
                ("board_notified", "2017-06-30T10:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-07-28T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2017-07-28T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2017-07-02T10:00:00-04:00"),
                    sources: &[(CT_48H, Some("2017-07-02T10:00:00-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2017-07-02T10:00:00-04:00"),
                    sources: &[(CT_48H_WEB, Some("2017-07-02T10:00:00-04:00"))],
                },
            ],
        },
        Row {
            why: "board told Sat 2017-07-01, P.A. 17-200's first day: 2bd → Mon Jul 3 (1), Tue 4 Independence Day, Wed 5 (2)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2017-06-28T09:00:00-04:00"),
                ("board_notified", "2017-07-01T10:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-07-28T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2017-07-28T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2017-07-05T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2017-07-05T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2017-07-05T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2017-07-05T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "board told 2017-06-30 23:30 EDT (already Jul 1 in UTC): the local date picks the 48h rule",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2017-06-28T09:00:00-04:00"),
                ("board_notified", "2017-07-01T03:30:00Z"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-07-28T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2017-07-28T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2017-07-02T23:30:00-04:00"),
                    sources: &[(CT_48H, Some("2017-07-02T23:30:00-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2017-07-02T23:30:00-04:00"),
                    sources: &[(CT_48H_WEB, Some("2017-07-02T23:30:00-04:00"))],
                },
            ],
        },
        Row {
            why: "pending in June 2017 (no board_notified yet): the rule in force on as_of's date (48h) is listed, due unknown",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[("discovered", "2017-06-10T09:00:00-04:00")],
            as_of: "2017-06-15T12:00:00Z",
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-07-10T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2017-07-10T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: None,
                    sources: &[(CT_48H, None)],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: None,
                    sources: &[(CT_48H_WEB, None)],
                },
            ],
        },
        Row {
            why: "before P.A. 16-189 took effect (2016-10-01): no rule of the pack applies",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2016-09-29T09:00:00-04:00"),
                ("board_notified", "2016-09-30T10:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[],
        },
        Row {
            why: "discovered before 2016-10-01, board told Mon 2016-10-03: only the families clock is under P.A. 16-189 (48h)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2016-09-29T09:00:00-04:00"),
                ("board_notified", "2016-10-03T10:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2016-10-05T10:00:00-04:00"),
                    sources: &[(CT_48H, Some("2016-10-05T10:00:00-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2016-10-05T10:00:00-04:00"),
                    sources: &[(CT_48H_WEB, Some("2016-10-05T10:00:00-04:00"))],
                },
            ],
        },
        Row {
            why: "a contract_executed event on an incident still yields no contract-notice obligation (scope = contract)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("contract_executed", "2026-04-01T12:00:00-04:00"),
                ("discovered", "2026-04-10T15:00:00-04:00"),
                ("board_notified", "2026-04-14T09:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-05-10T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-04-16T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "the district's own systems: § 36a-701b (60d from 2021-10-01, Apr 10 + 60 = Jun 9); no contractor kinds",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D_OWN, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-06-09T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "own systems, a board_notified event recorded anyway and directory data: still only § 36a-701b",
            breach_at: BreachAt::District,
            contractor: None,
            classes: DIRECTORY,
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D_OWN, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-06-09T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "§ 36a-701b as amended by S.B. 949 (2015): discovered 2021-09-30, 90d → Dec 29 2021 (EST)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2021-09-30T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2021-12-29T23:59:59-05:00"),
                    sources: &[(CT_90D_OWN, Some("2021-12-29T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2021-12-29T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2021-12-29T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "discovered 2021-09-30 23:30 EDT (Oct 1 in UTC): the local date keeps the 90d rule",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2021-10-01T03:30:00Z")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2021-12-29T23:59:59-05:00"),
                    sources: &[(CT_90D_OWN, Some("2021-12-29T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2021-12-29T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2021-12-29T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "P.A. 21-59 from 2021-10-01: 60d → Oct 1 + 60 = Nov 30 2021",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2021-10-01T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2021-11-30T23:59:59-05:00"),
                    sources: &[(CT_60D_OWN, Some("2021-11-30T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2021-11-30T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2021-11-30T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "S.B. 949 (2015) still in force on 2018-10-01: 90d → Oct 1 + 90 = Dec 30 2018",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2018-10-01T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2018-12-30T23:59:59-05:00"),
                    sources: &[(CT_90D_OWN, Some("2018-12-30T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2018-12-30T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2018-12-30T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "research D1: S.B. 949 (2015) set the 90 days from 2015-10-01 (not 2018): discovered 2018-09-30 + 90 = Dec 29 2018",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2018-09-30T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2018-12-29T23:59:59-05:00"),
                    sources: &[(CT_90D_OWN, Some("2018-12-29T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2018-12-29T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2018-12-29T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "research D1: S.B. 949's first day 2015-10-01: 90d → Oct 1 + 90 = Dec 30 2015",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2015-10-01T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2015-12-30T23:59:59-05:00"),
                    sources: &[(CT_90D_OWN, Some("2015-12-30T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2015-12-30T23:59:59-05:00"),
                    sources: &[(CT_AG, Some("2015-12-30T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "research D2/A3: the day before, § 36a-701b (P.A. 05-148) said only 'without unreasonable delay': no due time; \
                  the AG notice (P.A. 12-1, research A1) follows it",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2015-09-30T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: None,
                    sources: &[(CT_ASAP_OWN, None)],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: None,
                    sources: &[(CT_AG, None)],
                },
            ],
        },
        Row {
            why: "research A1: the AG notice began 2012-10-01, so a breach of 2012-09-30 has only the residents' notice (no fixed time)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2012-09-30T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: None,
                    sources: &[(CT_ASAP_OWN, None)],
                },
            ],
        },
        Row {
            why: "research A3: § 36a-701b took effect 2006-01-01: nothing for a breach of 2005-12-31",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2005-12-31T12:00:00-05:00")],
            as_of: AS_OF,
            expect: &[],
        },
        Row {
            why: "neither contractor nor own systems (BreachAt::Unknown): both sets of rules; families pending",
            breach_at: BreachAt::Unknown,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-05-10T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: None,
                    sources: &[(CT_2BD, None)],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: None,
                    sources: &[(CT_2BD_WEB, None)],
                },
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D_OWN, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-06-09T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "BreachAt::Unknown with the board told: every incident kind, every clock started",
            breach_at: BreachAt::Unknown,
            contractor: None,
            classes: &[DataClass::DirectoryInformation, DataClass::StudentInformation],
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[
                        (CT_30D, Some("2026-05-10T23:59:59-04:00")),
                        (CT_60D, Some("2026-06-09T23:59:59-04:00")),
                    ],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-04-16T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-04-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D_OWN, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-06-09T23:59:59-04:00"))],
                },
            ],
        },
    ]
}

const NY_7D: &str = "us-ny/contractor-notifies-agency/7d";
const NY_CPO: &str = "us-ny/agency-notifies-cpo/10d";
const NY_FAM: &str = "us-ny/agency-notifies-families/60d";
const NY_DHSES: &str = "us-ny/district-reports-to-dhses/72h";

fn ny_rows() -> Vec<Row> {
    vec![
        Row {
            why: "8 NYCRR 121.10: contractor 7d from discovery (Apr 17), CPO 10d from the contractor's notice (Apr 14 + 10 = Apr 24), \
                  families 60d from it (Apr 14 + 60 = Jun 13)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_agency",
                    due: Some("2026-04-17T23:59:59-04:00"),
                    sources: &[(NY_7D, Some("2026-04-17T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: Some("2026-04-24T23:59:59-04:00"),
                    sources: &[(NY_CPO, Some("2026-04-24T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: Some("2026-06-13T23:59:59-04:00"),
                    sources: &[(NY_FAM, Some("2026-06-13T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "NY rules name no data classes: directory information alone gets the same clocks; pending until the contractor's notice",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: DIRECTORY,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_agency",
                    due: Some("2026-04-17T23:59:59-04:00"),
                    sources: &[(NY_7D, Some("2026-04-17T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: None,
                    sources: &[(NY_CPO, None)],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: None,
                    sources: &[(NY_FAM, None)],
                },
            ],
        },
        Row {
            why: "agency's own breach: board_notified defaults to discovered (IncidentFacts::new, README), so CPO 10d \
                  and families 60d run from discovery (Apr 20, Jun 9); no contractor kind; \
                  Gen. Mun. Law 995-b(2): DHSES 72 hours after discovery (Apr 10 15:00 + 72h = Apr 13 15:00)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: Some("2026-04-20T23:59:59-04:00"),
                    sources: &[(NY_CPO, Some("2026-04-20T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(NY_FAM, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "district_reports_to_state_cybersecurity_office",
                    due: Some("2026-04-13T15:00:00-04:00"),
                    sources: &[(NY_DHSES, Some("2026-04-13T15:00:00-04:00"))],
                },
            ],
        },
        Row {
            why: "Gen. Mun. Law 995-b(2) across the autumn change: 72 elapsed hours from Sat Oct 31 12:00 EDT \
                  (16:00 UTC) end Tue Nov 3 16:00 UTC = 11:00 EST, not 12:00; CPO 10d (Nov 10), families 60d (Dec 30)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-10-31T12:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: Some("2026-11-10T23:59:59-05:00"),
                    sources: &[(NY_CPO, Some("2026-11-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: Some("2026-12-30T23:59:59-05:00"),
                    sources: &[(NY_FAM, Some("2026-12-30T23:59:59-05:00"))],
                },
                Ob {
                    kind: "district_reports_to_state_cybersecurity_office",
                    due: Some("2026-11-03T11:00:00-05:00"),
                    sources: &[(NY_DHSES, Some("2026-11-03T11:00:00-05:00"))],
                },
            ],
        },
        Row {
            why: "own breach before Gen. Mun. Law art. 19-C took effect (chapter 177 of 2025, signed 2025-06-26): \
                  no DHSES report; CPO 10d (Jun 11), families 60d (Jul 31)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2025-06-01T09:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: Some("2025-06-11T23:59:59-04:00"),
                    sources: &[(NY_CPO, Some("2025-06-11T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: Some("2025-07-31T23:59:59-04:00"),
                    sources: &[(NY_FAM, Some("2025-07-31T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "across the spring change: Mar 5 + 7 = Mar 12 (EDT); Mar 6 + 10 = Mar 16; Mar 6 + 60 = May 5",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-03-05T12:00:00-05:00"),
                ("board_notified", "2026-03-06T12:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_agency",
                    due: Some("2026-03-12T23:59:59-04:00"),
                    sources: &[(NY_7D, Some("2026-03-12T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_state_privacy_officer",
                    due: Some("2026-03-16T23:59:59-04:00"),
                    sources: &[(NY_CPO, Some("2026-03-16T23:59:59-04:00"))],
                },
                Ob {
                    kind: "agency_notifies_families",
                    due: Some("2026-05-05T23:59:59-04:00"),
                    sources: &[(NY_FAM, Some("2026-05-05T23:59:59-04:00"))],
                },
            ],
        },
    ]
}

const IL_OPERATOR: &str = "us-il/operator-notifies-school/30d";
const IL_FAM: &str = "us-il/school-notifies-families/30d";
const IL_LIST: &str = "us-il/school-posts-breach-list/semiannual";
const IL_PIPA: &str = "us-il/entity-notifies-residents/asap";
const IL_AG: &str = "us-il/entity-notifies-attorney-general/500";

/// Discovered Fri 2026-04-10 15:00 CDT; the school told Tue 2026-04-14 09:00 CDT.
const APRIL_2026_CHICAGO: Events = &[
    ("discovered", "2026-04-10T15:00:00-05:00"),
    ("board_notified", "2026-04-14T09:00:00-05:00"),
];

fn il_rows() -> Vec<Row> {
    vec![
        Row {
            why: "105 ILCS 85/15 and 85/27(d): operator 30d from determination (May 10), school 30d from the operator's notice (May 14), Central time; research D13: the breach list's next update after \
                  Apr 14 is due Jul 31 (30 days after July 1, 85/27(a)(5))",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: APRIL_2026_CHICAGO,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "operator_notifies_school",
                    due: Some("2026-05-10T23:59:59-05:00"),
                    sources: &[(IL_OPERATOR, Some("2026-05-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_notifies_families",
                    due: Some("2026-05-14T23:59:59-05:00"),
                    sources: &[(IL_FAM, Some("2026-05-14T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_posts_breach_list",
                    due: Some("2026-07-31T23:59:59-05:00"),
                    sources: &[(IL_LIST, Some("2026-07-31T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "operator's breach, school not yet told: families pending",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: DIRECTORY,
            events: &[("discovered", "2026-04-10T15:00:00-05:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "operator_notifies_school",
                    due: Some("2026-05-10T23:59:59-05:00"),
                    sources: &[(IL_OPERATOR, Some("2026-05-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_notifies_families",
                    due: None,
                    sources: &[(IL_FAM, None)],
                },
                Ob {
                    kind: "school_posts_breach_list",
                    due: None,
                    sources: &[(IL_LIST, None)],
                },
            ],
        },
        Row {
            why: "discovered Fri 23:30 CDT (Sat 04:30 UTC): the Chicago date Apr 10 + 30 = May 10",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-11T04:30:00Z")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "operator_notifies_school",
                    due: Some("2026-05-10T23:59:59-05:00"),
                    sources: &[(IL_OPERATOR, Some("2026-05-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_notifies_families",
                    due: None,
                    sources: &[(IL_FAM, None)],
                },
                Ob {
                    kind: "school_posts_breach_list",
                    due: None,
                    sources: &[(IL_LIST, None)],
                },
            ],
        },
        Row {
            why: "the school's own systems: board_notified defaults to discovered, so 85/27(d)'s 30 days run from the \
                  determination (Apr 10 + 30 = May 10); no operator kind. Research D13: the breach list is due in the update \
                  of Jul 31 (85/27(a)(5)); D16: PIPA's resident notice has no fixed time (530/10) and the AG's follows it \
                  (530/10(e)); counts and categories unknown, so both apply",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-05:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "school_notifies_families",
                    due: Some("2026-05-10T23:59:59-05:00"),
                    sources: &[(IL_FAM, Some("2026-05-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_posts_breach_list",
                    due: Some("2026-07-31T23:59:59-05:00"),
                    sources: &[(IL_LIST, Some("2026-07-31T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_residents",
                    due: None,
                    sources: &[(IL_PIPA, None)],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: None,
                    sources: &[(IL_AG, None)],
                },
            ],
        },
        Row {
            why: "research D16 / 815 ILCS 530/10(e): the AG no later than the residents, who were told Apr 20 12:00: \
                  the AG's due time is that moment (the residents' own notice has no fixed time)",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-04-10T15:00:00-05:00"),
                ("residents_notified", "2026-04-20T12:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "school_notifies_families",
                    due: Some("2026-05-10T23:59:59-05:00"),
                    sources: &[(IL_FAM, Some("2026-05-10T23:59:59-05:00"))],
                },
                Ob {
                    kind: "school_posts_breach_list",
                    due: Some("2026-07-31T23:59:59-05:00"),
                    sources: &[(IL_LIST, Some("2026-07-31T23:59:59-05:00"))],
                },
                Ob {
                    kind: "entity_notifies_residents",
                    due: None,
                    sources: &[(IL_PIPA, None)],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-04-20T12:00:00-05:00"),
                    sources: &[(IL_AG, Some("2026-04-20T12:00:00-05:00"))],
                },
            ],
        },
    ]
}

#[test]
fn us_ct_pack() {
    run(CT, &ct_rows());
}

#[test]
fn us_ny_pack() {
    run(NY, &ny_rows());
}

#[test]
fn us_il_pack() {
    run(IL, &il_rows());
}

/// A report that names no contractor and does not say `own_systems`
/// (`BreachAt::Unknown`) gets the kinds of both readings (the contractor's
/// obligations are tracked too), but the district's clocks follow the
/// contractor reading: they start with the board's receipt of notice. This is
/// the hand-worked answer of the shared New York scenario ("vendor 7 days,
/// agency to families 60 days": families due 2026-06-13 for an incident that
/// names no contractor). Only `own_systems: true` starts them at discovery.
#[test]
fn unknown_breach_follows_the_contractor_reading_for_district_clocks() {
    // (config, events, kind, expected operative due or None while pending, why)
    let rows: [(&str, Events, &str, Option<&str>, &str); 6] = [
        (
            NY,
            &[("discovered", "2026-04-10T15:00:00-04:00")],
            "agency_notifies_state_privacy_officer",
            None,
            "8 NYCRR 121.10(b): pending until the contractor's notice",
        ),
        (
            NY,
            &[("discovered", "2026-04-10T15:00:00-04:00")],
            "agency_notifies_families",
            None,
            "8 NYCRR 121.10(e): pending until the contractor's notice",
        ),
        (
            NY,
            APRIL_2026,
            "agency_notifies_state_privacy_officer",
            Some("2026-04-24T23:59:59-04:00"),
            "board notified Apr 14 + 10 calendar days",
        ),
        (
            NY,
            APRIL_2026,
            "agency_notifies_families",
            Some("2026-06-13T23:59:59-04:00"),
            "shared scenario: board notified Apr 14 + 60 calendar days",
        ),
        (
            IL,
            &[("discovered", "2026-04-10T15:00:00-05:00")],
            "school_notifies_families",
            None,
            "105 ILCS 85/27(d): pending until the operator's notice",
        ),
        (
            IL,
            APRIL_2026_CHICAGO,
            "school_notifies_families",
            Some("2026-05-14T23:59:59-05:00"),
            "board notified Apr 14 + 30 calendar days",
        ),
    ];
    for (config, events, kind, due, why) in rows {
        let settings = settings(config);
        let unknown = Row {
            why,
            breach_at: BreachAt::Unknown,
            contractor: None,
            classes: STUDENT_INFO,
            events,
            as_of: AS_OF,
            expect: &[],
        };
        let plans = settings.engine.evaluate(&facts(&unknown), at(AS_OF));
        let contractor_kind = if config == NY {
            "contractor_notifies_agency"
        } else {
            "operator_notifies_school"
        };
        assert!(
            plans.iter().any(|plan| plan.kind == contractor_kind),
            "{why}"
        );
        let plan = plans
            .iter()
            .find(|plan| plan.kind == kind)
            .unwrap_or_else(|| panic!("{kind} missing: {why}"));
        assert_eq!(plan.due_at, due.map(at), "{kind}: {why}");
    }
}

#[test]
fn every_incident_rule_of_every_pack_has_a_row() {
    for (jurisdiction, rows) in [
        ("US-CT", ct_rows()),
        ("US-NY", ny_rows()),
        ("US-IL", il_rows()),
    ] {
        let pack = RulePack::embedded(jurisdiction).unwrap().unwrap();
        let listed = rows
            .iter()
            .flat_map(|row| row.expect.iter())
            .flat_map(|ob| ob.sources.iter());
        let covered: BTreeSet<&str> = listed
            .clone()
            .filter(|(_, due)| due.is_some())
            .map(|&(rule, _)| rule)
            .collect();
        // A rule with no fixed time never has a due time: listing it is enough.
        let listed: BTreeSet<&str> = listed.map(|&(rule, _)| rule).collect();
        for rule in &pack.rules {
            if rule.scope == Scope::Contract {
                assert!(
                    [
                        CONTRACT_NOTICE_RULE,
                        CONTRACT_NOTICE_RULE_2016,
                        CONTRACT_EMAIL_RULE_2016
                    ]
                    .contains(&rule.id.as_str()),
                    "the only contract-scope rules (research D6): {}",
                    rule.id
                );
                assert!(!covered.contains(rule.id.as_str()));
                continue;
            }
            let seen = if rule.due_kind == DueKind::AsSoonAsPracticable {
                &listed
            } else {
                &covered
            };
            assert!(
                seen.contains(rule.id.as_str()),
                "{jurisdiction}: no row applies {}",
                rule.id
            );
            if rule.website_posting {
                let website = format!("{}/website", rule.id);
                assert!(
                    covered.contains(website.as_str()),
                    "{jurisdiction}: no row for {website}"
                );
            }
        }
    }
}

#[test]
fn the_operative_source_gives_clock_party_and_completion() {
    let settings = settings(CT);
    let row = &ct_rows()[0];
    let plans = settings.engine.evaluate(&facts(row), at(AS_OF));
    // (kind, party, operative clock, clock started, completed by event at)
    let expected = [
        (
            "contractor_notifies_board",
            Party::Contractor,
            "discovered",
            Some("2026-04-10T15:00:00-04:00"),
            // us-ct.toml: completed_by = "board_notified"
            Some("2026-04-14T09:00:00-04:00"),
        ),
        (
            "board_notifies_families",
            Party::District,
            "board_notified",
            Some("2026-04-14T09:00:00-04:00"),
            None,
        ),
        (
            "board_posts_website_notice",
            Party::District,
            "board_notified",
            Some("2026-04-14T09:00:00-04:00"),
            None,
        ),
    ];
    assert_eq!(plans.len(), expected.len());
    for (plan, (kind, party, clock, started, completed)) in plans.iter().zip(expected) {
        assert_eq!(plan.kind, kind);
        assert_eq!(plan.party, party, "{kind}");
        assert_eq!(plan.clock.as_str(), clock, "{kind}");
        assert_eq!(plan.clock_started_at, started.map(at), "{kind}");
        assert_eq!(plan.completed_by_event_at, completed.map(at), "{kind}");
        for source in &plan.sources {
            assert!(source
                .source_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://")));
            assert!(!source.citation.is_empty());
        }
    }
}

// ---- overlays: board policy and contract clauses ----------------------------------------

const POLICY_AND_CONTRACT: &str = r#"
[district]
jurisdiction = "US-CT"
timezone = "America/New_York"

[[district.policy]]
kind = "board_notifies_families"
within = "48h"
clock = "board_notified"
citation = "Board policy 3520.13"
effective_from = "2017-02-13"

[[district.contract]]
contractor = "Vendor, Inc."
kind = "contractor_notifies_board"
within = "48h"
clock = "discovered"
citation = "Master services agreement § 6"
"#;

const POLICY_48H: &str = "district-policy/board_notifies_families/48h";
const CONTRACT_48H: &str = "contract/vendorinc/contractor_notifies_board/48h";

#[test]
fn board_policy_and_contract_clause_overlays() {
    let rows = [
        Row {
            why: "policy 3520.13 48h beside the statute's 2bd: Wed Feb 11 10:00 + 48 h = Fri Feb 13 10:00 wins over Tue Feb 17; \
                  contract 48h from discovery (Feb 11 09:00) wins over 30d; the website keeps the statute's 2bd",
            breach_at: BreachAt::Contractor,
            contractor: Some("VENDOR INC"),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-02-09T09:00:00-05:00"),
                ("board_notified", "2026-02-11T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-02-11T09:00:00-05:00"),
                    sources: &[
                        (CT_30D, Some("2026-03-11T23:59:59-04:00")),
                        (CONTRACT_48H, Some("2026-02-11T09:00:00-05:00")),
                    ],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-02-13T10:00:00-05:00"),
                    sources: &[
                        (CT_2BD, Some("2026-02-17T23:59:59-05:00")),
                        (POLICY_48H, Some("2026-02-13T10:00:00-05:00")),
                    ],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-02-17T23:59:59-05:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-02-17T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "another vendor: the contract clause does not bind it",
            breach_at: BreachAt::Contractor,
            contractor: Some("Other Vendor LLC"),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-02-09T09:00:00-05:00"),
                ("board_notified", "2026-02-11T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-03-11T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-03-11T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-02-13T10:00:00-05:00"),
                    sources: &[
                        (CT_2BD, Some("2026-02-17T23:59:59-05:00")),
                        (POLICY_48H, Some("2026-02-13T10:00:00-05:00")),
                    ],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-02-17T23:59:59-05:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-02-17T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "board told Fri 2017-02-10, before the policy's effective_from 2017-02-13: only P.A. 16-189's 48h",
            breach_at: BreachAt::Contractor,
            contractor: Some("Other Vendor LLC"),
            classes: DIRECTORY,
            events: &[
                ("discovered", "2017-02-08T09:00:00-05:00"),
                ("board_notified", "2017-02-10T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-04-09T23:59:59-04:00"),
                    sources: &[(CT_60D, Some("2017-04-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2017-02-12T10:00:00-05:00"),
                    sources: &[(CT_48H, Some("2017-02-12T10:00:00-05:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2017-02-12T10:00:00-05:00"),
                    sources: &[(CT_48H_WEB, Some("2017-02-12T10:00:00-05:00"))],
                },
            ],
        },
        Row {
            why: "board told Mon 2017-02-13, the policy's first day: statute 48h and policy 48h, both Wed Feb 15 10:00",
            breach_at: BreachAt::Contractor,
            contractor: Some("Other Vendor LLC"),
            classes: DIRECTORY,
            events: &[
                ("discovered", "2017-02-08T09:00:00-05:00"),
                ("board_notified", "2017-02-13T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2017-04-09T23:59:59-04:00"),
                    sources: &[(CT_60D, Some("2017-04-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2017-02-15T10:00:00-05:00"),
                    sources: &[
                        (CT_48H, Some("2017-02-15T10:00:00-05:00")),
                        (POLICY_48H, Some("2017-02-15T10:00:00-05:00")),
                    ],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2017-02-15T10:00:00-05:00"),
                    sources: &[(CT_48H_WEB, Some("2017-02-15T10:00:00-05:00"))],
                },
            ],
        },
        Row {
            why: "pending: the policy is in force on as_of's date, so it is listed beside the statute, neither due yet",
            breach_at: BreachAt::Contractor,
            contractor: Some("Vendor Inc."),
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-04-12T15:00:00-04:00"),
                    sources: &[
                        (CT_30D, Some("2026-05-10T23:59:59-04:00")),
                        (CONTRACT_48H, Some("2026-04-12T15:00:00-04:00")),
                    ],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: None,
                    sources: &[(CT_2BD, None), (POLICY_48H, None)],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: None,
                    sources: &[(CT_2BD_WEB, None)],
                },
            ],
        },
        Row {
            why: "own systems: contractor kinds are absent, so neither overlay appears",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: APRIL_2026,
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_60D_OWN, Some("2026-06-09T23:59:59-04:00"))],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-06-09T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-06-09T23:59:59-04:00"))],
                },
            ],
        },
    ];
    run(POLICY_AND_CONTRACT, &rows);
}

#[test]
fn a_contract_clause_matches_the_contractor_ignoring_case_and_punctuation() {
    let settings = settings(POLICY_AND_CONTRACT);
    // (contractor named in the report, whether "Vendor, Inc." is meant)
    let rows = [
        (Some("Vendor, Inc."), true, "as written in the contract"),
        (Some("Vendor Inc."), true, "punctuation ignored"),
        (Some("VENDOR INC"), true, "case ignored"),
        (Some("vendor,inc"), true, "spaces ignored"),
        (
            Some("  Vendor - Inc.  "),
            true,
            "spaces and hyphens ignored",
        ),
        (Some("Vendor Incorporated"), false, "a different name"),
        (Some("Other Vendor, Inc."), false, "a different vendor"),
        (
            Some("Vendor, Inc. of Connecticut"),
            false,
            "a longer name is not the same name",
        ),
        (None, false, "no contractor named"),
    ];
    for (contractor, binds, why) in rows {
        let facts = IncidentFacts::new(
            if contractor.is_some() {
                BreachAt::Contractor
            } else {
                BreachAt::Unknown
            },
            contractor.map(str::to_owned),
            STUDENT_INFO.iter().copied().collect(),
            [(ClockEvent::discovered(), at("2026-04-10T15:00:00-04:00"))].into(),
        );
        let plans = settings.engine.evaluate(&facts, at(AS_OF));
        let plan = plans
            .iter()
            .find(|plan| plan.kind == "contractor_notifies_board")
            .expect("contractor_notifies_board");
        let rules: Vec<&str> = plan
            .sources
            .iter()
            .map(|source| source.rule.as_str())
            .collect();
        assert_eq!(
            rules.contains(&CONTRACT_48H),
            binds,
            "{contractor:?}: {why}"
        );
        let due = if binds {
            "2026-04-12T15:00:00-04:00" // 48 elapsed hours from discovery
        } else {
            "2026-05-10T23:59:59-04:00" // CGS § 10-234dd: Apr 10 + 30
        };
        assert_eq!(plan.due_at, Some(at(due)), "{contractor:?}: {why}");
    }
}

#[test]
fn a_later_policy_leaves_the_statute_operative_and_ends_with_effective_until() {
    let config = r#"
[district]
jurisdiction = "US-CT"
timezone = "America/New_York"

[[district.policy]]
kind = "board_notifies_families"
within = "5d"
clock = "board_notified"
citation = "Board policy 3520.13 (2026 interim)"
effective_from = "2026-01-01"
effective_until = "2026-06-30"

[[district.policy]]
kind = "entity_notifies_residents"
within = "30d"
clock = "discovered"
citation = "Board policy 5125"
"#;
    let rows = [
        Row {
            why: "policy 5d (Fri Feb 6 + 5 = Wed Feb 11) is later than the statute's 2bd (Tue Feb 10): the statute is operative",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-02-05T09:00:00-05:00"),
                ("board_notified", "2026-02-06T10:00:00-05:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-03-07T23:59:59-05:00"),
                    sources: &[(CT_30D, Some("2026-03-07T23:59:59-05:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-02-10T23:59:59-05:00"),
                    sources: &[
                        (CT_2BD, Some("2026-02-10T23:59:59-05:00")),
                        ("district-policy/board_notifies_families/5d", Some("2026-02-11T23:59:59-05:00")),
                    ],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-02-10T23:59:59-05:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-02-10T23:59:59-05:00"))],
                },
            ],
        },
        Row {
            why: "board told Wed 2026-07-01, after the policy's effective_until: statute only, Thu Jul 2 (1), \
                  Fri Jul 3 Independence Day observed, Mon Jul 6 (2)",
            breach_at: BreachAt::Contractor,
            contractor: Some("Acme Learning, Inc."),
            classes: STUDENT_INFO,
            events: &[
                ("discovered", "2026-06-30T09:00:00-04:00"),
                ("board_notified", "2026-07-01T10:00:00-04:00"),
            ],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "contractor_notifies_board",
                    due: Some("2026-07-30T23:59:59-04:00"),
                    sources: &[(CT_30D, Some("2026-07-30T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_notifies_families",
                    due: Some("2026-07-06T23:59:59-04:00"),
                    sources: &[(CT_2BD, Some("2026-07-06T23:59:59-04:00"))],
                },
                Ob {
                    kind: "board_posts_website_notice",
                    due: Some("2026-07-06T23:59:59-04:00"),
                    sources: &[(CT_2BD_WEB, Some("2026-07-06T23:59:59-04:00"))],
                },
            ],
        },
        Row {
            why: "own systems: policy 30d (May 10) beside § 36a-701b's 60d (Jun 9): the policy is operative",
            breach_at: BreachAt::District,
            contractor: None,
            classes: STUDENT_INFO,
            events: &[("discovered", "2026-04-10T15:00:00-04:00")],
            as_of: AS_OF,
            expect: &[
                Ob {
                    kind: "entity_notifies_residents",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[
                        (CT_60D_OWN, Some("2026-06-09T23:59:59-04:00")),
                        ("district-policy/entity_notifies_residents/30d", Some("2026-05-10T23:59:59-04:00")),
                    ],
                },
                Ob {
                    kind: "entity_notifies_attorney_general",
                    due: Some("2026-05-10T23:59:59-04:00"),
                    sources: &[(CT_AG, Some("2026-05-10T23:59:59-04:00"))],
                },
            ],
        },
    ];
    run(config, &rows);
}

#[test]
fn closures_from_the_configuration_reach_the_engine() {
    let config = r#"
[district]
jurisdiction = "US-CT"
timezone = "America/New_York"
closures = ["2026-02-09"]
"#;
    let rows = [Row {
        why: "board told Fri Feb 6, Mon Feb 9 closed: Tue 10 (1), Wed 11 (2)",
        breach_at: BreachAt::Contractor,
        contractor: Some("Acme Learning, Inc."),
        classes: STUDENT_INFO,
        events: &[
            ("discovered", "2026-02-05T09:00:00-05:00"),
            ("board_notified", "2026-02-06T10:00:00-05:00"),
        ],
        as_of: AS_OF,
        expect: &[
            Ob {
                kind: "contractor_notifies_board",
                due: Some("2026-03-07T23:59:59-05:00"),
                sources: &[(CT_30D, Some("2026-03-07T23:59:59-05:00"))],
            },
            Ob {
                kind: "board_notifies_families",
                due: Some("2026-02-11T23:59:59-05:00"),
                sources: &[(CT_2BD, Some("2026-02-11T23:59:59-05:00"))],
            },
            Ob {
                kind: "board_posts_website_notice",
                due: Some("2026-02-11T23:59:59-05:00"),
                sources: &[(CT_2BD_WEB, Some("2026-02-11T23:59:59-05:00"))],
            },
        ],
    }];
    run(config, &rows);
}

#[test]
fn a_business_day_policy_in_new_york_counts_only_closures_as_holidays() {
    // us-ny.toml lists no legal holidays on purpose (see its header): a
    // district overlay in business days skips weekends and configured
    // closures only.
    let policy = r#"
[[district.policy]]
kind = "agency_notifies_families"
within = "2bd"
clock = "board_notified"
citation = "District policy 8635"
"#;
    const NY_POLICY: &str = "district-policy/agency_notifies_families/2bd";
    // (closures, expected policy due, why)
    let cases = [
        (
            "[]",
            "2026-12-28T23:59:59-05:00",
            "Thu Dec 24: Fri 25 counts (no holidays in the NY pack) (1), Mon 28 (2)",
        ),
        (
            "[\"2026-12-25\"]",
            "2026-12-29T23:59:59-05:00",
            "Christmas configured as a closure: Mon 28 (1), Tue 29 (2)",
        ),
    ];
    for (closures, due, why) in cases {
        let config = format!("{NY}closures = {closures}\n{policy}");
        let settings = settings(&config);
        let facts = IncidentFacts::new(
            BreachAt::Contractor,
            Some("Acme Learning, Inc.".into()),
            STUDENT_INFO.iter().copied().collect(),
            [
                (ClockEvent::discovered(), at("2026-12-22T09:00:00-05:00")),
                (
                    ClockEvent::board_notified(),
                    at("2026-12-24T10:00:00-05:00"),
                ),
            ]
            .into(),
        );
        let plans = settings.engine.evaluate(&facts, at(AS_OF));
        let plan = plans
            .iter()
            .find(|plan| plan.kind == "agency_notifies_families")
            .expect("agency_notifies_families");
        let sources: Vec<(&str, Option<DateTime<Utc>>)> = plan
            .sources
            .iter()
            .map(|source| (source.rule.as_str(), source.due_at))
            .collect();
        assert_eq!(
            sources,
            [
                // 8 NYCRR 121.10(e): Dec 24 + 60 = Feb 22 2027
                (NY_FAM, Some(at("2027-02-22T23:59:59-05:00"))),
                (NY_POLICY, Some(at(due))),
            ],
            "{why}"
        );
        assert_eq!(plan.due_at, Some(at(due)), "{why}");
    }
}
