//! Cron schedules evaluated in the district's time zone with Vixie-cron
//! semantics across daylight-saving changes.
//!
//! The `cron` crate parses the expression; its own zone-aware iteration
//! skips a 02:30 job on the spring-forward day and fires a 01:30 job twice on
//! the fall-back day. Here the schedule is walked in local wall-clock time
//! and each local time is then placed on the timeline: a time that does not
//! exist (skipped by the spring change) fires right after the jump, and a
//! time that happens twice (the fall change) fires once, at its first
//! occurrence.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use cron::Schedule;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct LocalSchedule {
    schedule: Schedule,
    zone: Tz,
    expression: String,
}

impl LocalSchedule {
    pub fn parse(expression: &str, zone: Tz) -> Result<Self, String> {
        let schedule =
            Schedule::from_str(expression).map_err(|error| format!("{expression:?}: {error}"))?;
        Ok(Self {
            schedule,
            zone,
            expression: expression.to_owned(),
        })
    }

    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first fire instant strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Walk wall-clock times from a little before `after`'s local time: a
        // local time before it can still map after it across a change.
        let local_after = after.with_timezone(&self.zone).naive_local();
        let start = as_fake_utc(local_after - Duration::hours(3));
        self.schedule
            .after(&start)
            .take(100_000)
            .map(|fake| self.place(fake.naive_utc()))
            .find(|&instant| instant > after)
    }

    /// Places a wall-clock time on the timeline (see the module header).
    fn place(&self, local: NaiveDateTime) -> DateTime<Utc> {
        if let Some(instant) = self.zone.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        // In a spring-forward gap: the first wall-clock minute that exists
        // is the jump itself.
        let mut probe = local.with_second(0).unwrap_or(local);
        for _ in 0..(24 * 60) {
            probe += Duration::minutes(1);
            if let Some(instant) = self.zone.from_local_datetime(&probe).earliest() {
                return instant.with_timezone(&Utc);
            }
        }
        unreachable!("no zone has a gap longer than a day")
    }
}

fn as_fake_utc(local: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&local)
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

    fn fires(expression: &str, from: &str, count: usize) -> Vec<String> {
        let schedule = LocalSchedule::parse(expression, New_York).unwrap();
        let mut out = Vec::new();
        let mut cursor = at(from);
        for _ in 0..count {
            cursor = schedule.next_after(cursor).unwrap();
            out.push(cursor.with_timezone(&New_York).to_rfc3339());
        }
        out
    }

    #[test]
    fn a_skipped_spring_time_fires_right_after_the_jump() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
        assert_eq!(
            fires("0 30 2 * * *", "2026-03-06T12:00:00-05:00", 3),
            [
                "2026-03-07T02:30:00-05:00",
                "2026-03-08T03:00:00-04:00",
                "2026-03-09T02:30:00-04:00"
            ]
        );
    }

    #[test]
    fn a_repeated_fall_time_fires_once() {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST.
        assert_eq!(
            fires("0 30 1 * * *", "2026-10-31T12:00:00-04:00", 2),
            ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
        );
    }

    #[test]
    fn the_default_digest_runs_weekday_mornings_local_time() {
        assert_eq!(
            fires("0 0 7 * * Mon-Fri", "2026-03-06T08:00:00-05:00", 2),
            ["2026-03-09T07:00:00-04:00", "2026-03-10T07:00:00-04:00"]
        );
    }

    #[test]
    fn several_skipped_times_fire_once_after_the_jump() {
        let fired = fires("0 0,15,30,45 2 * * *", "2026-03-07T23:00:00-05:00", 2);
        assert_eq!(
            fired,
            ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]
        );
    }

    #[test]
    fn bad_expressions_are_refused() {
        assert!(LocalSchedule::parse("every morning", New_York).is_err());
    }
}
