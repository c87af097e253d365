//! Deadline arithmetic: the three units, as a district counts them.
//!
//! - elapsed hours: start + N hours, as instants (DST changes do not stretch
//!   or shrink the window);
//! - calendar days: the day of the event is not counted; the last day is the
//!   local date of the start + N; due at 23:59:59 local that day;
//! - business days: counted from the day after the start's local date,
//!   skipping weekends, legal holidays and closures; due at 23:59:59 local on
//!   the N-th business day.
//!
//! Dates are always the district's local dates, never UTC dates.

use super::calendar::BusinessCalendar;
use super::within::Within;
use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The due time of a span that starts at `start`.
///
/// `Within::NoFixedTime` has none: this answers `start` itself, the
/// strictest reading; the engine never asks, and callers that may hold such
/// a span use [`try_due_at`].
pub fn due_at(
    start: DateTime<Utc>,
    within: Within,
    zone: Tz,
    calendar: &BusinessCalendar,
) -> DateTime<Utc> {
    try_due_at(start, within, zone, calendar).unwrap_or(start)
}

/// The due time of a span, or `None` for `Within::NoFixedTime`.
pub fn try_due_at(
    start: DateTime<Utc>,
    within: Within,
    zone: Tz,
    calendar: &BusinessCalendar,
) -> Option<DateTime<Utc>> {
    let start_date = start.with_timezone(&zone).date_naive();
    Some(match within {
        Within::NoFixedTime => return None,
        Within::ElapsedHours(hours) => start + Duration::hours(i64::from(hours)),
        Within::CalendarDays(days) => {
            let last_day = start_date
                .checked_add_days(Days::new(u64::from(days)))
                .expect("a parsed timestamp plus at most 3660 days is within chrono's range");
            end_of_local_day(last_day, zone)
        }
        Within::BusinessDays(days) => {
            end_of_local_day(calendar.nth_business_day_after(start_date, days), zone)
        }
    })
}

/// Where N.Y. Gen. Constr. Law § 25-a (or a like rule) lets an act due on a
/// Saturday, Sunday or public holiday be done on the next business day: the
/// end of that day, or `None` when `due` already falls on a business day.
pub fn rolled_forward(
    due: DateTime<Utc>,
    zone: Tz,
    calendar: &BusinessCalendar,
) -> Option<DateTime<Utc>> {
    let date = local_date(due, zone);
    if calendar.is_business_day(date) {
        return None;
    }
    Some(end_of_local_day(
        calendar.nth_business_day_after(date, 1),
        zone,
    ))
}

/// 23:59:59 local on `date`, as an instant.
///
/// Were that local time skipped or repeated by a zone's transition, the
/// earliest instant that exists is taken: an earlier deadline is the safe
/// reading.
pub fn end_of_local_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let last_second = NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a valid time");
    let mut local = date.and_time(last_second);
    loop {
        if let Some(instant) = zone.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        // Inside a gap: step back until the local time exists.
        local -= Duration::minutes(1);
    }
}

/// The district-local calendar date of an instant.
pub fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn table() {
        let calendar = BusinessCalendar::default();
        // (start, within, expected due, why)
        let cases = [
            (
                "2026-03-07T10:00:00-05:00",
                "48h",
                "2026-03-09T11:00:00-04:00",
                "spring change: 48 h counted as instants",
            ),
            (
                "2026-10-31T10:00:00-04:00",
                "48h",
                "2026-11-02T09:00:00-05:00",
                "fall change: 48 h counted as instants",
            ),
            (
                "2026-04-10T15:00:00-04:00",
                "30d",
                "2026-05-10T23:59:59-04:00",
                "event day not counted",
            ),
            (
                "2026-04-10T23:30:00-04:00",
                "1d",
                "2026-04-11T23:59:59-04:00",
                "late evening: local date, not UTC date",
            ),
            (
                "2026-04-11T02:30:00Z",
                "1d",
                "2026-04-11T23:59:59-04:00",
                "UTC date is the 11th, local date the 10th",
            ),
            (
                "2026-03-07T10:00:00-05:00",
                "1d",
                "2026-03-08T23:59:59-04:00",
                "calendar day ends in the new offset",
            ),
            (
                "2026-03-06T12:00:00-05:00",
                "2bd",
                "2026-03-10T23:59:59-04:00",
                "Friday + 2 business days skips the weekend",
            ),
            (
                "2026-03-09T00:00:00-04:00",
                "1bd",
                "2026-03-10T23:59:59-04:00",
                "counted from the day after",
            ),
        ];
        for (start, within, expected, why) in cases {
            let due = due_at(at(start), within.parse().unwrap(), New_York, &calendar);
            assert_eq!(due, at(expected), "{why}");
        }
    }

    #[test]
    fn end_of_day_in_a_zone_whose_midnight_jumps() {
        // America/Havana springs forward at midnight (00:00 → 01:00), which
        // leaves 23:59:59 of the day before intact.
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        let instant = end_of_local_day(date, chrono_tz::America::Havana);
        assert_eq!(
            instant
                .with_timezone(&chrono_tz::America::Havana)
                .date_naive(),
            date
        );
    }
}
