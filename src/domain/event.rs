//! Clock events: the moments that start (or complete) legal clocks, such as
//! `discovered` and `board_notified`. Rule packs name the events they use, so
//! the type is an open identifier rather than a closed enum; the engine checks
//! every event against the active rule pack.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockEvent(String);

impl ClockEvent {
    pub const DISCOVERED: &'static str = "discovered";
    pub const BOARD_NOTIFIED: &'static str = "board_notified";

    /// Lowercase ASCII letters, digits and underscores, starting with a letter.
    pub fn parse(input: &str) -> Result<Self, String> {
        let valid = !input.is_empty()
            && input.len() <= 64
            && input.starts_with(|c: char| c.is_ascii_lowercase())
            && input
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(Self(input.to_owned()))
        } else {
            Err(format!(
                "{input:?} is not an event name (lowercase letters, digits and underscores)"
            ))
        }
    }

    pub fn discovered() -> Self {
        Self(Self::DISCOVERED.to_owned())
    }

    pub fn board_notified() -> Self {
        Self(Self::BOARD_NOTIFIED.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClockEvent {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClockEvent> for String {
    fn from(value: ClockEvent) -> Self {
        value.0
    }
}

impl fmt::Display for ClockEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
