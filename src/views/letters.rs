//! Per-student coverage of the family notice and the paper letters it
//! still needs (`GET /api/v1/incidents/{id}/letters`).

use super::{maybe_time, time};
use crate::domain::coverage::{Coverage, CoverageReport, StudentCoverage};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

/// A student whose family no email reached.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LetterStudent {
    pub student_id: String,
    pub student_name: String,
    /// The guardians' names the roster gave with an email address (a
    /// guardian listed without a usable address is not kept).
    pub guardians: Vec<String>,
    /// The mailing address, when the plain CSV roster gave one (a OneRoster
    /// bundle carries none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<crate::domain::coverage::MailingAddress>,
    /// `no_reachable_guardian` (the roster gave no usable email address) or
    /// `every_message_failed` (every email to the family failed for good).
    pub reason: &'static str,
}

/// A student covered by a paper letter or an exception.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedStudent {
    pub student_id: String,
    pub student_name: String,
    /// `letter_mailed` or `exception`.
    pub coverage: &'static str,
    /// The letter's mailing date, or when the exception was recorded.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// Why no notice is possible (exceptions only).
    pub reason: Option<String>,
}

/// How many affected students are in each state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageSummary {
    pub students: usize,
    pub reached: usize,
    /// Whose messages are still queued or being retried.
    pub pending: usize,
    pub letter_needed: usize,
    pub letter_mailed: usize,
    pub exception: usize,
    /// Not yet reached, mailed or excepted: the families' obligation stays
    /// open while this is above zero.
    pub unreached: usize,
    /// When the last student was covered, once every one is.
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
}

/// The students needing a paper letter, those already covered by one or by
/// an exception, and the counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Letters {
    pub students: Vec<LetterStudent>,
    pub recorded: Vec<RecordedStudent>,
    pub summary: CoverageSummary,
}

pub fn coverage_summary(report: &CoverageReport, zone: Tz) -> CoverageSummary {
    CoverageSummary {
        students: report.students.len(),
        reached: report.count(Coverage::Reached),
        pending: report.count(Coverage::Pending),
        letter_needed: report.count(Coverage::LetterNeeded),
        letter_mailed: report.count(Coverage::LetterMailed),
        exception: report.count(Coverage::Exception),
        unreached: report.uncovered(),
        completed_at: maybe_time(report.completed_at(), zone),
    }
}

pub fn letter_student(student: &StudentCoverage) -> LetterStudent {
    LetterStudent {
        student_id: student.student_id.clone(),
        student_name: student.name.clone(),
        guardians: student.guardian_names.clone(),
        address: student.address.clone(),
        reason: student.letter_reason.map_or("", |r| r.as_str()),
    }
}

pub fn letters(report: &CoverageReport, zone: Tz) -> Letters {
    Letters {
        students: report
            .students
            .iter()
            .filter(|s| s.state == Coverage::LetterNeeded)
            .map(letter_student)
            .collect(),
        recorded: report
            .students
            .iter()
            .filter(|s| matches!(s.state, Coverage::LetterMailed | Coverage::Exception))
            .map(|s| RecordedStudent {
                student_id: s.student_id.clone(),
                student_name: s.name.clone(),
                coverage: s.state.as_str(),
                at: s.covered_at.map(|at| time(at, zone)),
                reason: s.exception_reason.clone(),
            })
            .collect(),
        summary: coverage_summary(report, zone),
    }
}
