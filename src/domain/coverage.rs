//! Whether each affected student's family was notified: the proof behind the
//! families' obligation (docs/email.md, "Proof of notice").
//!
//! The law's duty is to notify the families of the affected students, so
//! completion is judged student by student, never by "nothing is queued":
//! a fan-out where every message failed has notified nobody. Pure: the store
//! gathers the messages' outcomes and what administrators recorded, and this
//! decides.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Where one student stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Coverage {
    /// At least one guardian's message was accepted by the mail server and
    /// not returned by a bounce.
    Reached,
    /// A message to a guardian is still queued or being retried.
    Pending,
    /// Nobody can be emailed about the student (no usable address, or every
    /// message failed for good): a paper letter is needed.
    LetterNeeded,
    /// An administrator recorded a paper letter sent, with its date.
    LetterMailed,
    /// An administrator recorded why no notice is possible.
    Exception,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Reached => "reached",
            Coverage::Pending => "pending",
            Coverage::LetterNeeded => "letter_needed",
            Coverage::LetterMailed => "letter_mailed",
            Coverage::Exception => "exception",
        }
    }

    /// Reached, mailed or excepted: nothing more is owed for the student.
    pub fn is_covered(self) -> bool {
        matches!(
            self,
            Coverage::Reached | Coverage::LetterMailed | Coverage::Exception
        )
    }
}

/// Why a student needs a paper letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LetterReason {
    /// The roster gave no guardian with a usable email address.
    NoReachableGuardian,
    /// Every message to the student's guardians failed permanently or
    /// bounced.
    EveryMessageFailed,
}

impl LetterReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterReason::NoReachableGuardian => "no_reachable_guardian",
            LetterReason::EveryMessageFailed => "every_message_failed",
        }
    }

    /// The reason in plain words, for the pages.
    pub fn words(self) -> &'static str {
        match self {
            LetterReason::NoReachableGuardian => "no guardian with a usable email address",
            LetterReason::EveryMessageFailed => "every email to the family failed or came back",
        }
    }
}

/// What an administrator recorded for a student.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    LetterMailed,
    Exception,
}

impl MarkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::LetterMailed => "letter_mailed",
            MarkKind::Exception => "exception",
        }
    }
}

impl FromStr for MarkKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "letter_mailed" => Ok(MarkKind::LetterMailed),
            "exception" => Ok(MarkKind::Exception),
            other => Err(format!("unknown student mark {other:?}")),
        }
    }
}

/// A letter mailed (on `at`) or an exception (recorded at `at`, with its reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentMark {
    pub student_id: String,
    pub kind: MarkKind,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// How one family message fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Not planned yet: the notice is not approved.
    Unplanned,
    /// Queued or deferred.
    Pending,
    /// Accepted by the mail server at this time.
    Accepted(DateTime<Utc>),
    /// Refused for good, or returned by a bounce after acceptance.
    Failed,
}

/// One guardian address of the roster, the children it covers and its message.
#[derive(Debug, Clone)]
pub struct GuardianMessage {
    pub guardian_name: String,
    /// The guardian's language as the roster gave it (a paper letter is
    /// written in it).
    pub language: Option<String>,
    pub children: Vec<(String, String)>,
    pub outcome: MessageOutcome,
}

/// A student no guardian can be emailed about, from the roster.
#[derive(Debug, Clone)]
pub struct UnreachableStudent {
    pub student_id: String,
    pub name: String,
    pub guardian_names: Vec<String>,
}

/// A family's mailing address from the plain CSV roster (a OneRoster
/// bundle carries none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MailingAddress {
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

impl MailingAddress {
    /// The address as it goes on an envelope, line by line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.line1.clone()];
        lines.extend(self.line2.clone());
        let place = format!("{}, {} {}", self.city, self.state, self.postal_code);
        lines.push(
            place
                .trim_matches(|c: char| c == ',' || c == ' ')
                .to_owned(),
        );
        lines.retain(|line| !line.is_empty());
        lines
    }
}

/// One student's coverage.
#[derive(Debug, Clone)]
pub struct StudentCoverage {
    pub student_id: String,
    pub name: String,
    pub guardian_names: Vec<String>,
    /// The first language a guardian of the student was given.
    pub language: Option<String>,
    /// Where a paper letter goes, when the roster gave it.
    pub address: Option<MailingAddress>,
    pub state: Coverage,
    /// When the student became covered (the first accepted message, the
    /// letter's date, the exception's recording).
    pub covered_at: Option<DateTime<Utc>>,
    /// Why email cannot reach the family (also kept once a letter is mailed).
    pub letter_reason: Option<LetterReason>,
    /// The administrator's written reason for an exception.
    pub exception_reason: Option<String>,
}

/// Every affected student's coverage, in student id order.
#[derive(Debug, Clone, Default)]
pub struct CoverageReport {
    pub students: Vec<StudentCoverage>,
}

impl CoverageReport {
    /// How many students are in `state`.
    pub fn count(&self, state: Coverage) -> usize {
        self.students.iter().filter(|s| s.state == state).count()
    }

    /// Students not yet reached, mailed or excepted.
    pub fn uncovered(&self) -> usize {
        self.students
            .iter()
            .filter(|s| !s.state.is_covered())
            .count()
    }

    /// When the last student was covered, once every one is (None while any
    /// is not, or when the roster names nobody).
    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        if self.students.is_empty() || self.uncovered() > 0 {
            return None;
        }
        self.students.iter().filter_map(|s| s.covered_at).max()
    }

    pub fn student(&self, student_id: &str) -> Option<&StudentCoverage> {
        self.students
            .binary_search_by(|s| s.student_id.as_str().cmp(student_id))
            .ok()
            .map(|index| &self.students[index])
    }
}

/// Decides each student's coverage. A student reached by email stays
/// reached whatever was recorded; otherwise a recorded letter or exception
/// covers them; otherwise a message still in flight leaves them pending and
/// none left means a letter is needed.
pub fn assess(
    messages: &[GuardianMessage],
    unreachable: &[UnreachableStudent],
    marks: &[StudentMark],
) -> CoverageReport {
    #[derive(Default)]
    struct Tally {
        name: String,
        guardians: Vec<String>,
        language: Option<String>,
        first_accepted: Option<DateTime<Utc>>,
        pending: bool,
        emailable: bool,
    }
    let mut students: BTreeMap<&str, Tally> = BTreeMap::new();
    for message in messages {
        for (student_id, name) in &message.children {
            let tally = students.entry(student_id).or_default();
            tally.name.clone_from(name);
            tally.guardians.push(message.guardian_name.clone());
            if tally.language.is_none() {
                tally.language.clone_from(&message.language);
            }
            tally.emailable = true;
            match message.outcome {
                MessageOutcome::Accepted(at) => {
                    tally.first_accepted = Some(tally.first_accepted.map_or(at, |t| t.min(at)));
                }
                MessageOutcome::Pending | MessageOutcome::Unplanned => tally.pending = true,
                MessageOutcome::Failed => {}
            }
        }
    }
    for student in unreachable {
        let tally = students.entry(&student.student_id).or_default();
        tally.name.clone_from(&student.name);
        tally
            .guardians
            .extend(student.guardian_names.iter().cloned());
    }
    let marks: BTreeMap<&str, &StudentMark> =
        marks.iter().map(|m| (m.student_id.as_str(), m)).collect();
    let students = students
        .into_iter()
        .map(|(student_id, tally)| {
            let letter_reason = match (tally.first_accepted, tally.pending, tally.emailable) {
                (Some(_), _, _) | (None, true, _) => None,
                (None, false, true) => Some(LetterReason::EveryMessageFailed),
                (None, false, false) => Some(LetterReason::NoReachableGuardian),
            };
            let mark = marks.get(student_id);
            let (state, covered_at, exception_reason) = match (tally.first_accepted, mark) {
                (Some(at), _) => (Coverage::Reached, Some(at), None),
                (None, Some(mark)) => match mark.kind {
                    MarkKind::LetterMailed => (Coverage::LetterMailed, Some(mark.at), None),
                    MarkKind::Exception => {
                        (Coverage::Exception, Some(mark.at), mark.reason.clone())
                    }
                },
                (None, None) if letter_reason.is_some() => (Coverage::LetterNeeded, None, None),
                (None, None) => (Coverage::Pending, None, None),
            };
            StudentCoverage {
                student_id: student_id.to_owned(),
                name: tally.name,
                guardian_names: tally.guardians,
                language: tally.language,
                address: None,
                state,
                covered_at,
                letter_reason,
                exception_reason,
            }
        })
        .collect();
    CoverageReport { students }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 21, hour, 0, 0)
            .single()
            .expect("a valid fixed date")
    }

    fn message(guardian: &str, children: &[&str], outcome: MessageOutcome) -> GuardianMessage {
        GuardianMessage {
            guardian_name: guardian.into(),
            language: None,
            children: children
                .iter()
                .map(|c| ((*c).to_owned(), format!("Kid {c}")))
                .collect(),
            outcome,
        }
    }

    #[test]
    fn one_accepted_message_reaches_a_student_whose_other_guardian_failed() {
        let report = assess(
            &[
                message("A", &["s1"], MessageOutcome::Failed),
                message("B", &["s1", "s2"], MessageOutcome::Accepted(at(10))),
            ],
            &[],
            &[],
        );
        assert_eq!(report.count(Coverage::Reached), 2);
        assert_eq!(report.completed_at(), Some(at(10)));
    }

    #[test]
    fn failures_and_unreachable_students_need_letters_until_recorded() {
        let messages = [
            message("A", &["s1"], MessageOutcome::Accepted(at(10))),
            message("B", &["s2"], MessageOutcome::Failed),
        ];
        let unreachable = [UnreachableStudent {
            student_id: "s3".into(),
            name: "Kid s3".into(),
            guardian_names: vec!["C".into()],
        }];
        let report = assess(&messages, &unreachable, &[]);
        assert_eq!(report.count(Coverage::LetterNeeded), 2);
        assert_eq!(
            report.student("s2").and_then(|s| s.letter_reason),
            Some(LetterReason::EveryMessageFailed)
        );
        assert_eq!(
            report.student("s3").and_then(|s| s.letter_reason),
            Some(LetterReason::NoReachableGuardian)
        );
        assert_eq!(report.completed_at(), None);
        let marks = [
            StudentMark {
                student_id: "s2".into(),
                kind: MarkKind::LetterMailed,
                at: at(15),
                reason: None,
            },
            StudentMark {
                student_id: "s3".into(),
                kind: MarkKind::Exception,
                at: at(12),
                reason: Some("family moved abroad; no address".into()),
            },
        ];
        let report = assess(&messages, &unreachable, &marks);
        assert_eq!(report.uncovered(), 0);
        assert_eq!(report.completed_at(), Some(at(15)), "the last one covered");
    }

    #[test]
    fn a_message_in_flight_is_pending_not_a_letter() {
        let report = assess(
            &[
                message("A", &["s1"], MessageOutcome::Pending),
                message("B", &["s1"], MessageOutcome::Failed),
            ],
            &[],
            &[],
        );
        assert_eq!(report.count(Coverage::Pending), 1);
        assert_eq!(report.completed_at(), None);
    }

    #[test]
    fn nobody_on_the_roster_is_never_complete() {
        assert_eq!(assess(&[], &[], &[]).completed_at(), None);
    }
}
