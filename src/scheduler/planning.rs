//! From obligations to reminder jobs: turns the escalation plan of each open
//! obligation into jobs keyed by obligation, due time and step, so that
//! planning the same thing twice (a retry, a restart's reconciliation) adds
//! nothing.

use super::escalation::{self, PlannedReminder, PlannedState, Policy};
use crate::domain::Undated;
use crate::store::{EmailRecord, Job, JobKind, JobState, NewJob, ObligationRecord};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

/// The idempotency key of one reminder step.
pub fn reminder_key(obligation_id: Uuid, due: DateTime<Utc>, label: &str) -> String {
    format!("reminder:{obligation_id}:{}:{label}", due.timestamp())
}

pub fn reminder_job(
    obligation: &ObligationRecord,
    due: DateTime<Utc>,
    reminder: &PlannedReminder,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::Reminder,
        key: reminder_key(obligation.id, due, &reminder.label),
        payload: json!({ "label": reminder.label, "roles": reminder.roles }),
        due_at: reminder.at,
        state: match reminder.state {
            PlannedState::Scheduled => JobState::Scheduled,
            PlannedState::Skipped => JobState::Skipped,
        },
        incident_id: obligation.subject.incident(),
        obligation_id: Some(obligation.id),
        obligation_due: Some(due),
        step_order: Some(reminder.order),
        late: reminder.late,
    }
}

/// Reminder jobs for every obligation whose clock runs and that is not
/// settled: the escalation steps towards its due time, or, for a duty with
/// no fixed time, the current point of its cadence (`asap_reminder_job`).
pub fn reminder_jobs(
    obligations: &[ObligationRecord],
    policy: &Policy,
    now: DateTime<Utc>,
) -> Vec<NewJob> {
    let unsettled = obligations
        .iter()
        .filter(|o| o.completed_at.is_none() && o.waived_at.is_none());
    let mut jobs: Vec<NewJob> = unsettled
        .clone()
        .filter_map(|o| Some((o, o.clock_started_at?, o.due_at?)))
        .flat_map(|(o, start, due)| {
            escalation::plan(policy, start, due, now)
                .into_iter()
                .map(move |reminder| reminder_job(o, due, &reminder))
        })
        .collect();
    jobs.extend(unsettled.filter_map(|o| {
        let start = o.clock_started_at?;
        let running = o.undated() == Undated::NoFixedTime;
        let every = policy.asap_every;
        if !running || every <= chrono::Duration::zero() {
            return None;
        }
        // The point of the cadence at or before now: due at once for a duty
        // just opened; one already planned has the same key.
        let elapsed = (now - start).num_milliseconds().max(0);
        let point = elapsed / every.num_milliseconds();
        Some(asap_reminder_job(o, policy, start, point))
    }));
    jobs
}

/// The `point`-th reminder (0: at the clock's start) of a duty with no
/// fixed time, to every role of the policy: it is due now.
pub fn asap_reminder_job(
    obligation: &ObligationRecord,
    policy: &Policy,
    start: DateTime<Utc>,
    point: i64,
) -> NewJob {
    let mut roles: Vec<String> = Vec::new();
    for role in policy
        .steps
        .iter()
        .flat_map(|step| step.notify.iter())
        .chain(policy.overdue_notify.iter())
    {
        if !roles.contains(role) {
            roles.push(role.clone());
        }
    }
    let at = start + policy.asap_every * i32::try_from(point).unwrap_or(i32::MAX);
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::Reminder,
        key: format!("reminder:{}:asap:{point}", obligation.id),
        payload: json!({ "label": "as soon as practicable", "roles": roles, "asap_point": point }),
        due_at: at,
        state: JobState::Scheduled,
        incident_id: obligation.subject.incident(),
        obligation_id: Some(obligation.id),
        obligation_due: None,
        step_order: Some(ASAP_STEP_ORDER + point),
        late: false,
    }
}

/// Step orders of the cadence of a duty with no fixed time: above every
/// escalation step, so a later point supersedes an earlier one still due.
const ASAP_STEP_ORDER: i64 = 1_000_000;

/// The digest job for one fire time.
pub fn digest_job(expression: &str, fire_at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::Digest,
        key: format!("digest:{expression}:{}", fire_at.to_rfc3339()),
        payload: json!({ "fire_at": fire_at }),
        due_at: fire_at,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The check that the notice page published with body hash `sha256` is
/// served at `url`: one per published version, so that republishing plans a
/// fresh check and the old one, finding its page replaced, ends.
pub fn website_check_job(incident_id: Uuid, url: &str, sha256: &str, now: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::WebsiteCheck,
        key: format!("website-check:{incident_id}:{sha256}"),
        payload: json!({ "url": url, "sha256": sha256 }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id: Some(incident_id),
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// Which email a privacy request's requester is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestMail {
    Receipt,
    Answer,
}

impl RequestMail {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestMail::Receipt => "receipt",
            RequestMail::Answer => "answer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [RequestMail::Receipt, RequestMail::Answer]
            .into_iter()
            .find(|mail| mail.as_str() == text)
    }
}

/// The receipt or the answer of a privacy request, sent once (its key).
pub fn request_mail_job(request_id: Uuid, mail: RequestMail, at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::RequestMail,
        key: format!("request_mail:{request_id}:{}", mail.as_str()),
        payload: json!({ "request_id": request_id, "mail": mail.as_str() }),
        due_at: at,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The consent requests of a campaign, one message per guardian, planned
/// once (its key) when the campaign starts.
pub fn consent_request_job(campaign_id: Uuid, at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::ConsentRequest,
        key: format!("consent_request:{campaign_id}"),
        payload: json!({ "campaign_id": campaign_id }),
        due_at: at,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The report of `job`'s permanent failures to the privacy officer.
pub fn failure_report_job(
    job: &Job,
    kind: &str,
    incident_id: Option<Uuid>,
    failures: &[&EmailRecord],
    now: DateTime<Utc>,
) -> NewJob {
    // Staff addresses of reminders and digests are named; a family's address
    // is personal data and stays in the deliveries listing.
    let consent = kind == crate::email::message::KIND_CONSENT_REQUEST;
    let named = kind != crate::email::message::KIND_FAMILY_NOTICE && !consent;
    let unnamed = if consent {
        "(a guardian; see the vendor's consent campaign)"
    } else {
        "(a family; see the incident's deliveries)"
    };
    let listed: Vec<Value> = failures
        .iter()
        .map(|e| {
            json!({
                "kind": kind,
                "incident_id": incident_id,
                "recipient": if named { e.recipient.clone() } else { unnamed.into() },
                "reply": e.last_reply,
            })
        })
        .collect();
    let failed: Vec<String> = failures.iter().map(|e| e.recipient.clone()).collect();
    failure_report(
        format!("failure-report:{}", job.id),
        listed,
        failed,
        incident_id,
        now,
    )
}

/// A report to the privacy officer of the `failures` listed (as the
/// template shows them); `failed_recipients` are never sent the report.
pub fn failure_report(
    key: String,
    failures: Vec<Value>,
    failed_recipients: Vec<String>,
    incident_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::FailureReport,
        key,
        payload: json!({
            "failures": failures,
            "failed_recipients": failed_recipients,
        }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The privacy officer's alert that an incident's family notices could not
/// be built (`jobs::fault_report`): once per incident, whatever its chunks
/// do; a chunk that keeps failing is reported again when it dies.
pub fn fault_report(
    incident_id: Uuid,
    fault: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::FailureReport,
        key: format!("fault-report:family-notice:{incident_id}"),
        payload: json!({ "fault": fault, "retry_at": retry_at }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id: Some(incident_id),
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// The publication of a contract's notice, planned as the contract is
/// filed (one per contract: filing twice plans nothing more).
pub fn contract_publish_job(contract_id: Uuid, now: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::PublishContract,
        key: format!("publish-contract:{contract_id}"),
        payload: json!({ "contract_id": contract_id }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// Another publication of a contract's notice, planned with a change it
/// shows (its document uploaded): a key of its own each time, since the
/// first publication's key is taken.
pub fn contract_republish_job(contract_id: Uuid, now: DateTime<Utc>) -> NewJob {
    let id = Uuid::now_v7();
    NewJob {
        key: format!("publish-contract:{contract_id}:{id}"),
        id,
        ..contract_publish_job(contract_id, now)
    }
}

/// The day's look at the vendor registry, just after local midnight of
/// `day` (the first instant of the day that exists in the zone).
pub fn agreements_daily_job(day: chrono::NaiveDate, zone: chrono_tz::Tz) -> NewJob {
    use chrono::TimeZone;
    let start = day.and_hms_opt(0, 1, 0).expect("00:01 is a valid time");
    let due_at = zone
        .from_local_datetime(&start)
        .earliest()
        .unwrap_or_else(|| zone.from_utc_datetime(&start))
        .with_timezone(&Utc);
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::AgreementsDaily,
        key: format!("agreements-daily:{day}"),
        payload: json!({ "day": day }),
        due_at,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// One reminder that a vendor's agreement expires on `expires_on`: one per
/// vendor and expiry date, however many days look at it.
pub fn agreement_expiry_job(
    vendor_id: Uuid,
    expires_on: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::AgreementExpiry,
        key: format!("agreement-expiry:{vendor_id}:{expires_on}"),
        payload: json!({ "vendor_id": vendor_id, "expires_on": expires_on }),
        due_at: now,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

/// A contract's notice to the guardians of its roster, one message each,
/// planned once (its key) when the roster is uploaded.
pub fn contract_notice_job(contract_id: Uuid, at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: JobKind::ContractNoticeMail,
        key: format!("contract_notice_mail:{contract_id}"),
        payload: json!({ "contract_id": contract_id }),
        ..consent_request_job(contract_id, at)
    }
}
