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
    /// The moment the party concluded that a breach occurred (PA, CO, FL,
    /// TX and IL clocks run from it); never before discovery.
    pub const DETERMINED: &'static str = "determined";
    /// The district's own notice to affected individuals went out: the
    /// clock of duties "no later than" or "N days after" that notice.
    pub const RESIDENTS_NOTIFIED: &'static str = "residents_notified";
    /// Eradication, closure and recovery of the incident (Tex. Gov't Code
    /// § 2054.603(c) counts its report from it).
    pub const RECOVERED: &'static str = "recovered";
    /// A law-enforcement agency asked that notice be delayed.
    pub const DELAY_REQUESTED: &'static str = "delay_requested";
    /// That agency said notice no longer compromises its investigation (or,
    /// under 8 NYCRR 121.10(e), the vulnerability was remedied).
    pub const DELAY_ENDED: &'static str = "delay_ended";
    /// A contract with a contractor was executed (contract-scope clocks).
    pub const CONTRACT_EXECUTED: &'static str = "contract_executed";
    /// A family's privacy request reached the district (request-scope
    /// clocks).
    pub const RECEIVED: &'static str = "received";

    /// The events breachd knows the meaning of, whatever the pack: a pack's
    /// clock that is neither one of these nor the completing event of one of
    /// its kinds is most likely a typo.
    pub const STANDARD: [&'static str; 9] = [
        Self::DISCOVERED,
        Self::BOARD_NOTIFIED,
        Self::DETERMINED,
        Self::RESIDENTS_NOTIFIED,
        Self::RECOVERED,
        Self::DELAY_REQUESTED,
        Self::DELAY_ENDED,
        Self::CONTRACT_EXECUTED,
        Self::RECEIVED,
    ];

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

    pub fn determined() -> Self {
        Self(Self::DETERMINED.to_owned())
    }

    pub fn delay_requested() -> Self {
        Self(Self::DELAY_REQUESTED.to_owned())
    }

    pub fn received() -> Self {
        Self(Self::RECEIVED.to_owned())
    }

    pub fn delay_ended() -> Self {
        Self(Self::DELAY_ENDED.to_owned())
    }

    pub fn contract_executed() -> Self {
        Self(Self::CONTRACT_EXECUTED.to_owned())
    }

    /// Whether breachd knows this event's meaning without a pack (see `STANDARD`).
    pub fn is_standard(&self) -> bool {
        Self::STANDARD.contains(&self.0.as_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A law-enforcement agency's request that notice be delayed, as the
/// district recorded it. Its times are the `delay_requested` and
/// `delay_ended` events; this says who asked and how, because some statutes
/// hold the clock only for a written request (105 ILCS 85/27(d)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelayRequest {
    #[schema(max_length = 300, example = "the state police")]
    pub agency: String,
    /// Whether the request was made in writing.
    pub written: bool,
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
