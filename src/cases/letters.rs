//! Proof of notice: each affected student's coverage, and recording the
//! paper letters mailed to families no email reached, or why no notice is
//! possible. Each record re-judges the families' obligation, which completes
//! when the last student is covered (`scheduler::jobs::coverage`).

use super::{Context, ServiceError, FUTURE_TOLERANCE};
use crate::domain::coverage::{Coverage, CoverageReport, MarkKind, StudentMark};
use crate::domain::FieldError;
use crate::rules::OwnWork;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Which students a letter was mailed to.
#[derive(Debug, Clone)]
pub enum LetterStudents {
    /// Every student who needs a letter now.
    All,
    Listed(Vec<String>),
}

impl Context {
    /// Every affected student's coverage; NotFound for an unknown incident.
    pub async fn coverage(&self, incident_id: Uuid) -> Result<CoverageReport, ServiceError> {
        if self.store.incident(incident_id).await?.is_none() {
            return Err(ServiceError::NotFound);
        }
        Ok(self.store.notice_coverage(incident_id).await?)
    }

    /// How many students are not yet reached, for each of `incidents` that
    /// has a roster: one query for which have one, then each one's coverage
    /// (the board lists many incidents, few with a roster).
    pub async fn unreached_by_incident(
        &self,
        incidents: Vec<Uuid>,
    ) -> Result<std::collections::BTreeMap<Uuid, usize>, ServiceError> {
        let with_roster = self.store.incidents_with_roster().await?;
        let mut counts = std::collections::BTreeMap::new();
        for id in incidents {
            if with_roster.contains(&id) && !counts.contains_key(&id) {
                let report = self.store.notice_coverage(id).await?;
                counts.insert(id, report.uncovered());
            }
        }
        Ok(counts)
    }

    /// Completed families' duties that a later bounce left owing letters.
    pub async fn follow_ups(
        &self,
    ) -> Result<Vec<crate::scheduler::jobs::coverage::FollowUp>, ServiceError> {
        Ok(crate::scheduler::jobs::coverage::follow_ups(self.store.as_ref()).await?)
    }

    /// Records letters mailed on `at` and re-judges the families' obligation.
    pub async fn record_letters_mailed(
        &self,
        incident_id: Uuid,
        students: LetterStudents,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<CoverageReport, ServiceError> {
        let report = self.coverage(incident_id).await?;
        let mut errors = Vec::new();
        if at > self.now() + FUTURE_TOLERANCE {
            errors.push(FieldError::new("at", "must not be in the future"));
        }
        if let Some(started) = self.families_clock_started(incident_id).await? {
            // A letter dated before the duty began would backdate its completion.
            if at < started {
                errors.push(FieldError::new(
                    "at",
                    format!(
                        "must not be before the families' notice clock started ({})",
                        crate::domain::timestamp::format_in_zone(started, self.settings.timezone)
                    ),
                ));
            }
        }
        let ids = match students {
            LetterStudents::All => {
                let ids: Vec<String> = report
                    .students
                    .iter()
                    .filter(|s| s.state == Coverage::LetterNeeded)
                    .map(|s| s.student_id.clone())
                    .collect();
                if ids.is_empty() {
                    errors.push(FieldError::new("all", "no student needs a paper letter"));
                }
                ids
            }
            LetterStudents::Listed(ids) => {
                check_students(&report, &ids, &mut errors);
                ids
            }
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let marks = marks(&ids, MarkKind::LetterMailed, at, None);
        self.record_marks(incident_id, &marks, by).await
    }

    /// Records why no notice is possible for these students, now.
    pub async fn record_exceptions(
        &self,
        incident_id: Uuid,
        students: Vec<String>,
        reason: String,
        by: &str,
    ) -> Result<CoverageReport, ServiceError> {
        let report = self.coverage(incident_id).await?;
        let mut errors = Vec::new();
        check_students(&report, &students, &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let marks = marks(&students, MarkKind::Exception, self.now(), Some(reason));
        self.record_marks(incident_id, &marks, by).await
    }

    async fn record_marks(
        &self,
        incident_id: Uuid,
        marks: &[StudentMark],
        by: &str,
    ) -> Result<CoverageReport, ServiceError> {
        let now = self.now();
        self.store
            .record_student_marks(incident_id, marks, by, now)
            .await?;
        tracing::info!(%incident_id, students = marks.len(), kind = marks[0].kind.as_str(), "student notices recorded");
        let report = crate::scheduler::jobs::coverage::settle_families(
            self.store.as_ref(),
            &self.settings.engine,
            incident_id,
            now,
        )
        .await?;
        Ok(report)
    }

    /// When the families' obligation's clock started, if it has.
    async fn families_clock_started(
        &self,
        incident_id: Uuid,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        Ok(self
            .store
            .incident_obligations(incident_id)
            .await?
            .into_iter()
            .filter(|o| {
                self.settings
                    .engine
                    .is_own_work(&o.kind, OwnWork::FamilyNotice)
            })
            .filter_map(|o| o.clock_started_at)
            .min())
    }
}

/// Each listed id must be a student of the roster not reached by email,
/// named once; the list must not be empty.
fn check_students(report: &CoverageReport, ids: &[String], errors: &mut Vec<FieldError>) {
    if ids.is_empty() {
        errors.push(FieldError::new(
            "students",
            "must name at least one student",
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, id) in ids.iter().enumerate() {
        let field = format!("students[{index}]");
        if !seen.insert(id.as_str()) {
            errors.push(FieldError::new(field, "is listed twice"));
            continue;
        }
        match report.student(id) {
            None => errors.push(FieldError::new(
                field,
                "is not a student on this incident's roster",
            )),
            Some(student) if student.state == Coverage::Reached => errors.push(FieldError::new(
                field,
                "was reached by email; nothing needs recording",
            )),
            Some(_) => {}
        }
    }
}

fn marks(
    ids: &[String],
    kind: MarkKind,
    at: DateTime<Utc>,
    reason: Option<String>,
) -> Vec<StudentMark> {
    ids.iter()
        .map(|id| StudentMark {
            student_id: id.clone(),
            kind,
            at,
            reason: reason.clone(),
        })
        .collect()
}

/// One paper letter: the family notice addressed to a student's guardians,
/// in their language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PrintedLetter {
    pub student_name: String,
    /// "Maria Ruiz and Juan Ruiz", or "Parent or guardian of Ana Ruiz"
    /// when the roster named nobody with an address.
    pub salutation: String,
    /// The envelope's lines after the name, when the roster gave an address.
    pub address: Vec<String>,
    /// The language's primary tag, for the page's `lang`.
    pub language: String,
    pub subject: String,
    pub body: String,
}

impl Context {
    /// The letters for every student needing one, rendered from the same
    /// context and templates as the emails (`fanout::context`), so that a
    /// letter says what the email would have.
    pub async fn printable_letters(
        &self,
        templates: &crate::email::templates::Templates,
        incident_id: Uuid,
    ) -> Result<Vec<PrintedLetter>, ServiceError> {
        let report = self.coverage(incident_id).await?;
        let incident = self
            .store
            .incident(incident_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let notice = match self.store.notice(incident_id).await? {
            Some(notice) => notice,
            None => super::notices::draft(&incident, &self.settings, self.now()),
        };
        let context = crate::scheduler::jobs::fanout::context::notice_context(
            &self.settings,
            &incident,
            &notice,
        );
        let contexts = crate::scheduler::jobs::fanout::context::PerGuardian::new(&context);
        let mut letters = Vec::new();
        for student in report
            .students
            .iter()
            .filter(|s| s.state == Coverage::LetterNeeded)
        {
            let template = templates.family_notice_for(student.language.as_deref());
            let language = contexts.language(student.language.as_deref());
            let salutation = if student.guardian_names.is_empty() {
                format!("Parent or guardian of {}", student.name)
            } else {
                student.guardian_names.join(" and ")
            };
            let letter_context = contexts.for_guardian(
                Some(language.as_str()),
                &salutation,
                &[student.name.as_str()],
            );
            let rendered = templates
                .render(&template, letter_context)
                .map_err(|error| ServiceError::Invalid(vec![FieldError::new(template, error)]))?;
            letters.push(PrintedLetter {
                student_name: student.name.clone(),
                salutation,
                address: student
                    .address
                    .as_ref()
                    .map(|a| a.lines())
                    .unwrap_or_default(),
                language,
                subject: rendered.subject,
                body: rendered.body,
            });
        }
        Ok(letters)
    }
}
