//! What a request asks, where it stands and how it came in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a family asks of the district (seed 003: disputes about personal
/// information; seed 004: review and correct; FERPA: inspect records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Inquiry,
    Complaint,
    Dispute,
    RecordsAccess,
    Correction,
}

impl RequestKind {
    pub const ALL: [RequestKind; 5] = [
        RequestKind::Inquiry,
        RequestKind::Complaint,
        RequestKind::Dispute,
        RequestKind::RecordsAccess,
        RequestKind::Correction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Inquiry => "inquiry",
            RequestKind::Complaint => "complaint",
            RequestKind::Dispute => "dispute",
            RequestKind::RecordsAccess => "records_access",
            RequestKind::Correction => "correction",
        }
    }

    /// In words, for people (the form, the staff page, the emails).
    pub fn label(self) -> &'static str {
        match self {
            RequestKind::Inquiry => "A question about student data privacy",
            RequestKind::Complaint => "A complaint",
            RequestKind::Dispute => "A dispute about how personal information is handled",
            RequestKind::RecordsAccess => "A request to see a student's records",
            RequestKind::Correction => "A request to correct a student's records",
        }
    }

    /// Short, lower-case words for the middle of a sentence.
    pub fn noun(self) -> &'static str {
        match self {
            RequestKind::Inquiry => "question",
            RequestKind::Complaint => "complaint",
            RequestKind::Dispute => "dispute",
            RequestKind::RecordsAccess => "request to see records",
            RequestKind::Correction => "request to correct records",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request stands, derived from what was recorded: closed beats
/// answered beats assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Received,
    Assigned,
    Answered,
    Closed,
}

impl RequestStatus {
    pub fn of(assigned: bool, answered: bool, closed: bool) -> Self {
        match (closed, answered, assigned) {
            (true, _, _) => RequestStatus::Closed,
            (_, true, _) => RequestStatus::Answered,
            (_, _, true) => RequestStatus::Assigned,
            _ => RequestStatus::Received,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Received => "Received",
            RequestStatus::Assigned => "Assigned",
            RequestStatus::Answered => "Answered",
            RequestStatus::Closed => "Closed",
        }
    }
}

/// How a request reached the district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Entered by staff through the API (a letter, a call, an email).
    Api,
    /// The public form at `/privacy/request`.
    PublicForm,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::PublicForm => "public_form",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Via::Api, Via::PublicForm]
            .into_iter()
            .find(|via| via.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_name_only() {
        for kind in RequestKind::ALL {
            assert_eq!(RequestKind::parse(kind.as_str()), Ok(kind));
        }
        let error = RequestKind::parse("Dispute ").unwrap_err();
        assert!(error.contains("records_access"), "{error}");
    }

    #[test]
    fn closed_beats_answered_beats_assigned() {
        assert_eq!(RequestStatus::of(true, true, true), RequestStatus::Closed);
        assert_eq!(
            RequestStatus::of(true, true, false),
            RequestStatus::Answered
        );
        assert_eq!(
            RequestStatus::of(true, false, false),
            RequestStatus::Assigned
        );
        assert_eq!(
            RequestStatus::of(false, false, false),
            RequestStatus::Received
        );
    }
}
