//! How long a party has: `48h` (elapsed hours), `30d` (calendar days) or
//! `2bd` (business days), the notation of rule packs and of the district's
//! configuration; and, for a source whose statute sets no time at all ("as
//! soon as practicable", "without unreasonable delay"), `asap`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The largest count accepted, to catch typos such as `3000d`.
pub const MAX_COUNT: u32 = 3660;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Within {
    ElapsedHours(u32),
    CalendarDays(u32),
    BusinessDays(u32),
    /// No fixed time: the statute says "as soon as practicable" or "without
    /// unreasonable delay". A plan records it as `asap`; it is never parsed
    /// from a district's configuration (`FromStr` refuses it), and a rule
    /// pack says it with `due_kind = "as_soon_as_practicable"`.
    NoFixedTime,
}

/// How a plan spells `Within::NoFixedTime`.
pub const NO_FIXED_TIME: &str = "asap";

impl Within {
    pub fn unit_name(self) -> &'static str {
        match self {
            Within::ElapsedHours(_) => "elapsed hours",
            Within::CalendarDays(_) => "calendar days",
            Within::BusinessDays(_) => "business days",
            Within::NoFixedTime => "as soon as practicable",
        }
    }

    pub fn count(self) -> u32 {
        match self {
            Within::ElapsedHours(n) | Within::CalendarDays(n) | Within::BusinessDays(n) => n,
            Within::NoFixedTime => 0,
        }
    }

    /// "48 elapsed hours", for letters and tables.
    pub fn describe(self) -> String {
        match self {
            Within::NoFixedTime => "as soon as practicable (no fixed time)".to_owned(),
            _ => format!("{} {}", self.count(), self.unit_name()),
        }
    }

    /// Whether the span ends at a time that can be computed.
    pub fn is_fixed(self) -> bool {
        self != Within::NoFixedTime
    }
}

impl FromStr for Within {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(digits_end);
        let usage = "expected a whole number and a unit: \"48h\" (elapsed hours), \"30d\" (calendar days) or \"2bd\" (business days)";
        let count: u32 = digits
            .parse()
            .map_err(|_| format!("{input:?} is not a duration; {usage}"))?;
        if count == 0 || count > MAX_COUNT {
            return Err(format!(
                "{input:?}: the count must be between 1 and {MAX_COUNT}"
            ));
        }
        match unit {
            "h" => Ok(Within::ElapsedHours(count)),
            "d" => Ok(Within::CalendarDays(count)),
            "bd" => Ok(Within::BusinessDays(count)),
            _ => Err(format!("{input:?} has an unknown unit; {usage}")),
        }
    }
}

impl fmt::Display for Within {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Within::ElapsedHours(n) => write!(f, "{n}h"),
            Within::CalendarDays(n) => write!(f, "{n}d"),
            Within::BusinessDays(n) => write!(f, "{n}bd"),
            Within::NoFixedTime => f.write_str(NO_FIXED_TIME),
        }
    }
}

impl TryFrom<String> for Within {
    type Error = String;
    /// Also reads `asap`, so that a stored plan's source round-trips.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value == NO_FIXED_TIME {
            return Ok(Within::NoFixedTime);
        }
        value.parse()
    }
}

impl From<Within> for String {
    fn from(value: Within) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit_and_round_trips() {
        for (text, expected) in [
            ("48h", Within::ElapsedHours(48)),
            ("30d", Within::CalendarDays(30)),
            ("2bd", Within::BusinessDays(2)),
            (" 7d ", Within::CalendarDays(7)),
        ] {
            let parsed: Within = text.parse().unwrap();
            assert_eq!(parsed, expected);
            assert_eq!(parsed.to_string().parse::<Within>().unwrap(), expected);
        }
    }

    #[test]
    fn no_fixed_time_round_trips_through_serde_but_is_never_parsed() {
        let json = serde_json::to_string(&Within::NoFixedTime).unwrap();
        assert_eq!(json, "\"asap\"");
        assert_eq!(
            serde_json::from_str::<Within>(&json).unwrap(),
            Within::NoFixedTime
        );
        assert!("asap".parse::<Within>().is_err());
        assert!(!Within::NoFixedTime.is_fixed());
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for text in [
            "", "h", "48", "0d", "48 h", "2 bd", "48hours", "-1d", "1.5d", "99999d", "2BD", "3w",
        ] {
            assert!(
                text.parse::<Within>().is_err(),
                "{text:?} should be refused"
            );
        }
    }
}
