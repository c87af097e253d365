//! Instants as users give them: RFC 3339 with an explicit UTC offset.
//!
//! A local time without an offset is ambiguous around daylight-saving
//! changes (01:30 happens twice in November in New York), so it is refused
//! rather than guessed. Parsed instants are kept in UTC.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use chrono_tz::Tz;
use std::fmt;

/// An instant parsed from an RFC 3339 string that carried its UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

/// Why a timestamp string was refused; the message is safe to show users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("must carry a UTC offset (e.g. \"2025-01-07T14:00:00-05:00\"); a local time is ambiguous around daylight-saving changes")]
    MissingOffset,
    #[error("is not an RFC 3339 timestamp (expected e.g. \"2025-01-07T14:00:00-05:00\")")]
    Malformed,
    #[error("is outside the years 0001 to 9998")]
    OutOfRange,
}

impl Timestamp {
    pub fn parse(input: &str) -> Result<Self, TimestampError> {
        let trimmed = input.trim();
        match DateTime::parse_from_rfc3339(trimmed) {
            // An instant whose year leaves four digits in some zone cannot be
            // shown back as RFC 3339 in every district's zone.
            Ok(parsed) if !(1..=9998).contains(&parsed.with_timezone(&Utc).year()) => {
                Err(TimestampError::OutOfRange)
            }
            Ok(parsed) => Ok(Self(parsed.with_timezone(&Utc))),
            Err(_) if looks_like_local_time(trimmed) => Err(TimestampError::MissingOffset),
            Err(_) => Err(TimestampError::Malformed),
        }
    }

    pub fn from_utc(instant: DateTime<Utc>) -> Self {
        Self(instant)
    }

    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }
}

/// True for "2025-01-07T14:00:00" and "2025-01-07 14:00": a date and a time
/// that would be valid RFC 3339 if an offset were appended.
fn looks_like_local_time(input: &str) -> bool {
    let normalized = input.replacen(' ', "T", 1);
    ["Z", ":00Z"]
        .iter()
        .any(|suffix| DateTime::parse_from_rfc3339(&format!("{normalized}{suffix}")).is_ok())
}

/// Formats an instant as RFC 3339 in the district's zone, the way every
/// timestamp leaves breachd: `2025-01-27T23:59:59-05:00`.
pub fn format_in_zone(instant: DateTime<Utc>, zone: Tz) -> String {
    instant
        .with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// An instant as a person reads it in the district's zone: "Wed 22 Apr
/// 2026, 8:00 AM EDT", with seconds where they matter ("11:59:59 PM", the
/// end of a day).
pub fn readable_in_zone(instant: DateTime<Utc>, zone: Tz) -> String {
    let local = instant.with_timezone(&zone);
    let clock = if local.second() == 0 {
        "%-I:%M %p"
    } else {
        "%-I:%M:%S %p"
    };
    format!(
        "{} {}",
        local.format(&format!("%a %-d %b %Y, {clock}")),
        local.format("%Z")
    )
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_offsets_and_z() {
        let a = Timestamp::parse("2025-01-07T14:00:00-05:00").unwrap();
        let b = Timestamp::parse("2025-01-07T19:00:00Z").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_local_times_with_a_reason() {
        for input in [
            "2025-01-07T14:00:00",
            "2025-01-07 14:00:00",
            "2025-01-07T14:00",
        ] {
            assert_eq!(
                Timestamp::parse(input),
                Err(TimestampError::MissingOffset),
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_garbage() {
        for input in ["", "yesterday", "2025-13-07T14:00:00Z", "2025-01-07"] {
            assert!(Timestamp::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn formats_in_the_district_zone() {
        let t = Timestamp::parse("2025-01-28T04:59:59Z").unwrap();
        assert_eq!(
            format_in_zone(t.utc(), chrono_tz::America::New_York),
            "2025-01-27T23:59:59-05:00"
        );
    }
}
