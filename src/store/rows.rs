//! Reading records out of rows, once for both backends: a row of either
//! driver answers `Columns::read`, and each record has one function that
//! reads it through that. Ids are text columns on both backends, JSON
//! values text columns holding JSON.

use super::{
    EmailRecord, EmailStatus, EventRecord, FamilyDelivery, IncidentRecord, Job, JobKind, JobState,
    NoticeChild, NoticeRecipient, NoticeRecord, ObligationRecord, ObligationWithIncident,
    RosterImportRecord, StoreError, StoreResult, StoredResponse,
};
use crate::audit::AuditEntry;
use crate::domain::request::{Reference, RequestKind, Via};
use crate::domain::{ClockEvent, Party, Subject};
use crate::rules::DueKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgRow, Postgres};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{Decode, Row, Type};
use uuid::Uuid;

/// A column type both drivers decode.
pub(crate) trait Value:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A row of either backend, read by column name.
pub(crate) trait Columns {
    fn read<T: Value>(&self, name: &str) -> StoreResult<T>;
}

impl Columns for SqliteRow {
    fn read<T: Value>(&self, name: &str) -> StoreResult<T> {
        Ok(self.try_get(name)?)
    }
}

impl Columns for PgRow {
    fn read<T: Value>(&self, name: &str) -> StoreResult<T> {
        Ok(self.try_get(name)?)
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON: no maps with non-string keys")
}

pub(crate) fn uuid(row: &impl Columns, column: &str) -> StoreResult<Uuid> {
    let text: String = row.read(column)?;
    Uuid::parse_str(&text)
        .map_err(|_| StoreError::Corrupt(format!("{column} {text:?} is not a UUID")))
}

pub(crate) fn optional_uuid(row: &impl Columns, column: &str) -> StoreResult<Option<Uuid>> {
    let text: Option<String> = row.read(column)?;
    text.map(|text| {
        Uuid::parse_str(&text).map_err(|_| StoreError::Corrupt(format!("{column} {text:?}")))
    })
    .transpose()
}

fn json<T: serde::de::DeserializeOwned>(row: &impl Columns, column: &str) -> StoreResult<T> {
    let text: String = row.read(column)?;
    serde_json::from_str(&text).map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}

/// A count column, which the schema keeps as a signed integer.
fn count(row: &impl Columns, column: &str) -> StoreResult<u64> {
    Ok(u64::try_from(row.read::<i64>(column)?).unwrap_or(0))
}

/// A clock event's name, as the rules spell them.
fn clock_event(row: &impl Columns, column: &str) -> StoreResult<ClockEvent> {
    let text: String = row.read(column)?;
    ClockEvent::parse(&text).map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}

fn due_kind(row: &impl Columns) -> StoreResult<DueKind> {
    let text: String = row.read("due_kind")?;
    DueKind::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("due_kind {text:?}")))
}

fn party(row: &impl Columns) -> StoreResult<Party> {
    let text: String = row.read("party")?;
    Party::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("party {text:?}")))
}

pub(crate) fn stored_response(row: &impl Columns) -> StoreResult<StoredResponse> {
    let status: i64 = row.read("status")?;
    Ok(StoredResponse {
        request_hash: row.read("request_hash")?,
        status: u16::try_from(status)
            .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
        body: row.read("body")?,
    })
}

pub(crate) fn event(row: &impl Columns) -> StoreResult<EventRecord> {
    Ok(EventRecord {
        kind: clock_event(row, "kind")?,
        at: row.read("at")?,
        recorded_at: row.read("recorded_at")?,
        recorded_by: row.read("recorded_by")?,
    })
}

/// An incident without its events, which are rows of their own.
pub(crate) fn incident(row: &impl Columns) -> StoreResult<IncidentRecord> {
    let affected: Option<i64> = row.read("affected_students")?;
    Ok(IncidentRecord {
        id: uuid(row, "id")?,
        title: row.read("title")?,
        description: row.read("description")?,
        contractor: row.read("contractor")?,
        own_systems: row.read("own_systems")?,
        data_elements: json(row, "data_elements")?,
        classification: json(row, "classification")?,
        affected_students: affected.and_then(|n| u64::try_from(n).ok()),
        facts: json(row, "facts")?,
        filed_by: row.read("filed_by")?,
        created_at: row.read("created_at")?,
        version: row.read("version")?,
        events: Vec::new(),
    })
}

/// An obligation's subject: its incident, its privacy request or its
/// contract.
fn subject(row: &impl Columns) -> StoreResult<Subject> {
    match (
        optional_uuid(row, "incident_id")?,
        optional_uuid(row, "request_id")?,
        optional_uuid(row, "contract_id")?,
    ) {
        (Some(incident), None, None) => Ok(Subject::Incident(incident)),
        (None, Some(request), None) => Ok(Subject::Request(request)),
        (None, None, Some(contract)) => Ok(Subject::Contract(contract)),
        _ => Err(StoreError::Corrupt(
            "an obligation without exactly one of an incident, a request and a contract".into(),
        )),
    }
}

pub(crate) fn obligation(row: &impl Columns) -> StoreResult<ObligationRecord> {
    Ok(ObligationRecord {
        id: uuid(row, "id")?,
        subject: subject(row)?,
        kind: row.read("kind")?,
        title: row.read("title")?,
        party: party(row)?,
        recipient: row.read("recipient")?,
        clock: clock_event(row, "clock")?,
        clock_started_at: row.read("clock_started_at")?,
        due_at: row.read("due_at")?,
        due_kind: due_kind(row)?,
        on_hold: row.read("on_hold")?,
        rolled_due_at: row.read("rolled_due_at")?,
        sources: json(row, "sources")?,
        completed_at: row.read("completed_at")?,
        completion_note: row.read("completion_note")?,
        completed_by: row.read("completed_by")?,
        waived_at: row.read("waived_at")?,
        waive_reason: row.read("waive_reason")?,
        waived_by: row.read("waived_by")?,
        updated_at: row.read("updated_at")?,
    })
}

pub(crate) fn obligation_with_incident(row: &impl Columns) -> StoreResult<ObligationWithIncident> {
    let incident_title: Option<String> = row.read("incident_title")?;
    let contract_title: Option<String> = row.read("contract_title")?;
    let title = match (incident_title, contract_title) {
        (Some(title), _) => title,
        (None, Some(title)) => format!("Contract: {title}"),
        (None, None) => {
            let kind: Option<String> = row.read("request_kind")?;
            let reference: Option<String> = row.read("request_reference")?;
            match (kind.as_deref().map(RequestKind::parse), reference) {
                (Some(Ok(kind)), Some(reference)) => format!("{} ({reference})", kind.label()),
                _ => {
                    return Err(StoreError::Corrupt(
                        "an obligation without its subject".into(),
                    ))
                }
            }
        }
    };
    Ok(ObligationWithIncident {
        obligation: obligation(row)?,
        incident_title: title,
    })
}

pub(crate) fn privacy_request(row: &impl Columns) -> StoreResult<super::PrivacyRequestRecord> {
    let kind: String = row.read("kind")?;
    let via: String = row.read("via")?;
    Ok(super::PrivacyRequestRecord {
        id: uuid(row, "id")?,
        reference: Reference::stored(row.read("reference")?),
        kind: RequestKind::parse(&kind)
            .map_err(|_| StoreError::Corrupt(format!("request kind {kind:?}")))?,
        received_at: row.read("received_at")?,
        requester_name: row.read("requester_name")?,
        requester_email: row.read("requester_email")?,
        summary: row.read("summary")?,
        via: Via::parse(&via).ok_or_else(|| StoreError::Corrupt(format!("request via {via:?}")))?,
        filed_by: row.read("filed_by")?,
        assigned_to: row.read("assigned_to")?,
        answer: row.read("answer")?,
        answered_at: row.read("answered_at")?,
        answered_by: row.read("answered_by")?,
        closed_at: row.read("closed_at")?,
        closed_by: row.read("closed_by")?,
        close_note: row.read("close_note")?,
        created_at: row.read("created_at")?,
        version: row.read("version")?,
    })
}

pub(crate) fn job(row: &impl Columns) -> StoreResult<Job> {
    let state: String = row.read("state")?;
    Ok(Job {
        id: uuid(row, "id")?,
        kind: JobKind::parse(&row.read::<String>("kind")?),
        key: row.read("key")?,
        payload: json(row, "payload")?,
        due_at: row.read("due_at")?,
        state: JobState::parse(&state)?,
        attempts: row.read("attempts")?,
        locked_until: row.read("locked_until")?,
        locked_by: row.read("locked_by")?,
        last_error: row.read("last_error")?,
        incident_id: optional_uuid(row, "incident_id")?,
        obligation_id: optional_uuid(row, "obligation_id")?,
        obligation_due: row.read("obligation_due")?,
        step_order: row.read("step_order")?,
        late: row.read("late")?,
        created_at: row.read("created_at")?,
        updated_at: row.read("updated_at")?,
        finished_at: row.read("finished_at")?,
    })
}

pub(crate) fn email(row: &impl Columns) -> StoreResult<EmailRecord> {
    let status: String = row.read("status")?;
    Ok(EmailRecord {
        id: uuid(row, "id")?,
        job_id: optional_uuid(row, "job_id")?,
        kind: row.read("kind")?,
        incident_id: optional_uuid(row, "incident_id")?,
        recipient: row.read("recipient")?,
        message_id: row.read("message_id")?,
        status: EmailStatus::parse(&status)?,
        attempts: row.read("attempts")?,
        last_reply: row.read("last_reply")?,
        next_attempt_at: row.read("next_attempt_at")?,
        sent_at: row.read("sent_at")?,
    })
}

/// A (status, count) row of family notices.
pub(crate) fn delivery_count(row: &impl Columns) -> StoreResult<(EmailStatus, i64)> {
    let status: String = row.read("status")?;
    Ok((EmailStatus::parse(&status)?, row.read("n")?))
}

pub(crate) fn roster_import(row: &impl Columns) -> StoreResult<RosterImportRecord> {
    Ok(RosterImportRecord {
        id: uuid(row, "id")?,
        incident_id: uuid(row, "incident_id")?,
        format: row.read("format")?,
        students: count(row, "students")?,
        recipients: count(row, "recipients")?,
        unreachable: count(row, "unreachable")?,
        rejected_rows: count(row, "rejected_rows")?,
        imported_at: row.read("imported_at")?,
        imported_by: row.read("imported_by")?,
    })
}

/// A (student id, name) with no reachable guardian.
pub(crate) fn unreachable_student(row: &impl Columns) -> StoreResult<(String, String)> {
    Ok((row.read("student_id")?, row.read("name")?))
}

pub(crate) fn vendor(row: &impl Columns) -> StoreResult<super::VendorRecord> {
    Ok(super::VendorRecord {
        id: uuid(row, "id")?,
        version: row.read("version")?,
        created_at: row.read("created_at")?,
        updated_at: row.read("updated_at")?,
        vendor: json(row, "body")?,
    })
}

pub(crate) fn document(row: &impl Columns) -> StoreResult<super::Document> {
    Ok(super::Document {
        owner_id: uuid(row, "owner_id")?,
        file_name: row.read("file_name")?,
        content_type: row.read("content_type")?,
        size: row.read("size")?,
        sha256: row.read("sha256")?,
        publishable: row.read("publishable")?,
        uploaded_by: row.read("uploaded_by")?,
        uploaded_at: row.read("uploaded_at")?,
    })
}

pub(crate) fn contract(row: &impl Columns) -> StoreResult<super::ContractRecord> {
    Ok(super::ContractRecord {
        id: uuid(row, "id")?,
        created_at: row.read("created_at")?,
        filed_by: row.read("filed_by")?,
        contract: json(row, "body")?,
        published_at: row.read("published_at")?,
        published_url: row.read("published_url")?,
        amendment: super::Amendment {
            requested_at: row.read("amendment_requested_at")?,
            request_note: row.read("amendment_request_note")?,
            amended_on: row
                .read::<Option<String>>("amended_on")?
                .map(|text| {
                    chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                        .map_err(|_| StoreError::Corrupt(format!("amended_on {text:?}")))
                })
                .transpose()?,
            added: json(row, "amended_provisions")?,
        },
        version: row.read("version")?,
    })
}

pub(crate) fn notice(row: &impl Columns) -> StoreResult<NoticeRecord> {
    Ok(NoticeRecord {
        incident_id: uuid(row, "incident_id")?,
        what_happened: row.read("what_happened")?,
        what_we_are_doing: row.read("what_we_are_doing")?,
        what_families_can_do: row.read("what_families_can_do")?,
        contact: row.read("contact")?,
        public_title: row.read("public_title")?,
        languages: json(row, "languages")?,
        drafted_at: row.read("drafted_at")?,
        approved_at: row.read("approved_at")?,
        approved_by: row.read("approved_by")?,
        recipients: row.read("recipients")?,
        published_at: row.read("published_at")?,
        published_url: row.read("published_url")?,
    })
}

/// Notices' public copies, stored as JSON text.
pub(crate) fn public_notices(texts: &[String]) -> StoreResult<Vec<serde_json::Value>> {
    texts
        .iter()
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("notices.public: {e}")))
        })
        .collect()
}

/// An audit entry; its instant is text (see `statements::audit::insert_many`).
pub(crate) fn audit(row: &impl Columns) -> StoreResult<AuditEntry> {
    let at: String = row.read("at")?;
    Ok(AuditEntry {
        seq: row.read("seq")?,
        at: DateTime::parse_from_rfc3339(&at)
            .map_err(|_| StoreError::Corrupt(format!("audit_log.at {at:?}")))?
            .with_timezone(&Utc),
        actor: row.read("actor")?,
        action: row.read("action")?,
        incident_id: optional_uuid(row, "incident_id")?,
        subject: row.read("subject")?,
        details: json(row, "details")?,
        prev_hash: row.read("prev_hash")?,
        hash: row.read("hash")?,
        mac: row.read("mac")?,
    })
}

/// A page of `family_deliveries_due` as both stores return it: one JSON
/// array built by the database, in address order. The SQLite driver hands
/// rows from its thread to the caller one at a time, which cost more than
/// the query itself for a page of hundreds; one row carries the page.
#[derive(Debug, Deserialize)]
pub(crate) struct DuePageRow {
    id: Uuid,
    job_id: Option<Uuid>,
    kind: String,
    incident_id: Option<Uuid>,
    recipient: String,
    message_id: String,
    status: String,
    attempts: i64,
    last_reply: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    sent_at: Option<DateTime<Utc>>,
    r_email: String,
    r_name: String,
    r_language: Option<String>,
    r_children: Vec<NoticeChild>,
}

/// The deliveries of a page (see `DuePageRow`).
pub(crate) fn due_page(json: &str) -> StoreResult<Vec<FamilyDelivery>> {
    let rows: Vec<DuePageRow> = serde_json::from_str(json)
        .map_err(|error| StoreError::Corrupt(format!("a page of due deliveries: {error}")))?;
    rows.into_iter()
        .map(|row| {
            Ok(FamilyDelivery {
                email: EmailRecord {
                    id: row.id,
                    job_id: row.job_id,
                    kind: row.kind,
                    incident_id: row.incident_id,
                    recipient: row.recipient,
                    message_id: row.message_id,
                    status: EmailStatus::parse(&row.status)?,
                    attempts: row.attempts,
                    last_reply: row.last_reply,
                    next_attempt_at: row.next_attempt_at,
                    sent_at: row.sent_at,
                },
                recipient: NoticeRecipient {
                    email: row.r_email,
                    name: row.r_name,
                    language: row.r_language,
                    children: row.r_children,
                },
            })
        })
        .collect()
}

fn role(row: &impl Columns) -> StoreResult<crate::settings::Role> {
    let text: String = row.read("role")?;
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("role {text:?}")))
}

pub(crate) fn token(row: &impl Columns) -> StoreResult<super::TokenRecord> {
    Ok(super::TokenRecord {
        name: row.read("name")?,
        role: role(row)?,
        sha256: row.read("sha256")?,
        created_at: row.read("created_at")?,
        created_by: row.read("created_by")?,
        revoked_at: row.read("revoked_at")?,
    })
}

pub(crate) fn session(row: &impl Columns) -> StoreResult<super::SessionRecord> {
    Ok(super::SessionRecord {
        id: row.read("id")?,
        secret_sha256: row.read("secret_sha256")?,
        subject: row.read("subject")?,
        role: role(row)?,
        provider: row.read("provider")?,
        created_at: row.read("created_at")?,
        last_seen_at: row.read("last_seen_at")?,
        expires_at: row.read("expires_at")?,
        user_agent: row.read("user_agent")?,
    })
}

pub(crate) fn sign_in_attempt(row: &impl Columns) -> StoreResult<super::SignInAttempt> {
    Ok(super::SignInAttempt {
        state_sha256: row.read("state_sha256")?,
        provider: row.read("provider")?,
        nonce: row.read("nonce")?,
        pkce_verifier: row.read("pkce_verifier")?,
        browser_sha256: row.read("browser_sha256")?,
        next: row.read("next")?,
        created_at: row.read("created_at")?,
    })
}

/// A roster address's children and how its family notice fared (see
/// `statements::coverage::guardian_messages`).
pub(crate) fn guardian_message(
    row: &impl Columns,
) -> StoreResult<crate::domain::coverage::GuardianMessage> {
    use crate::domain::coverage::MessageOutcome;
    let children: Vec<NoticeChild> = json(row, "children")?;
    let status: Option<String> = row.read("status")?;
    let outcome = match status.as_deref().map(EmailStatus::parse).transpose()? {
        None => MessageOutcome::Unplanned,
        Some(EmailStatus::Queued | EmailStatus::Deferred) => MessageOutcome::Pending,
        // Returned after acceptance: it reached nobody.
        Some(EmailStatus::Failed | EmailStatus::Bounced) => MessageOutcome::Failed,
        Some(EmailStatus::Sent) => match row.read::<Option<DateTime<Utc>>>("sent_at")? {
            Some(at) => MessageOutcome::Accepted(at),
            None => return Err(StoreError::Corrupt("a sent email without sent_at".into())),
        },
    };
    Ok(crate::domain::coverage::GuardianMessage {
        guardian_name: row.read("name")?,
        language: row.read("language")?,
        children: children
            .into_iter()
            .map(|child| (child.student_id, child.name))
            .collect(),
        outcome,
    })
}

pub(crate) fn student_mark(
    row: &impl Columns,
) -> StoreResult<crate::domain::coverage::StudentMark> {
    let kind: String = row.read("kind")?;
    Ok(crate::domain::coverage::StudentMark {
        student_id: row.read("student_id")?,
        kind: kind.parse().map_err(StoreError::Corrupt)?,
        at: row.read("at")?,
        reason: row.read("reason")?,
    })
}

pub(crate) fn incident_with_roster(row: &impl Columns) -> StoreResult<Uuid> {
    uuid(row, "incident_id")
}

pub(crate) fn student_address(
    row: &impl Columns,
) -> StoreResult<(String, crate::domain::coverage::MailingAddress)> {
    Ok((row.read("student_id")?, json(row, "address")?))
}

pub(crate) fn bounce(row: &impl Columns) -> StoreResult<super::BounceRecord> {
    Ok(super::BounceRecord {
        email_id: uuid(row, "email_id")?,
        recipient: row.read("recipient")?,
        status: row.read("status")?,
        diagnostic: row.read("diagnostic")?,
        bounced_at: row.read("bounced_at")?,
        after_completion: row.read("after_completion")?,
    })
}
