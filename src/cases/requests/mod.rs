//! A family's privacy requests: filing one (from the API or the public
//! form) with the response duty its kind starts, the receipt to the
//! requester and the duty's reminders; then staff assign, answer (the answer
//! is emailed and kept, and completes the duty) and close it. Each change is
//! one transaction with its audit entry; the audit, the logs and the titles
//! carry the kind and reference, never the requester's name or address.

pub mod input;

use super::incidents::records_for;
use super::{Context, ServiceError, FUTURE_TOLERANCE};
use crate::audit::NewAudit;
use crate::domain::request::{response_kind, Reference, Via};
use crate::domain::{FieldError, Subject};
use crate::scheduler::planning::{reminder_jobs, request_mail_job, RequestMail};
use crate::store::{ObligationRecord, PrivacyRequestRecord, Settlement, StoreError};
use serde_json::json;
use uuid::Uuid;

pub use input::NewRequest;

/// A request with the duties it started.
#[derive(Debug, Clone)]
pub struct RequestWithDuties {
    pub request: PrivacyRequestRecord,
    pub obligations: Vec<ObligationRecord>,
}

/// Who filed a request from the public form (the audit's actor).
pub const PUBLIC_FORM: &str = "public form";

impl Context {
    /// Files a request: its duty (from the rule packs, the federal one
    /// included, and the board's policy), the receipt to the requester and
    /// the duty's reminders, in one transaction.
    pub async fn file_request(
        &self,
        new: NewRequest,
        via: Via,
        by: &str,
    ) -> Result<RequestWithDuties, ServiceError> {
        let now = self.clock.now();
        let received_at = new.received_at.unwrap_or(now);
        if received_at > now + FUTURE_TOLERANCE {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "received_at",
                "is in the future",
            )]));
        }
        let id = Uuid::now_v7();
        let reference = Reference::from_bits(rand::random::<u64>());
        let kind_id = response_kind(new.kind);
        let plans: Vec<_> = self
            .settings
            .engine
            .evaluate_request(&kind_id, received_at, now)
            .into_iter()
            .collect();
        let obligations = records_for(Subject::Request(id), &plans, &[], by, now);
        let request = PrivacyRequestRecord {
            id,
            reference,
            kind: new.kind,
            received_at,
            requester_name: new.name,
            requester_email: new.email,
            summary: new.summary,
            via,
            filed_by: by.to_owned(),
            assigned_to: None,
            answer: None,
            answered_at: None,
            answered_by: None,
            closed_at: None,
            closed_by: None,
            close_note: None,
            created_at: now,
            version: 0,
        };
        let mut jobs = reminder_jobs(&obligations, &self.settings.escalation, now);
        jobs.push(request_mail_job(id, RequestMail::Receipt, now));
        let audit = NewAudit::new(
            now,
            by,
            "request_received",
            None,
            Some(id.to_string()),
            json!({
                "kind": new.kind.as_str(),
                "reference": request.reference.as_str(),
                "via": via.as_str(),
                "received_at": received_at,
                "obligations": obligations.iter().map(|o| json!({
                    "id": o.id, "kind": o.kind, "due_at": o.due_at,
                })).collect::<Vec<_>>(),
            }),
        );
        self.store
            .create_privacy_request(&request, &obligations, &jobs, &audit)
            .await?;
        self.wake.wake();
        tracing::info!(request_id = %id, kind = new.kind.as_str(), via = via.as_str(), duties = obligations.len(), "privacy request received");
        Ok(RequestWithDuties {
            request,
            obligations,
        })
    }

    pub async fn privacy_request(&self, id: Uuid) -> Result<RequestWithDuties, ServiceError> {
        let request = self
            .store
            .privacy_request(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let obligations = self.store.request_obligations(id).await?;
        Ok(RequestWithDuties {
            request,
            obligations,
        })
    }

    /// Newest received first.
    pub async fn privacy_requests(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PrivacyRequestRecord>, ServiceError> {
        Ok(self.store.privacy_requests(limit, offset).await?)
    }

    /// Assigns a request to a contact role (`[contacts]`) or to one of the
    /// contacts' addresses.
    pub async fn assign_request(
        &self,
        id: Uuid,
        to: &str,
        by: &str,
    ) -> Result<RequestWithDuties, ServiceError> {
        let to = to.trim();
        let known = self.settings.contacts.contains_key(to)
            || self
                .settings
                .contacts
                .values()
                .flatten()
                .any(|mailbox| mailbox.email.to_string().eq_ignore_ascii_case(to));
        if !known {
            let roles: Vec<&str> = self.settings.contacts.keys().map(String::as_str).collect();
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "to",
                format!(
                    "must be a contact role ({}) or one of the contacts' addresses",
                    roles.join(", ")
                ),
            )]));
        }
        let current = self.open_request(id).await?;
        let mut record = current.clone();
        record.assigned_to = Some(to.to_owned());
        let audit = self.request_audit(&record, by, "request_assigned", json!({"to": to}));
        self.save_request(record, None, &[], &audit).await
    }

    /// Keeps the answer, emails it to the requester and completes the
    /// request's duty (done, or late past its due time).
    pub async fn answer_request(
        &self,
        id: Uuid,
        answer: &str,
        by: &str,
    ) -> Result<RequestWithDuties, ServiceError> {
        let answer = answer.trim();
        if answer.is_empty() || answer.chars().count() > input::MAX_ANSWER_CHARS {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "answer",
                format!(
                    "is required, at most {} characters",
                    input::MAX_ANSWER_CHARS
                ),
            )]));
        }
        let current = self.open_request(id).await?;
        if current.answered_at.is_some() {
            return Err(ServiceError::Conflict(
                "the request was answered already; its answer was sent".into(),
            ));
        }
        let now = self.clock.now();
        let mut record = current;
        record.answer = Some(answer.to_owned());
        record.answered_at = Some(now);
        record.answered_by = Some(by.to_owned());
        let settle = Settlement::Complete {
            at: now,
            note: Some("answered; the answer was emailed to the requester".into()),
        };
        let jobs = [request_mail_job(id, RequestMail::Answer, now)];
        let audit = self.request_audit(
            &record,
            by,
            "request_answered",
            json!({"answer_chars": answer.chars().count()}),
        );
        let saved = self
            .save_request(record, Some(&settle), &jobs, &audit)
            .await?;
        self.wake.wake();
        Ok(saved)
    }

    /// Closes a request; a duty still open is completed with it, with the
    /// closing note as its record.
    pub async fn close_request(
        &self,
        id: Uuid,
        note: &str,
        by: &str,
    ) -> Result<RequestWithDuties, ServiceError> {
        let note = note.trim();
        if note.chars().count() > input::MAX_ANSWER_CHARS {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "note",
                format!("must be at most {} characters", input::MAX_ANSWER_CHARS),
            )]));
        }
        let current = self.open_request(id).await?;
        let now = self.clock.now();
        let mut record = current;
        record.closed_at = Some(now);
        record.closed_by = Some(by.to_owned());
        record.close_note = (!note.is_empty()).then(|| note.to_owned());
        let settle = Settlement::Complete {
            at: now,
            note: Some(if note.is_empty() {
                "request closed".to_owned()
            } else {
                format!("request closed: {note}")
            }),
        };
        let audit = self.request_audit(
            &record,
            by,
            "request_closed",
            json!({"note": !note.is_empty()}),
        );
        self.save_request(record, Some(&settle), &[], &audit).await
    }

    /// The request, unless it is closed (a closed one takes no changes).
    async fn open_request(&self, id: Uuid) -> Result<PrivacyRequestRecord, ServiceError> {
        let record = self
            .store
            .privacy_request(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if record.closed_at.is_some() {
            return Err(ServiceError::Conflict("the request is closed".into()));
        }
        Ok(record)
    }

    fn request_audit(
        &self,
        record: &PrivacyRequestRecord,
        by: &str,
        action: &str,
        details: serde_json::Value,
    ) -> NewAudit {
        let mut details = details;
        details["reference"] = json!(record.reference.as_str());
        NewAudit::new(
            self.clock.now(),
            by,
            action,
            None,
            Some(record.id.to_string()),
            details,
        )
    }

    async fn save_request(
        &self,
        mut record: PrivacyRequestRecord,
        settle: Option<&Settlement>,
        jobs: &[crate::store::NewJob],
        audit: &NewAudit,
    ) -> Result<RequestWithDuties, ServiceError> {
        record.version += 1;
        let now = self.clock.now();
        match self
            .store
            .update_privacy_request(&record, settle, jobs, audit, now)
            .await
        {
            Ok(()) => {
                tracing::info!(request_id = %record.id, action = %audit.action, "privacy request changed");
                self.privacy_request(record.id).await
            }
            Err(StoreError::Conflict) => Err(ServiceError::Conflict(
                "the request was changed by someone else meanwhile; reload and try again".into(),
            )),
            Err(error) => Err(error.into()),
        }
    }
}
