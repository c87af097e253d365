//! The JSON answers users and scripts rely on (`docs/api.md`), as typed
//! structs: what the HTTP API serializes is what its OpenAPI document
//! describes, since both come from these types. The incident view is shared
//! with the CLI so that both answer alike. Every timestamp is shown in the
//! district's zone.
//!
//! A folder per resource; the functions here only reshape records already
//! read, they do no I/O.

mod consent;
mod contract;
mod evidence;
pub mod evidence_html;
mod health;
mod incident;
mod job;
pub mod json;
mod letters;
mod notice;
mod obligation;
mod request;
mod roster;
mod rules;
mod taxonomy;
mod vendor;
mod website;

pub use consent::{
    consent_campaign, consent_roster_import, ConsentAnswerView, ConsentCampaignList,
    ConsentCampaignStarted, ConsentCampaignView, ConsentCounts, ConsentRosterImport,
    ConsentStudentView, OnboardableStudent,
};
pub use contract::{
    contract, ContractList, ContractRosterTaken, ContractView, FamilyEmails, MissingProvision,
};
pub use evidence::{
    evidence, AuditChain, AuditEntry, AuditHead, BrokenEntry, Evidence, EvidenceRecords,
    Publication,
};
pub use evidence::{evidence_bounces, EvidenceBounce};
pub use health::{Health, HealthStatus};
pub use incident::{incident, incident_list, Incident, IncidentList, IncidentSummary, OpenClosed};
pub use job::{job_list, JobList, JobView};
pub use letters::{
    coverage_summary, letter_student, letters, CoverageSummary, LetterStudent, Letters,
    RecordedStudent,
};
pub use notice::{
    deliveries, notice, Approval, Deliveries, Delivery, DeliveryBounce, Notice, NoticeState,
};
pub use obligation::{
    obligation, obligation_list, reminders, Obligation, ObligationList, Reminder, ReminderState,
    Source,
};
pub use request::{request, request_list, RequestList, RequestView, Requester};
pub use roster::{
    roster_import_summary, roster_state, RejectedRow, RosterAnswer, RosterImportSummary,
    RosterState, Student,
};
pub use rules::{jurisdiction, Jurisdiction, RuleList, RuleSummary};
pub use taxonomy::{data_elements, DataClassDescription, DataElement, DataElements};
pub use vendor::{vendor, vendor_list, AgreementView, BreachNoticeView, VendorList, VendorView};
pub use website::{website_check, website_status, WebsiteCheck, WebsiteState, WebsiteStatus};

use crate::domain::timestamp::format_in_zone;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// How ids appear: the API shows them, `breachd deadlines` has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    Shown,
    Hidden,
}

/// An instant as the answers show it: RFC 3339 in the district's zone.
fn time(instant: DateTime<Utc>, zone: Tz) -> String {
    format_in_zone(instant, zone)
}

/// An optional instant; `null` in the answer when there is none.
fn maybe_time(instant: Option<DateTime<Utc>>, zone: Tz) -> Option<String> {
    instant.map(|at| time(at, zone))
}

/// "2d 3h left", "5h 12m overdue": coarse enough to read at a glance.
pub fn time_left(remaining: Duration) -> String {
    let (magnitude, suffix) = if remaining < Duration::zero() {
        (-remaining, "overdue")
    } else {
        (remaining, "left")
    };
    let days = magnitude.num_days();
    let hours = magnitude.num_hours() % 24;
    let minutes = magnitude.num_minutes() % 60;
    let text = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m")
    };
    format!("{text} {suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_at_a_glance() {
        assert_eq!(time_left(Duration::hours(51)), "2d 3h left");
        assert_eq!(time_left(Duration::minutes(-312)), "5h 12m overdue");
        assert_eq!(time_left(Duration::seconds(30)), "0m left");
    }
}
