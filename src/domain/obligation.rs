//! Obligations: one party's duty to notify another by a deadline, and the
//! status an obligation is in at a given instant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// Who owes an obligation. Reminders go to the district's own contacts for
/// both: for the contractor's obligations they serve to chase the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Contractor,
    District,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Contractor => "contractor",
            Party::District => "district",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Party::Contractor, Party::District]
            .into_iter()
            .find(|party| party.as_str() == text)
    }
}

impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an obligation is owed about: a breach (an incident), a family's
/// privacy request or a contract with a vendor. Exactly one, so no
/// obligation belongs to two or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Incident(uuid::Uuid),
    Request(uuid::Uuid),
    Contract(uuid::Uuid),
}

impl Subject {
    pub fn incident(self) -> Option<uuid::Uuid> {
        match self {
            Subject::Incident(id) => Some(id),
            Subject::Request(_) | Subject::Contract(_) => None,
        }
    }

    pub fn request(self) -> Option<uuid::Uuid> {
        match self {
            Subject::Request(id) => Some(id),
            Subject::Incident(_) | Subject::Contract(_) => None,
        }
    }

    pub fn contract(self) -> Option<uuid::Uuid> {
        match self {
            Subject::Contract(id) => Some(id),
            Subject::Incident(_) | Subject::Request(_) => None,
        }
    }

    /// The staff page where a person acts on it, below the public address.
    pub fn page_path(self) -> String {
        match self {
            Subject::Incident(id) => format!("/incidents/{id}"),
            Subject::Request(id) => format!("/requests/{id}"),
            Subject::Contract(id) => format!("/contracts/{id}"),
        }
    }
}

/// Why an obligation without a due time has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undated {
    /// Its clock has not started.
    NotStarted,
    /// Its clock runs but the law sets no fixed time.
    NoFixedTime,
    /// A law-enforcement delay holds it.
    OnHold,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// Its clock event has not happened yet.
    Pending,
    /// A law-enforcement delay holds its clock: no due time until it ends.
    OnHold,
    /// Its clock runs: due at its due time, or, where the law sets no fixed
    /// time, now ("as soon as practicable").
    Open,
    Overdue,
    /// Completed on or before its due time.
    Done,
    /// Completed after its due time.
    Late,
    Waived,
}

impl ObligationStatus {
    pub const ALL: [ObligationStatus; 7] = [
        ObligationStatus::Pending,
        ObligationStatus::OnHold,
        ObligationStatus::Open,
        ObligationStatus::Overdue,
        ObligationStatus::Done,
        ObligationStatus::Late,
        ObligationStatus::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObligationStatus::Pending => "pending",
            ObligationStatus::OnHold => "on_hold",
            ObligationStatus::Open => "open",
            ObligationStatus::Overdue => "overdue",
            ObligationStatus::Done => "done",
            ObligationStatus::Late => "late",
            ObligationStatus::Waived => "waived",
        }
    }

    /// Whether the obligation is finished with (reminders stop).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            ObligationStatus::Done | ObligationStatus::Late | ObligationStatus::Waived
        )
    }

    /// As `at`, for an obligation that may have no due time although its
    /// clock runs: `undated` says why it has none.
    pub fn of(
        now: DateTime<Utc>,
        due_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
        waived: bool,
        undated: Undated,
    ) -> Self {
        match (Self::at(now, due_at, completed_at, waived), undated) {
            (ObligationStatus::Pending, Undated::NoFixedTime) => ObligationStatus::Open,
            (ObligationStatus::Pending, Undated::OnHold) => ObligationStatus::OnHold,
            (status, _) => status,
        }
    }

    /// Derives the status from the stored facts at instant `now`.
    ///
    /// A completion exactly at the due instant is on time: "within 30 days"
    /// means "not later than" the due time.
    pub fn at(
        now: DateTime<Utc>,
        due_at: Option<DateTime<Utc>>,
        completed_at: Option<DateTime<Utc>>,
        waived: bool,
    ) -> Self {
        if waived {
            return ObligationStatus::Waived;
        }
        match (completed_at, due_at) {
            (Some(done), Some(due)) if done > due => ObligationStatus::Late,
            (Some(_), _) => ObligationStatus::Done,
            (None, None) => ObligationStatus::Pending,
            (None, Some(due)) if now > due => ObligationStatus::Overdue,
            (None, Some(_)) => ObligationStatus::Open,
        }
    }
}

impl fmt::Display for ObligationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObligationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ObligationStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ObligationStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown status {s:?} (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn status_table() {
        use ObligationStatus::*;
        let cases = [
            (t(1), None, None, false, Pending),
            (t(1), Some(t(2)), None, false, Open),
            (t(2), Some(t(2)), None, false, Open),
            (t(3), Some(t(2)), None, false, Overdue),
            (t(3), Some(t(2)), Some(t(2)), false, Done),
            (t(3), Some(t(2)), Some(t(3)), false, Late),
            (t(3), Some(t(2)), None, true, Waived),
            (t(3), None, Some(t(1)), false, Done),
        ];
        for (now, due, done, waived, expected) in cases {
            assert_eq!(ObligationStatus::at(now, due, done, waived), expected);
        }
    }
}
