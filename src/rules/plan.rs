//! What the engine answers: one `ObligationPlan` per duty, each with the
//! `SourcePlan` of every rule, policy or contract clause that sets its
//! deadline. Source plans are stored with the obligation, so every field
//! added since the first release has a serde default: older rows still read.

use super::clause::{DelayShape, DueKind};
use super::within::Within;
use crate::domain::{ClockEvent, Party};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A fact the engine did not have, and the strict reading it took instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// The rule has a resident-count threshold and the count is unknown: the
    /// rule was applied.
    AffectedResidentsUnknown,
    /// The rule has an enrollment-share threshold and the number of affected
    /// students is unknown: applied.
    AffectedStudentsUnknown,
    /// The rule has an enrollment-share threshold and enrollment is unknown:
    /// applied.
    EnrollmentUnknown,
    /// The rule covers only "personal information" and the exposed elements'
    /// categories were not given: applied.
    PersonalInformationUnclassified,
    /// An element the taxonomy does not know was counted as personal
    /// information.
    UnknownElementCounted,
}

/// Why a recorded law-enforcement delay does not hold a source's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotHeldReason {
    /// The rule requires a written request and the request was not written.
    NotWritten,
    /// The rule requires a written request and nobody recorded whether it was.
    WrittenUnknown,
    /// The request came after the deadline had passed.
    AfterDeadline,
}

/// What a recorded law-enforcement delay did to a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DelayOutcome {
    /// The rule has no delay clause: the delay does not move its deadline.
    NotProvided,
    /// The delay does not hold this clock, and why.
    NotHeld { reason: NotHeldReason },
    /// Notice is on hold since `since`: no due time until the delay ends.
    OnHold {
        since: DateTime<Utc>,
        shape: DelayShape,
    },
    /// The delay ran from `since` to `ended`; the due time is the shape's
    /// (none, for `pause_then_promptly`: due promptly).
    Ended {
        since: DateTime<Utc>,
        ended: DateTime<Utc>,
        shape: DelayShape,
    },
}

/// A deadline that a filing may extend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionPlan {
    /// The event that records the filing.
    pub event: ClockEvent,
    /// How much longer the filing gives; `None` when the statute sets no length.
    pub within: Option<Within>,
    pub citation: String,
    pub filed_at: Option<DateTime<Utc>>,
    /// Whether the filing came by the deadline (required for it to extend).
    pub filed_in_time: bool,
    /// The extended deadline, once a filing in time is recorded.
    pub extended_due_at: Option<DateTime<Utc>>,
}

/// One source of an obligation's deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcePlan {
    pub rule: String,
    pub citation: String,
    pub source_url: Option<String>,
    pub description: Option<String>,
    pub within: Within,
    pub clock: ClockEvent,
    pub clock_started_at: Option<DateTime<Utc>>,
    /// The strict deadline; `None` while the clock has not started, while
    /// on hold, or where the law sets no fixed time (see `due_kind`).
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub due_kind: DueKind,
    /// For a pack rule: whether it was verified; `None` for a district's own
    /// policy or contract clause (and plans stored before this existed).
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    /// For a `relative` rule: the kind whose duty it is tied to.
    #[serde(default)]
    pub relative_to: Option<String>,
    /// This duty comes after that kind's.
    #[serde(default)]
    pub after: Option<String>,
    /// Where the law sets no fixed time but an outer limit.
    #[serde(default)]
    pub outer_bound_at: Option<DateTime<Utc>>,
    /// A law-enforcement delay holds this clock now.
    #[serde(default)]
    pub on_hold: bool,
    #[serde(default)]
    pub delay: Option<DelayOutcome>,
    /// The next business day when `due_at` falls on a weekend or holiday and
    /// a roll rule (N.Y. Gen. Constr. Law § 25-a) may apply: a secondary date,
    /// never the deadline.
    #[serde(default)]
    pub rolled_due_at: Option<DateTime<Utc>>,
    /// The citation of that roll rule.
    #[serde(default)]
    pub rolled_by: Option<String>,
    #[serde(default)]
    pub extension: Option<ExtensionPlan>,
    #[serde(default)]
    pub assumptions: Vec<Assumption>,
}

impl SourcePlan {
    /// A source whose due time is `within` after its clock, nothing more: a
    /// district's policy or contract clause.
    pub fn plain(
        rule: String,
        citation: String,
        within: Within,
        clock: ClockEvent,
        clock_started_at: Option<DateTime<Utc>>,
        due_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            rule,
            citation,
            source_url: None,
            description: None,
            within,
            clock,
            clock_started_at,
            due_at,
            due_kind: DueKind::Fixed,
            // The district's own policy or contract: its text is the source.
            verified: Some(true),
            note: None,
            relative_to: None,
            after: None,
            outer_bound_at: None,
            on_hold: false,
            delay: None,
            rolled_due_at: None,
            rolled_by: None,
            extension: None,
            assumptions: Vec::new(),
        }
    }
}

/// An obligation as the rules derive it, before any completion or waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct ObligationPlan {
    pub kind: String,
    pub title: String,
    pub party: Party,
    pub recipient: String,
    /// The clock of the operative source (or of the first, while pending).
    pub clock: ClockEvent,
    pub clock_started_at: Option<DateTime<Utc>>,
    /// The earliest due time of the sources whose clocks have started.
    pub due_at: Option<DateTime<Utc>>,
    pub sources: Vec<SourcePlan>,
    /// When the event that fulfils this kind was recorded, if it was.
    pub completed_by_event_at: Option<DateTime<Utc>>,
    /// The operative source's kind of deadline: with no `due_at`,
    /// `as_soon_as_practicable` means "due, with no fixed time" (not pending).
    pub due_kind: DueKind,
    /// No source gives a due time because a law-enforcement delay holds it.
    pub on_hold: bool,
    /// The operative source's rolled date (see `SourcePlan::rolled_due_at`).
    pub rolled_due_at: Option<DateTime<Utc>>,
    /// The operative source's outer bound, where the law sets no fixed time.
    pub outer_bound_at: Option<DateTime<Utc>>,
    /// A kind this duty must follow whose completing event is not recorded.
    pub waiting_for: Option<String>,
    /// Every fact assumed by any source (the strict readings taken).
    pub assumptions: Vec<Assumption>,
}

impl ObligationPlan {
    /// The source that sets the plan's due time (or the first, if none does).
    pub fn operative(&self) -> Option<&SourcePlan> {
        self.sources
            .iter()
            .find(|source| {
                source.due_at == self.due_at
                    && source.clock == self.clock
                    && source.clock_started_at == self.clock_started_at
            })
            .or_else(|| self.sources.first())
    }
}
