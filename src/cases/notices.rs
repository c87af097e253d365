//! The board's notice to families: roster import, the draft, approval, the
//! per-recipient fan-out and the website notice.
//!
//! Approval plans every message in the database (one row per guardian
//! address, with its Message-ID) in the same transaction that records it;
//! chunk jobs then send them (`fanout`), and a publication job writes the
//! website notice (`publishing`). A crash anywhere resumes from the rows.

use super::{Context, ServiceError};
use crate::domain::timestamp::format_in_zone;
use crate::domain::FieldError;
use crate::roster::{RosterRejected, StagedRoster};
use crate::rules::OwnWork;
use crate::settings::Settings;
use crate::store::StoreError;
use crate::store::{
    IncidentRecord, NoticeChild, NoticeRecipient, NoticeRecord, ObligationRecord,
    RosterImportRecord, RosterPages, Store,
};
use crate::views::{Approval, RosterAnswer, Student};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::Path;
use uuid::Uuid;

/// Students listed by name in an import's answer, at most (the rest are
/// counted; the full list is at GET .../roster).
const LISTED_UNREACHABLE: usize = 1000;

/// The draft of an incident's notice, from its facts and the district's wording.
pub fn draft(incident: &IncidentRecord, settings: &Settings, now: DateTime<Utc>) -> NoticeRecord {
    NoticeRecord {
        incident_id: incident.id,
        what_happened: incident
            .description
            .clone()
            .unwrap_or_else(|| incident.title.clone()),
        what_we_are_doing: settings.notice.what_we_are_doing.clone(),
        what_families_can_do: settings.notice.what_families_can_do.clone(),
        contact: settings.notice.contact.clone(),
        public_title: Some(default_public_title(incident, settings)),
        languages: Default::default(),
        drafted_at: now,
        approved_at: None,
        approved_by: None,
        recipients: None,
        published_at: None,
        published_url: None,
    }
}

/// The website page's title until an administrator sets one.
pub fn default_public_title(incident: &IncidentRecord, settings: &Settings) -> String {
    crate::site::default_public_title(incident.contractor.as_deref(), &settings.district_name)
}

/// Saves an edited draft; false once the notice was approved (it can no
/// longer change).
pub async fn save_draft(cases: &Context, draft: &NoticeRecord) -> Result<bool, StoreError> {
    cases.store.update_notice_draft(draft).await
}

/// Drafts the notice once the families' clock has started, and sends it by
/// itself where the district configured `auto_send` and a roster is in.
pub async fn on_obligations_changed(
    state_store: &dyn Store,
    settings: &Settings,
    incident: &IncidentRecord,
    obligations: &[ObligationRecord],
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let started = obligations.iter().any(|o| {
        settings.engine.is_own_work(&o.kind, OwnWork::FamilyNotice) && o.clock_started_at.is_some()
    });
    if !started {
        return Ok(false);
    }
    state_store
        .ensure_notice_draft(&draft(incident, settings, now))
        .await?;
    Ok(settings.notice.auto_send
        && state_store
            .latest_roster_import(incident.id)
            .await?
            .is_some())
}

/// The staged roster, read page by page into the store.
struct Pages<'a> {
    staged: &'a StagedRoster,
    /// The staged roster's file, which the SQLite store copies from itself.
    file: std::path::PathBuf,
    after_recipient: Option<String>,
    after_student: Option<String>,
    recipients_done: bool,
    unreachable_done: bool,
    after_address: Option<String>,
    addresses_done: bool,
}

const PAGE: u32 = 5_000;

#[async_trait]
impl RosterPages for Pages<'_> {
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>> {
        if self.recipients_done {
            return Ok(Vec::new());
        }
        let page = self
            .staged
            .recipients(self.after_recipient.as_deref(), PAGE)
            .await?;
        self.recipients_done = page.len() < PAGE as usize;
        self.after_recipient = page.last().map(|r| r.email.to_lowercase());
        Ok(page
            .into_iter()
            .map(|r| NoticeRecipient {
                email: r.email,
                name: r.name,
                language: r.language,
                children: r
                    .children
                    .into_iter()
                    .map(|c| NoticeChild {
                        student_id: c.student_id,
                        name: c.name,
                    })
                    .collect(),
            })
            .collect())
    }

    async fn next_unreachable(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        if self.unreachable_done {
            return Ok(Vec::new());
        }
        let page = self
            .staged
            .unreachable_students(self.after_student.as_deref(), PAGE)
            .await?;
        self.unreachable_done = page.len() < PAGE as usize;
        self.after_student = page.last().map(|s| s.student_id.clone());
        Ok(page.into_iter().map(|s| (s.student_id, s.name)).collect())
    }

    async fn next_addresses(
        &mut self,
    ) -> anyhow::Result<Vec<(String, crate::domain::coverage::MailingAddress)>> {
        if self.addresses_done {
            return Ok(Vec::new());
        }
        let page = self
            .staged
            .addresses(self.after_address.as_deref(), PAGE)
            .await?;
        self.addresses_done = page.len() < PAGE as usize;
        self.after_address = page.last().map(|(id, _)| id.clone());
        Ok(page)
    }

    fn sqlite_file(&self) -> Option<&Path> {
        Some(&self.file)
    }
}

/// Imports a roster file (already on disk) for an incident; rejected rows
/// of a plain CSV are reported under `upload_name`.
pub async fn import_roster(
    cases: &Context,
    incident_id: Uuid,
    path: &Path,
    upload_name: &str,
    by: &str,
) -> Result<RosterAnswer, ServiceError> {
    let store = &cases.store;
    let incident = store
        .incident(incident_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let staged = match StagedRoster::stage_as(path, upload_name).await {
        Ok(staged) => staged,
        Err(rejected) if rejected.is_internal() => {
            // The cause (the scratch database's or the disk's error) is what
            // an operator needs; it names tables and files, not people.
            tracing::error!(error = ?rejected, "staging a roster failed");
            return Err(ServiceError::Store(crate::store::StoreError::NotReady(
                "staging the roster failed".into(),
            )));
        }
        Err(rejected) => return Err(rejected_roster(rejected)),
    };
    let report = staged.report.clone();
    if report.students == 0 {
        // A header-only file must not replace a good roster: the families'
        // notice would then go to nobody.
        staged.close().await;
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "body",
            format!(
                "lists no affected student ({} rejected); the roster in place, if any, is kept",
                crate::words::count(report.rejected_rows, "row", "rows")
            ),
        )]));
    }
    let now = cases.now();
    let record = RosterImportRecord {
        id: Uuid::now_v7(),
        incident_id,
        format: report.format.as_str().to_owned(),
        students: report.students,
        recipients: report.recipients,
        unreachable: report.students_without_reachable_guardian,
        rejected_rows: report.rejected_rows,
        imported_at: now,
        imported_by: by.to_owned(),
    };
    let mut pages = Pages {
        staged: &staged,
        file: staged.sqlite_file(),
        after_recipient: None,
        after_student: None,
        recipients_done: false,
        unreachable_done: false,
        after_address: None,
        addresses_done: false,
    };
    let copying = std::time::Instant::now();
    let replaced = store.replace_roster(&record, &mut pages).await;
    tracing::debug!(
        stage = "copy into the database",
        elapsed_ms = copying.elapsed().as_millis() as u64,
        "roster stage"
    );
    drop(pages);
    staged.close().await;
    let replaced = match replaced {
        Err(crate::store::StoreError::Conflict) => {
            return Err(ServiceError::Conflict(
                "a roster uploaded for this incident after this one was imported first; it is the one kept"
                    .into(),
            ))
        }
        other => other?,
    };
    if !replaced {
        return Err(ServiceError::Conflict(
            "the notice was already approved; its recipients can no longer change".into(),
        ));
    }
    tracing::info!(%incident_id, students = report.students, recipients = report.recipients, rejected = report.rejected_rows, "roster imported");
    let unreachable = store.unreachable_students(incident_id).await?;
    let obligations = store.incident_obligations(incident_id).await?;
    if on_obligations_changed(
        store.as_ref(),
        &cases.settings,
        &incident,
        &obligations,
        now,
    )
    .await?
    {
        auto_approve(cases, incident_id).await?;
    }
    Ok(RosterAnswer {
        format: report.format.as_str(),
        students: report.students,
        recipients: report.recipients,
        students_without_reachable_guardian: report.students_without_reachable_guardian,
        unreachable_students: unreachable
            .into_iter()
            .take(LISTED_UNREACHABLE)
            .map(Student::from_pair)
            .collect(),
        rejected_rows: report.rejected_rows,
        rejected: report.rejected.into_iter().map(Into::into).collect(),
    })
}

fn rejected_roster(rejected: RosterRejected) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(
        "body",
        format!("is not a roster: {rejected}"),
    )])
}

/// `notice.auto_send`: approves by itself, unless the draft still holds a
/// placeholder; then it waits for an administrator (logged with the fields,
/// never their text), and whatever started it still succeeds.
pub async fn auto_approve(cases: &Context, incident_id: Uuid) -> Result<(), ServiceError> {
    if let Some(notice) = cases.store.notice(incident_id).await? {
        let unfilled = notice.unfilled_placeholders();
        if notice.approved_at.is_none() && !unfilled.is_empty() {
            let fields: Vec<&str> = unfilled.iter().map(|(field, _)| field.as_str()).collect();
            tracing::warn!(%incident_id, fields = ?fields, "notice.auto_send: the draft still holds placeholders; an administrator must fill them in and approve");
            return Ok(());
        }
    }
    approve(cases, incident_id, "auto_send").await.map(drop)
}

/// Approves the family notice: plans one message per guardian and the
/// publication of the website notice, then wakes the scheduler.
pub async fn approve(
    cases: &Context,
    incident_id: Uuid,
    by: &str,
) -> Result<Approval, ServiceError> {
    let store = &cases.store;
    let incident = store
        .incident(incident_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let Some(roster) = store.latest_roster_import(incident_id).await? else {
        return Err(ServiceError::Conflict(
            "import the roster of affected students first".into(),
        ));
    };
    let approved_before = store
        .notice(incident_id)
        .await?
        .is_some_and(|notice| notice.approved_at.is_some());
    if roster.recipients == 0 && !approved_before {
        return Err(ServiceError::Invalid(vec![FieldError::new(
            "roster",
            format!(
                "has no guardian email address for any of its {}: there is no one to email; \
                 their families need paper letters",
                crate::words::count(roster.students, "student", "students")
            ),
        )]));
    }
    let now = cases.now();
    let proposed = draft(&incident, &cases.settings, now);
    store.ensure_notice_draft(&proposed).await?;
    if !approved_before {
        let notice = store.notice(incident_id).await?.unwrap_or(proposed);
        // Every message variant and the website page render, or nothing is
        // planned (`preflight`).
        let templates = cases.templates()?;
        super::preflight::check(cases, &templates, &incident, &notice).await?;
        let unfilled = notice.unfilled_placeholders();
        if !unfilled.is_empty() {
            return Err(ServiceError::Invalid(
                unfilled
                    .into_iter()
                    .map(|(field, placeholder)| {
                        FieldError::new(
                            field,
                            format!(
                                "still holds the placeholder {placeholder}: fill it in or delete it before approving"
                            ),
                        )
                    })
                    .collect(),
            ));
        }
    }
    let domain = cases.settings.email.from.email.domain().to_owned();
    let outcome = store
        .approve_notice(
            incident_id,
            by,
            now,
            cases.settings.notice.chunk_size,
            &domain,
        )
        .await?;
    if !outcome.already {
        tracing::info!(%incident_id, recipients = outcome.recipients, chunks = outcome.chunks, "family notice approved");
        cases.wake.wake();
    }
    let forecast = if outcome.already {
        super::forecast::remaining(cases, incident_id).await?
    } else {
        super::forecast::for_messages(cases, incident_id, outcome.recipients).await?
    };
    if !forecast.meets_deadline {
        tracing::warn!(%incident_id, messages = forecast.messages, "the family notice's fan-out is projected to finish after the families' deadline");
    }
    let zone = cases.settings.timezone;
    Ok(Approval {
        recipients: outcome.recipients,
        chunks: outcome.chunks,
        already_approved: outcome.already,
        published_url: Some(crate::scheduler::jobs::publish::page_url(
            &cases.settings,
            incident_id,
        )),
        projected_finish_at: format_in_zone(forecast.projected_finish_at, zone),
        families_due_at: forecast.due_at.map(|due| format_in_zone(due, zone)),
        meets_deadline: forecast.meets_deadline,
    })
}
