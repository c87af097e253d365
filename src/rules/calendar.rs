//! Business-day calendars: weekends, a jurisdiction's legal holidays computed
//! by rule for any year, and the district's own closures.
//!
//! No maintained crate computes Connecticut's holidays (Lincoln Day, Good
//! Friday, its Saturday→Friday / Sunday→Monday observance), so holidays are
//! data in the rule pack and this module evaluates them. Observance follows
//! Conn. Gen. Stat. § 1-4: a holiday not designated to fall on a Monday that
//! occurs on a Sunday is observed the Monday after; on a Saturday, the Friday
//! before.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;

/// How a holiday's date is found in a given year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolidayDate {
    /// The same month and day every year (Lincoln Day: February 12).
    Fixed { month: u32, day: u32 },
    /// The n-th given weekday of a month (Thanksgiving: 4th Thursday of November).
    NthWeekday { month: u32, weekday: Weekday, n: u8 },
    /// The last given weekday of a month (Memorial Day).
    LastWeekday { month: u32, weekday: Weekday },
    /// Days relative to Western (Gregorian) Easter Sunday (Good Friday: -2).
    EasterOffset { days: i64 },
    /// The first given weekday on or after a month and day: "the first
    /// Tuesday after the first Monday in November" (Election Day) is the
    /// Tuesday on or after November 2, which no n-th weekday gives.
    WeekdayOnOrAfter {
        month: u32,
        day: u32,
        weekday: Weekday,
    },
}

/// What happens when a holiday falls on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Observance {
    /// The date is the holiday, weekend or not.
    #[default]
    None,
    /// Sunday → the Monday after; Saturday → not moved.
    SundayToMonday,
    /// Sunday → the Monday after; Saturday → the Friday before.
    NearestWeekday,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub date: HolidayDate,
    pub observance: Observance,
    /// First year the holiday is observed (Juneteenth in Connecticut: 2023).
    pub from_year: Option<i32>,
    pub until_year: Option<i32>,
    /// A legal holiday only because the Governor or the President proclaims
    /// it each year (Conn. Gen. Stat. § 1-4: Good Friday, Thanksgiving).
    pub proclaimed: bool,
    /// Years in which such a holiday was not proclaimed, and so is a
    /// business day.
    pub unproclaimed_years: BTreeSet<i32>,
    /// Used only for rolled dates (N.Y. Gen. Constr. Law § 25-a), never to
    /// count business days.
    pub rolled_dates_only: bool,
}

impl Holiday {
    /// A holiday observed every year from `date`, with no proclamation needed.
    pub fn every_year(name: &str, date: HolidayDate, observance: Observance) -> Self {
        Self {
            name: name.to_owned(),
            date,
            observance,
            from_year: None,
            until_year: None,
            proclaimed: false,
            unproclaimed_years: BTreeSet::new(),
            rolled_dates_only: false,
        }
    }

    /// The date on which the holiday is observed in `year`, if it is one.
    pub fn observed_in(&self, year: i32) -> Option<NaiveDate> {
        if self.from_year.is_some_and(|from| year < from)
            || self.until_year.is_some_and(|until| year > until)
            || self.unproclaimed_years.contains(&year)
        {
            return None;
        }
        let actual = match self.date {
            HolidayDate::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day)?,
            HolidayDate::NthWeekday { month, weekday, n } => {
                NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)?
            }
            HolidayDate::LastWeekday { month, weekday } => {
                last_weekday_of_month(year, month, weekday)?
            }
            HolidayDate::WeekdayOnOrAfter {
                month,
                day,
                weekday,
            } => {
                let mut date = NaiveDate::from_ymd_opt(year, month, day)?;
                while date.weekday() != weekday {
                    date = date.succ_opt()?;
                }
                date
            }
            HolidayDate::EasterOffset { days } => {
                let easter = easter_sunday(year)?;
                if days >= 0 {
                    easter.checked_add_days(Days::new(days.unsigned_abs()))?
                } else {
                    easter.checked_sub_days(Days::new(days.unsigned_abs()))?
                }
            }
        };
        Some(match (self.observance, actual.weekday()) {
            (Observance::SundayToMonday | Observance::NearestWeekday, Weekday::Sun) => {
                actual.succ_opt()?
            }
            (Observance::NearestWeekday, Weekday::Sat) => actual.pred_opt()?,
            _ => actual,
        })
    }
}

fn last_weekday_of_month(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = first_of_next.pred_opt()?;
    while day.weekday() != weekday {
        day = day.pred_opt()?;
    }
    Some(day)
}

/// Western Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Which local dates are business days for a district.
#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    holidays: Vec<Holiday>,
    closures: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn new(holidays: Vec<Holiday>, closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays,
            closures: closures.into_iter().collect(),
        }
    }

    /// The legal holiday observed on `date`, if any.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<&str> {
        // A New Year's Day on a Saturday is observed on December 31 of the
        // year before, so the following year's holidays are checked too.
        self.holidays.iter().find_map(|holiday| {
            [date.year() - 1, date.year(), date.year() + 1]
                .into_iter()
                .any(|year| holiday.observed_in(year) == Some(date))
                .then_some(holiday.name.as_str())
        })
    }

    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.closures.contains(&date)
            && self.holiday_on(date).is_none()
    }

    /// The `n`-th business day after `start`, not counting `start` itself.
    pub fn nth_business_day_after(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut counted = 0;
        while counted < n {
            // A date 2^18 years away is not reachable from a parsed timestamp.
            day = day
                .succ_opt()
                .expect("business day within chrono's date range");
            if self.is_business_day(day) {
                counted += 1;
            }
        }
        day
    }

    /// Every observed holiday in `year`, sorted, for display and tests.
    pub fn holidays_in(&self, year: i32) -> Vec<(NaiveDate, &str)> {
        let mut days: Vec<(NaiveDate, &str)> = self
            .holidays
            .iter()
            .flat_map(|holiday| {
                [year - 1, year, year + 1]
                    .into_iter()
                    .filter_map(|y| holiday.observed_in(y))
                    .filter(|date| date.year() == year)
                    .map(|date| (date, holiday.name.as_str()))
            })
            .collect();
        days.sort();
        days
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        // Published Easter Sunday dates.
        for (year, month, day) in [
            (2016, 3, 27),
            (2017, 4, 16),
            (2019, 4, 21),
            (2022, 4, 17),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), Some(d(year, month, day)), "{year}");
        }
    }

    #[test]
    fn last_weekday() {
        assert_eq!(
            last_weekday_of_month(2026, 5, Weekday::Mon),
            Some(d(2026, 5, 25))
        );
        assert_eq!(
            last_weekday_of_month(2026, 12, Weekday::Thu),
            Some(d(2026, 12, 31))
        );
    }

    #[test]
    fn observance_moves_weekend_holidays() {
        let new_year = Holiday::every_year(
            "New Year's Day",
            HolidayDate::Fixed { month: 1, day: 1 },
            Observance::NearestWeekday,
        );
        // 2022-01-01 was a Saturday: observed Friday 2021-12-31.
        let calendar = BusinessCalendar::new(vec![new_year], []);
        assert_eq!(calendar.holiday_on(d(2021, 12, 31)), Some("New Year's Day"));
        assert!(!calendar.is_business_day(d(2021, 12, 31)));
        assert_eq!(
            calendar.holidays_in(2021),
            vec![
                (d(2021, 1, 1), "New Year's Day"),
                (d(2021, 12, 31), "New Year's Day")
            ]
        );
        assert!(calendar.holidays_in(2022).is_empty());
    }

    /// "The first Tuesday after the first Monday in November" falls on
    /// November 2-8: in 2027 (Monday November 1) on the 2nd, in 2026 (Monday
    /// November 2) on the 3rd, and in 2022, when November 1 was itself a
    /// Tuesday, not on the 1st but the 8th.
    #[test]
    fn election_day_is_the_tuesday_after_the_first_monday() {
        let election = Holiday::every_year(
            "Election Day",
            HolidayDate::WeekdayOnOrAfter {
                month: 11,
                day: 2,
                weekday: Weekday::Tue,
            },
            Observance::None,
        );
        assert_eq!(election.observed_in(2026), Some(d(2026, 11, 3)));
        assert_eq!(election.observed_in(2027), Some(d(2027, 11, 2)));
        // November 1, 2022 was a Tuesday: not the one after the first Monday.
        assert_eq!(election.observed_in(2022), Some(d(2022, 11, 8)));
    }

    #[test]
    fn closures_are_not_business_days() {
        let calendar = BusinessCalendar::new(vec![], [d(2026, 3, 10)]);
        assert_eq!(
            calendar.nth_business_day_after(d(2026, 3, 7), 2),
            d(2026, 3, 11)
        );
    }

    #[test]
    fn from_year_limits_a_holiday() {
        let juneteenth = Holiday {
            from_year: Some(2023),
            ..Holiday::every_year(
                "Juneteenth",
                HolidayDate::Fixed { month: 6, day: 19 },
                Observance::NearestWeekday,
            )
        };
        assert_eq!(juneteenth.observed_in(2022), None);
        assert_eq!(juneteenth.observed_in(2023), Some(d(2023, 6, 19)));
    }

    #[test]
    fn a_year_without_a_proclamation_is_a_business_day() {
        // Conn. Gen. Stat. § 1-4: Good Friday is a holiday only when proclaimed.
        let good_friday = Holiday {
            proclaimed: true,
            unproclaimed_years: [2026].into(),
            ..Holiday::every_year(
                "Good Friday",
                HolidayDate::EasterOffset { days: -2 },
                Observance::None,
            )
        };
        assert_eq!(good_friday.observed_in(2025), Some(d(2025, 4, 18)));
        assert_eq!(good_friday.observed_in(2026), None);
    }
}
