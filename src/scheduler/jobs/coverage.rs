//! The families' obligation is done when every affected student is covered
//! (reached by email, sent a paper letter, or excepted with a reason), at
//! the time the last one was; until then it stays open and its reminders go
//! on. Called when a fan-out's last chunk finishes and whenever an
//! administrator records letters or exceptions.

use super::complete_own_work;
use crate::domain::coverage::{Coverage, CoverageReport};
use crate::rules::{Engine, OwnWork};
use crate::store::{Store, StoreError};
use crate::words;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Completes the families' obligation if every student is covered; the
/// coverage it judged by.
pub(crate) async fn settle_families(
    store: &dyn Store,
    engine: &Engine,
    incident_id: Uuid,
    now: DateTime<Utc>,
) -> Result<CoverageReport, StoreError> {
    let report = store.notice_coverage(incident_id).await?;
    if let Some(at) = report.completed_at() {
        let note = completion_note(&report);
        if complete_own_work(
            store,
            engine,
            incident_id,
            OwnWork::FamilyNotice,
            note,
            at,
            now,
        )
        .await?
        {
            tracing::info!(%incident_id, students = report.students.len(), "families' obligation completed: every affected student covered");
        }
    }
    Ok(report)
}

/// How the students were covered, in words and counts (no names).
fn completion_note(report: &CoverageReport) -> String {
    let mut parts = vec![format!(
        "every affected student's family notified: {} by email",
        words::count(
            report.count(Coverage::Reached) as u64,
            "student",
            "students"
        )
    )];
    let mailed = report.count(Coverage::LetterMailed);
    if mailed > 0 {
        parts.push(format!(
            "{} by paper letter",
            words::count(mailed as u64, "student", "students")
        ));
    }
    let excepted = report.count(Coverage::Exception);
    if excepted > 0 {
        parts.push(format!(
            "{} recorded as exceptions",
            words::count(excepted as u64, "student", "students")
        ));
    }
    parts.join(", ")
}

/// An incident whose families' duty was completed and then a bounce came
/// back (a follow-up): how many students need a letter now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub incident_id: Uuid,
    pub incident_title: String,
    pub letters_needed: usize,
}

/// Every follow-up still owed: incidents with a bounce read after their
/// families' duty was complete whose coverage still has students no email,
/// letter or exception covers. Once their letters are recorded, the
/// follow-up is gone.
pub(crate) async fn follow_ups(store: &dyn Store) -> Result<Vec<FollowUp>, StoreError> {
    let mut owed = Vec::new();
    for incident_id in store.follow_up_incidents().await? {
        let report = store.notice_coverage(incident_id).await?;
        let letters_needed = report.uncovered();
        if letters_needed == 0 {
            continue;
        }
        let Some(incident) = store.incident(incident_id).await? else {
            continue;
        };
        owed.push(FollowUp {
            incident_id,
            incident_title: incident.title,
            letters_needed,
        });
    }
    Ok(owed)
}
