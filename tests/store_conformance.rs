//! One conformance suite for both stores: every test below is written once,
//! as an async function over `Arc<dyn Store>`, and the `conformance!` macro
//! runs it against SQLite (a temporary file) and against PostgreSQL (a fresh
//! database per test, created from `TEST_DATABASE_URL` and dropped after).
//!
//! Without `TEST_DATABASE_URL` the PostgreSQL cases print a loud
//! `SKIPPED: TEST_DATABASE_URL not set` line on the real stderr (not the
//! captured one) and return; with `BREACHD_REQUIRE_POSTGRES=1` (CI sets it)
//! they fail instead, so that a misconfigured CI never passes silently.
//!
//! Instants in the data are whole seconds: PostgreSQL keeps microseconds,
//! SQLite's text keeps nanoseconds, and the suite checks behaviour, not
//! rounding.

mod common;

use breachd::domain::coverage::{Coverage, LetterReason, MarkKind, StudentMark};
use breachd::domain::incident::ReportedFacts;
use breachd::domain::{ClockEvent, DelayRequest, ObligationStatus, Party, Subject};
use breachd::rules::Classification;
use breachd::rules::DueKind;
use breachd::scheduler::planning;
use breachd::store::*;
use chrono::{DateTime, Duration, Utc};
use common::postgres::PgTestDb;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use uuid::Uuid;

// ---------------------------------------------------------------- harness

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("conformance.db").display());
    let store = connect(&url).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    test(store).await;
}

async fn run_postgres<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    PgTestDb::run(name, |url| async move {
        let store = connect(&url).await.expect("PostgreSQL opens");
        store.migrate().await.expect("PostgreSQL migrates");
        test(store).await;
    })
    .await;
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_sqlite(super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::run_postgres(concat!("postgres::", stringify!($name)), super::$name).await;
                }
            )*
        }
    };
}

conformance!(
    migrations_are_idempotent_and_ready,
    incident_is_stored_and_replayed_by_idempotency_key,
    concurrent_filings_with_one_key_store_one_incident,
    record_event_checks_the_version,
    concurrent_events_on_one_version_conflict,
    record_event_replans_and_drops_obsolete_obligations,
    obligations_filter_and_order,
    undated_obligations_are_pending_on_hold_or_open,
    incidents_filter_and_order,
    settling_cancels_jobs,
    enqueue_is_idempotent_by_key,
    one_digest_per_fire_time_across_instances,
    claim_lease_and_expired_lease_takeover,
    concurrent_claimers_never_share_a_job,
    only_the_lease_holder_finishes_or_reschedules,
    a_dead_job_is_reported_once_listed_and_retried,
    jobs_are_finished_together_with_their_audit_entries,
    concurrent_batched_completions_keep_one_chain,
    later_reminder_due_and_obligation_jobs,
    reminder_steps_fold_for_several_leaders_at_once,
    emails_and_attempts,
    roster_approval_fan_out_and_deliveries,
    fan_out_chunks_are_claimed_apart_from_other_jobs,
    published_notices_newest_first,
    student_coverage_follows_deliveries_and_records,
    bounces_turn_accepted_messages_bounced_once,
    vendors_are_stored_changed_and_listed,
    site_files_website_checks_and_delivery_attempts,
    privacy_requests_carry_their_own_duties,
    contracts_their_duties_and_publication,
    a_contract_notice_to_amend_and_its_amendment_are_recorded,
    documents_of_vendors_and_contracts,
    a_roster_import_lets_other_writers_in_and_lands_whole,
    a_roster_import_refused_at_its_end_changes_nothing,
    a_staged_roster_lands_alike_on_either_backend,
);

// ---------------------------------------------------------------- data

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test instants are valid")
        .with_timezone(&Utc)
}

const NOW: &str = "2026-04-20T16:00:00Z";

fn incident(title: &str, created_at: DateTime<Utc>) -> IncidentRecord {
    IncidentRecord {
        id: Uuid::now_v7(),
        title: title.into(),
        description: Some("a description".into()),
        contractor: Some("Vendor Inc.".into()),
        own_systems: false,
        data_elements: vec!["student_name".into(), "ssn".into()],
        classification: Classification {
            classes: BTreeSet::new(),
            elements: Vec::new(),
            needs_review: vec!["mystery".into()],
        },
        affected_students: Some(1200),
        facts: ReportedFacts {
            affected_residents: Some(600),
            enrollment: Some(48_000),
            delay: Some(DelayRequest {
                agency: "the state police".into(),
                written: true,
            }),
            historical: false,
        },
        filed_by: "secops".into(),
        created_at,
        version: 0,
        events: vec![EventRecord {
            kind: ClockEvent::parse("discovered").expect("a valid event name"),
            at: created_at - Duration::days(1),
            recorded_at: created_at,
            recorded_by: "secops".into(),
        }],
    }
}

fn obligation(
    incident_id: Uuid,
    kind: &str,
    due_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
) -> ObligationRecord {
    ObligationRecord {
        id: Uuid::now_v7(),
        subject: Subject::Incident(incident_id),
        kind: kind.into(),
        title: format!("title of {kind}"),
        party: Party::District,
        recipient: "families".into(),
        clock: ClockEvent::board_notified(),
        clock_started_at: due_at.map(|due| due - Duration::days(2)),
        due_at,
        // Not the defaults, so that a round trip shows they are stored.
        due_kind: DueKind::Relative,
        on_hold: false,
        rolled_due_at: due_at.map(|due| due + Duration::days(1)),
        sources: Vec::new(),
        completed_at: None,
        completion_note: None,
        completed_by: None,
        waived_at: None,
        waive_reason: None,
        waived_by: None,
        updated_at,
    }
}

fn job(key: &str, due_at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        // The queue's mechanics only: no handler runs it.
        kind: JobKind::Unknown,
        key: key.into(),
        payload: json!({ "key": key }),
        due_at,
        state: JobState::Scheduled,
        incident_id: None,
        obligation_id: None,
        obligation_due: None,
        step_order: None,
        late: false,
    }
}

fn reminder(o: &ObligationRecord, order: i64, due_at: DateTime<Utc>) -> NewJob {
    NewJob {
        id: Uuid::now_v7(),
        kind: JobKind::Reminder,
        key: format!("reminder:{}:{order}", o.id),
        payload: json!({ "label": format!("step {order}"), "roles": ["privacy_officer"] }),
        due_at,
        state: JobState::Scheduled,
        incident_id: o.subject.incident(),
        obligation_id: Some(o.id),
        obligation_due: o.due_at,
        step_order: Some(order),
        late: false,
    }
}

async fn file(
    store: &Arc<dyn Store>,
    incident: &IncidentRecord,
    obligations: &[ObligationRecord],
    jobs: &[NewJob],
) {
    let outcome = store
        .create_incident(incident, obligations, jobs, None)
        .await
        .expect("filing works");
    assert!(matches!(outcome, CreateOutcome::Created));
}

fn kinds(rows: &[ObligationWithIncident]) -> Vec<String> {
    rows.iter().map(|r| r.obligation.kind.clone()).collect()
}

/// Roster pages handed out one at a time.
struct Pages {
    recipients: Vec<Vec<NoticeRecipient>>,
    unreachable: Vec<Vec<(String, String)>>,
}

#[async_trait::async_trait]
impl RosterPages for Pages {
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>> {
        Ok(if self.recipients.is_empty() {
            Vec::new()
        } else {
            self.recipients.remove(0)
        })
    }
    async fn next_unreachable(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(if self.unreachable.is_empty() {
            Vec::new()
        } else {
            self.unreachable.remove(0)
        })
    }
}

fn guardian(email: &str, children: &[&str]) -> NoticeRecipient {
    NoticeRecipient {
        email: email.into(),
        name: format!("Guardian {email}"),
        language: Some("en".into()),
        children: children
            .iter()
            .map(|id| NoticeChild {
                student_id: (*id).into(),
                name: format!("Student {id}"),
            })
            .collect(),
    }
}

fn draft(incident_id: Uuid, drafted_at: DateTime<Utc>) -> NoticeRecord {
    NoticeRecord {
        incident_id,
        what_happened: "what happened".into(),
        what_we_are_doing: "what we do".into(),
        what_families_can_do: "what you can do".into(),
        contact: "privacy@example.org".into(),
        public_title: None,
        languages: Default::default(),
        drafted_at,
        approved_at: None,
        approved_by: None,
        recipients: None,
        published_at: None,
        published_url: None,
    }
}

// ---------------------------------------------------------------- tests

async fn migrations_are_idempotent_and_ready(store: Arc<dyn Store>) {
    store.ready().await.expect("ready after migrating");
    store.migrate().await.expect("migrating again is a no-op");
    store.ready().await.expect("still ready");
    assert_eq!(store.next_job_at().await.unwrap(), None);
    assert!(store.published_notices().await.unwrap().is_empty());
}

async fn incident_is_stored_and_replayed_by_idempotency_key(store: Arc<dyn Store>) {
    let now = at(NOW);
    let first = incident("first", now);
    let o = obligation(
        first.id,
        "board_notifies_families",
        Some(now + Duration::days(2)),
        now,
    );
    let key = IdempotencyRecord {
        caller: "secops".into(),
        key: "k-1".into(),
        response: StoredResponse {
            request_hash: "hash-1".into(),
            status: 201,
            body: "{\"id\":1}".into(),
        },
    };
    assert!(store
        .idempotent_response("secops", "k-1")
        .await
        .unwrap()
        .is_none());
    let outcome = store
        .create_incident(&first, std::slice::from_ref(&o), &[], Some(&key))
        .await
        .unwrap();
    assert!(matches!(outcome, CreateOutcome::Created));

    // A retry with the same key stores nothing and answers the first body.
    let second = incident("second", now);
    let retry = IdempotencyRecord {
        response: StoredResponse {
            request_hash: "hash-2".into(),
            status: 201,
            body: "{\"id\":2}".into(),
        },
        ..key.clone()
    };
    match store
        .create_incident(&second, &[], &[], Some(&retry))
        .await
        .unwrap()
    {
        CreateOutcome::Replayed(answer) => assert_eq!(answer, key.response),
        other => panic!("expected a replay, got {other:?}"),
    }
    assert!(store.incident(second.id).await.unwrap().is_none());
    // The same key of another caller is another key.
    let other_caller = IdempotencyRecord {
        caller: "admin".into(),
        ..retry.clone()
    };
    assert!(matches!(
        store
            .create_incident(&second, &[], &[], Some(&other_caller))
            .await
            .unwrap(),
        CreateOutcome::Created
    ));

    let stored = store.incident(first.id).await.unwrap().expect("stored");
    assert_eq!(stored, first);
    assert_eq!(
        store.idempotent_response("secops", "k-1").await.unwrap(),
        Some(key.response.clone())
    );
    assert_eq!(
        store.incident_obligations(first.id).await.unwrap(),
        vec![o.clone()]
    );
    assert_eq!(store.obligation(o.id).await.unwrap(), Some(o));
    assert!(store.incident(Uuid::now_v7()).await.unwrap().is_none());
}

async fn concurrent_filings_with_one_key_store_one_incident(store: Arc<dyn Store>) {
    let now = at(NOW);
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let record = incident(&format!("copy {n}"), now);
            let key = IdempotencyRecord {
                caller: "secops".into(),
                key: "same-key".into(),
                response: StoredResponse {
                    request_hash: "h".into(),
                    status: 201,
                    body: format!("{{\"n\":{n}}}"),
                },
            };
            store
                .create_incident(&record, &[], &[], Some(&key))
                .await
                .expect("no error, only a replay")
        }));
    }
    let mut created = 0;
    let mut bodies = BTreeSet::new();
    for task in tasks {
        match task.await.unwrap() {
            CreateOutcome::Created => created += 1,
            CreateOutcome::Replayed(answer) => {
                bodies.insert(answer.body);
            }
        }
    }
    assert_eq!(created, 1, "exactly one filing is stored");
    assert!(
        bodies.len() <= 1,
        "every replay answers the same first body"
    );
    let all = store.list_incidents(None, now, 100, 0).await.unwrap();
    assert_eq!(all.len(), 1);
}

async fn record_event_checks_the_version(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("versioned", now);
    let pending = obligation(record.id, "board_notifies_families", None, now);
    file(&store, &record, std::slice::from_ref(&pending), &[]).await;

    let event = EventRecord {
        kind: ClockEvent::parse("board_notified").expect("a valid event name"),
        at: now - Duration::hours(1),
        recorded_at: now,
        recorded_by: "secops".into(),
    };
    let started = ObligationRecord {
        due_at: Some(now + Duration::days(2)),
        clock_started_at: Some(event.at),
        ..pending.clone()
    };
    store
        .record_event(
            record.id,
            0,
            &event,
            None,
            std::slice::from_ref(&started),
            &[],
        )
        .await
        .expect("the expected version");
    let again = EventRecord {
        kind: ClockEvent::parse("families_notified").expect("a valid event name"),
        ..event.clone()
    };
    assert!(matches!(
        store
            .record_event(record.id, 0, &again, None, &[], &[])
            .await,
        Err(StoreError::Conflict)
    ));
    let stored = store.incident(record.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    // Events in time order, then by kind.
    let kinds: Vec<&str> = stored.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["discovered", "board_notified"]);
    // The obligation kept its id and took the new due time.
    let obligations = store.incident_obligations(record.id).await.unwrap();
    assert_eq!(obligations.len(), 1);
    assert_eq!(obligations[0].id, pending.id);
    assert_eq!(obligations[0].due_at, started.due_at);
    // An unknown incident is a conflict too (no row at that version).
    assert!(matches!(
        store
            .record_event(Uuid::now_v7(), 0, &again, None, &[], &[])
            .await,
        Err(StoreError::Conflict)
    ));
}

async fn concurrent_events_on_one_version_conflict(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("raced", now);
    file(&store, &record, &[], &[]).await;
    let mut tasks = Vec::new();
    for kind in [
        "board_notified",
        "families_notified",
        "website_posted",
        "other",
    ] {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let event = EventRecord {
                kind: ClockEvent::parse(kind).expect("a valid event name"),
                at: now,
                recorded_at: now,
                recorded_by: "secops".into(),
            };
            store
                .record_event(record.id, 0, &event, None, &[], &[])
                .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => ok += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("expected Ok or Conflict, got {other}"),
        }
    }
    assert_eq!(ok, 1, "one writer wins; the others conflict");
    let stored = store.incident(record.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.events.len(), 2);
}

async fn record_event_replans_and_drops_obsolete_obligations(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("replanned", now);
    let families = obligation(
        record.id,
        "board_notifies_families",
        Some(now + Duration::days(2)),
        now,
    );
    let website = obligation(
        record.id,
        "board_posts_website_notice",
        Some(now + Duration::days(2)),
        now,
    );
    let mut waived = obligation(
        record.id,
        "entity_notifies_residents",
        Some(now + Duration::days(60)),
        now,
    );
    waived.waived_at = Some(now);
    waived.waive_reason = Some("not ours".into());
    waived.waived_by = Some("admin".into());
    let jobs = vec![
        reminder(&families, 0, now + Duration::hours(1)),
        reminder(&website, 0, now + Duration::hours(1)),
    ];
    file(
        &store,
        &record,
        &[families.clone(), website.clone(), waived.clone()],
        &jobs,
    )
    .await;

    // The event moves the families' due time and no longer yields the
    // website obligation; the waived one stays although not produced.
    let later = now + Duration::minutes(10);
    let moved = ObligationRecord {
        due_at: Some(now + Duration::days(3)),
        updated_at: later,
        ..families.clone()
    };
    let event = EventRecord {
        kind: ClockEvent::parse("board_notified").expect("a valid event name"),
        at: now,
        recorded_at: later,
        recorded_by: "secops".into(),
    };
    let replanned = reminder(&moved, 1, now + Duration::hours(2));
    store
        .record_event(
            record.id,
            0,
            &event,
            None,
            std::slice::from_ref(&moved),
            std::slice::from_ref(&replanned),
        )
        .await
        .unwrap();
    let kinds: BTreeSet<String> = store
        .incident_obligations(record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "board_notifies_families".to_owned(),
            "entity_notifies_residents".to_owned()
        ])
    );
    let jobs = store.incident_jobs(record.id).await.unwrap();
    let states: BTreeMap<String, (JobState, Option<DateTime<Utc>>)> = jobs
        .iter()
        .map(|j| (j.key.clone(), (j.state, j.finished_at)))
        .collect();
    // Planned for the old due time: cancelled; its obligation gone: cancelled.
    assert_eq!(
        states[&jobs_key(&families, 0)],
        (JobState::Cancelled, Some(later))
    );
    assert_eq!(
        states[&jobs_key(&website, 0)],
        (JobState::Cancelled, Some(later))
    );
    assert_eq!(states[&jobs_key(&moved, 1)], (JobState::Scheduled, None));
}

fn jobs_key(o: &ObligationRecord, order: i64) -> String {
    format!("reminder:{}:{order}", o.id)
}

/// Two incidents whose obligations cover every status at NOW.
async fn every_status(store: &Arc<dyn Store>) -> (IncidentRecord, IncidentRecord) {
    let now = at(NOW);
    let a = incident("Alpha", now - Duration::days(3));
    let b = incident("Bravo", now - Duration::days(1));
    let pending = obligation(a.id, "a_pending", None, now);
    let open = obligation(a.id, "a_open", Some(now + Duration::days(2)), now);
    let overdue = obligation(a.id, "a_overdue", Some(now - Duration::hours(1)), now);
    let mut done = obligation(b.id, "b_done", Some(now - Duration::days(1)), now);
    done.completed_at = Some(now - Duration::days(2));
    let mut late = obligation(b.id, "b_late", Some(now - Duration::days(2)), now);
    late.completed_at = Some(now - Duration::days(1));
    let mut waived = obligation(b.id, "b_waived", Some(now + Duration::days(1)), now);
    waived.waived_at = Some(now);
    waived.waive_reason = Some("n/a".into());
    // Same due time as `open`: ties break by kind.
    let twin = obligation(b.id, "b_open_twin", Some(now + Duration::days(2)), now);
    file(store, &a, &[pending, open, overdue], &[]).await;
    file(store, &b, &[done, late, waived, twin], &[]).await;
    (a, b)
}

async fn obligations_filter_and_order(store: Arc<dyn Store>) {
    let now = at(NOW);
    let (a, _b) = every_status(&store).await;
    let list = |statuses: Vec<ObligationStatus>, due_before, incident_id, limit| {
        let store = Arc::clone(&store);
        async move {
            store
                .list_obligations(&ObligationFilter {
                    statuses,
                    due_before,
                    incident_id,
                    now,
                    limit,
                    offset: 0,
                })
                .await
                .unwrap()
        }
    };
    // Every status: soonest first, pending (no due time) last, ties by kind.
    let all = list(vec![], None, None, 100).await;
    assert_eq!(
        kinds(&all),
        [
            "b_late",
            "b_done",
            "a_overdue",
            "b_waived",
            "a_open",
            "b_open_twin",
            "a_pending"
        ]
    );
    assert_eq!(all[0].incident_title, "Bravo");
    for (status, expected) in [
        (ObligationStatus::Pending, vec!["a_pending"]),
        (ObligationStatus::Open, vec!["a_open", "b_open_twin"]),
        (ObligationStatus::Overdue, vec!["a_overdue"]),
        (ObligationStatus::Done, vec!["b_done"]),
        (ObligationStatus::Late, vec!["b_late"]),
        (ObligationStatus::Waived, vec!["b_waived"]),
    ] {
        let rows = list(vec![status], None, None, 100).await;
        assert_eq!(kinds(&rows), expected, "status {status:?}");
        for row in &rows {
            assert_eq!(row.obligation.status(now), status);
        }
    }
    let open_overdue = list(
        vec![ObligationStatus::Overdue, ObligationStatus::Open],
        None,
        None,
        100,
    )
    .await;
    assert_eq!(kinds(&open_overdue), ["a_overdue", "a_open", "b_open_twin"]);
    let before = list(
        vec![],
        Some(now + Duration::days(1) + Duration::seconds(1)),
        None,
        100,
    )
    .await;
    assert_eq!(
        kinds(&before),
        ["b_late", "b_done", "a_overdue", "b_waived"]
    );
    let of_a = list(
        vec![ObligationStatus::Open, ObligationStatus::Pending],
        None,
        Some(a.id),
        100,
    )
    .await;
    assert_eq!(kinds(&of_a), ["a_open", "a_pending"]);
    let limited = list(vec![], None, None, 2).await;
    assert_eq!(kinds(&limited), ["b_late", "b_done"]);
    // Unsettled with a running clock, soonest first.
    let unsettled: Vec<String> = store
        .unsettled_obligations()
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(unsettled[0], "a_overdue");
    assert_eq!(
        unsettled.iter().cloned().collect::<BTreeSet<_>>(),
        BTreeSet::from(["a_overdue".into(), "a_open".into(), "b_open_twin".into()])
    );
    // Per incident: due time, NULL last, then kind.
    let of_a: Vec<String> = store
        .incident_obligations(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect();
    assert_eq!(of_a, ["a_overdue", "a_open", "a_pending"]);
}

/// An obligation without a due time: pending before its clock starts, on
/// hold while a law-enforcement delay holds it, open (due as soon as
/// practicable) when the law sets no fixed time. The store's filters agree
/// with `ObligationRecord::status` (docs/deadlines.md).
async fn undated_obligations_are_pending_on_hold_or_open(store: Arc<dyn Store>) {
    let now = at(NOW);
    let a = incident("Alpha", now - Duration::days(3));
    let pending = obligation(a.id, "a_pending", None, now);
    let mut held = obligation(a.id, "a_held", None, now);
    held.clock_started_at = Some(now - Duration::days(1));
    held.on_hold = true;
    let mut asap = obligation(a.id, "a_asap", None, now);
    asap.clock_started_at = Some(now - Duration::days(1));
    asap.due_kind = DueKind::AsSoonAsPracticable;
    file(&store, &a, &[pending, held, asap], &[]).await;
    for (status, expected) in [
        (ObligationStatus::Pending, vec!["a_pending"]),
        (ObligationStatus::OnHold, vec!["a_held"]),
        (ObligationStatus::Open, vec!["a_asap"]),
    ] {
        let rows = store
            .list_obligations(&ObligationFilter {
                statuses: vec![status],
                due_before: None,
                incident_id: None,
                now,
                limit: 100,
                offset: 0,
            })
            .await
            .unwrap();
        assert_eq!(kinds(&rows), expected, "status {status:?}");
        for row in &rows {
            assert_eq!(row.obligation.status(now), status);
        }
    }
    let counts = store.obligation_counts(now).await.unwrap();
    for status in [
        ObligationStatus::Pending,
        ObligationStatus::OnHold,
        ObligationStatus::Open,
    ] {
        let count = counts.iter().find(|(s, _)| *s == status).map(|(_, n)| *n);
        assert_eq!(count, Some(1), "{status:?} in {counts:?}");
    }
}

async fn incidents_filter_and_order(store: Arc<dyn Store>) {
    let now = at(NOW);
    let (a, b) = every_status(&store).await;
    let c = incident("Charlie", now - Duration::days(2));
    let mut settled = obligation(c.id, "c_done", Some(now + Duration::days(1)), now);
    settled.completed_at = Some(now);
    file(&store, &c, &[settled], &[]).await;
    let titles = |rows: Vec<IncidentSummary>| -> Vec<String> {
        rows.into_iter().map(|r| r.incident.title).collect()
    };
    // Newest first.
    let all = store.list_incidents(None, now, 100, 0).await.unwrap();
    assert_eq!(titles(all.clone()), ["Bravo", "Charlie", "Alpha"]);
    let alpha = all.iter().find(|s| s.incident.id == a.id).unwrap();
    assert_eq!(alpha.unsettled, 3);
    assert_eq!(alpha.next_due_at, Some(now - Duration::hours(1)));
    assert_eq!(alpha.incident.events.len(), 1);
    let bravo = all.iter().find(|s| s.incident.id == b.id).unwrap();
    assert_eq!(bravo.unsettled, 1);
    assert_eq!(
        titles(
            store
                .list_incidents(Some(IncidentStatusFilter::Open), now, 100, 0)
                .await
                .unwrap()
        ),
        ["Bravo", "Alpha"]
    );
    assert_eq!(
        titles(
            store
                .list_incidents(Some(IncidentStatusFilter::Overdue), now, 100, 0)
                .await
                .unwrap()
        ),
        ["Alpha"]
    );
    assert_eq!(
        titles(
            store
                .list_incidents(Some(IncidentStatusFilter::Closed), now, 100, 0)
                .await
                .unwrap()
        ),
        ["Charlie"]
    );
    assert_eq!(
        titles(store.list_incidents(None, now, 1, 1).await.unwrap()),
        ["Charlie"]
    );
}

async fn settling_cancels_jobs(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("settled", now);
    let families = obligation(
        record.id,
        "board_notifies_families",
        Some(now + Duration::days(2)),
        now,
    );
    let website = obligation(
        record.id,
        "board_posts_website_notice",
        Some(now + Duration::days(2)),
        now,
    );
    let jobs = vec![
        reminder(&families, 0, now + Duration::hours(1)),
        reminder(&families, 1, now + Duration::hours(20)),
        reminder(&website, 0, now + Duration::hours(1)),
    ];
    file(&store, &record, &[families.clone(), website.clone()], &jobs).await;

    let later = now + Duration::hours(3);
    let complete = Settlement::Complete {
        at: now + Duration::hours(2),
        note: Some("sent by mail".into()),
    };
    match store
        .settle_obligation(families.id, &complete, "admin", later)
        .await
        .unwrap()
    {
        SettleOutcome::Settled(o) => {
            assert_eq!(o.completed_at, Some(now + Duration::hours(2)));
            assert_eq!(o.completion_note.as_deref(), Some("sent by mail"));
            assert_eq!(o.completed_by.as_deref(), Some("admin"));
            assert_eq!(o.updated_at, later);
            assert_eq!(o.status(later), ObligationStatus::Done);
        }
        other => panic!("expected Settled, got {other:?}"),
    }
    let waive = Settlement::Waive {
        reason: "duplicate".into(),
    };
    assert!(matches!(
        store.settle_obligation(families.id, &waive, "admin", later).await.unwrap(),
        SettleOutcome::AlreadySettled(o) if o.waived_at.is_none()
    ));
    assert!(matches!(
        store
            .settle_obligation(Uuid::now_v7(), &waive, "admin", later)
            .await
            .unwrap(),
        SettleOutcome::NotFound
    ));
    match store
        .settle_obligation(website.id, &waive, "admin", later)
        .await
        .unwrap()
    {
        SettleOutcome::Settled(o) => {
            assert_eq!(o.waived_at, Some(later));
            assert_eq!(o.waive_reason.as_deref(), Some("duplicate"));
            assert_eq!(o.status(later), ObligationStatus::Waived);
        }
        other => panic!("expected Settled, got {other:?}"),
    }
    for job in store.incident_jobs(record.id).await.unwrap() {
        assert_eq!(job.state, JobState::Cancelled, "{}", job.key);
        assert_eq!(job.finished_at, Some(later));
    }
    assert!(store.unsettled_obligations().await.unwrap().is_empty());
    assert_eq!(store.next_job_at().await.unwrap(), None);
}

async fn enqueue_is_idempotent_by_key(store: Arc<dyn Store>) {
    let now = at(NOW);
    assert_eq!(store.enqueue(&[], now).await.unwrap(), 0);
    let first = job("same", now);
    assert_eq!(
        store
            .enqueue(std::slice::from_ref(&first), now)
            .await
            .unwrap(),
        1
    );
    let again = job("same", now - Duration::hours(1));
    assert_eq!(
        store
            .enqueue(&[again, job("other", now)], now)
            .await
            .unwrap(),
        1
    );
    // A key repeated within one call is planned once.
    assert_eq!(
        store
            .enqueue(&[job("twice", now), job("twice", now)], now)
            .await
            .unwrap(),
        1
    );
    // A job planned as skipped is finished at once and never claimed.
    let mut skipped = job("skipped", now - Duration::hours(2));
    skipped.state = JobState::Skipped;
    assert_eq!(store.enqueue(&[skipped], now).await.unwrap(), 1);
    let claimed = store
        .claim_jobs(now, now + Duration::seconds(30), "w", 10)
        .await
        .unwrap();
    let keys: BTreeSet<String> = claimed.iter().map(|j| j.key.clone()).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["same".into(), "other".into(), "twice".into()])
    );
    let same = claimed.iter().find(|j| j.key == "same").unwrap();
    assert_eq!(same.id, first.id, "the first plan is kept");
    assert_eq!(same.due_at, now);
    assert_eq!(same.payload, json!({ "key": "same" }));
    assert_eq!(same.attempts, 1);
    assert_eq!(same.locked_by.as_deref(), Some("w"));
    // Stamped with the caller's clock, not the wall clock.
    assert_eq!(same.created_at, now);
}

async fn one_digest_per_fire_time_across_instances(store: Arc<dyn Store>) {
    // Several instances plan the next digest at once: one job.
    let fire = at("2026-04-21T11:00:00Z");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .enqueue(&[planning::digest_job("0 0 7 * * Mon-Fri", fire)], fire)
                .await
                .unwrap()
        }));
    }
    let mut added = 0;
    for task in tasks {
        added += task.await.unwrap();
    }
    assert_eq!(added, 1);
    assert_eq!(store.next_job_at().await.unwrap(), Some(fire));
    let claimed = store
        .claim_jobs(fire, fire + Duration::seconds(30), "a", 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].kind, JobKind::Digest);
}

async fn claim_lease_and_expired_lease_takeover(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    store
        .enqueue(
            &[
                job("later", now + Duration::minutes(5)),
                job("second", now - Duration::minutes(1)),
                job("first", now - Duration::minutes(2)),
            ],
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store.next_job_at().await.unwrap(),
        Some(now - Duration::minutes(2))
    );
    // Due jobs only, soonest first, up to the limit.
    let a = store
        .claim_jobs(now, now + lease, "instance-a", 1)
        .await
        .unwrap();
    assert_eq!(
        a.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["first"]
    );
    assert_eq!(a[0].locked_until, Some(now + lease));
    assert_eq!(a[0].locked_by.as_deref(), Some("instance-a"));
    assert_eq!(a[0].updated_at, now);
    let more = store
        .claim_jobs(now, now + lease, "instance-a", 10)
        .await
        .unwrap();
    assert_eq!(
        more.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["second"]
    );
    // Leased jobs are nobody else's while the lease runs.
    assert!(store
        .claim_jobs(
            now + Duration::seconds(29),
            now + lease * 2,
            "instance-b",
            10
        )
        .await
        .unwrap()
        .is_empty());
    // The next claimable moment is the first lease's end.
    assert_eq!(store.next_job_at().await.unwrap(), Some(now + lease));
    // instance-a dies; once the lease has run out, b takes the jobs over.
    let after = now + lease + Duration::seconds(1);
    let b = store
        .claim_jobs(after, after + lease, "instance-b", 10)
        .await
        .unwrap();
    assert_eq!(
        b.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["first", "second"]
    );
    assert!(b
        .iter()
        .all(|j| j.attempts == 2 && j.locked_by.as_deref() == Some("instance-b")));
    // The dead instance's late finish is refused; the new holder's counts.
    assert!(!store
        .finish_job(b[0].id, "instance-a", JobState::Done, None, after)
        .await
        .unwrap());
    assert!(store
        .finish_job(b[0].id, "instance-b", JobState::Done, None, after)
        .await
        .unwrap());
    // A finished job is not finished twice.
    assert!(!store
        .finish_job(
            b[0].id,
            "instance-b",
            JobState::Failed,
            Some("again"),
            after
        )
        .await
        .unwrap());
    // Renewal: only the holder extends its lease.
    assert!(store
        .renew_lease(b[1].id, "instance-b", after + lease * 3)
        .await
        .unwrap());
    assert!(!store
        .renew_lease(b[1].id, "instance-a", after + lease * 4)
        .await
        .unwrap());
    assert!(store
        .claim_jobs(after + lease * 2, after + lease * 3, "instance-c", 10)
        .await
        .unwrap()
        .is_empty());
}

async fn concurrent_claimers_never_share_a_job(store: Arc<dyn Store>) {
    let now = at(NOW);
    let jobs: Vec<NewJob> = (0..300).map(|n| job(&format!("job-{n:03}"), now)).collect();
    assert_eq!(store.enqueue(&jobs, now).await.unwrap(), 300);
    let mut claimers = Vec::new();
    for n in 0..8 {
        let store = Arc::clone(&store);
        claimers.push(tokio::spawn(async move {
            let worker = format!("claimer-{n}");
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_jobs(now, now + Duration::seconds(60), &worker, 7)
                    .await
                    .expect("claiming works under contention");
                if batch.is_empty() {
                    break;
                }
                for job in batch {
                    assert!(store
                        .finish_job(job.id, &worker, JobState::Done, None, now)
                        .await
                        .unwrap());
                    mine.push(job.id);
                }
            }
            mine
        }));
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for claimer in claimers {
        for id in claimer.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, 300);
    assert_eq!(store.next_job_at().await.unwrap(), None);
}

async fn only_the_lease_holder_finishes_or_reschedules(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    store.enqueue(&[job("retry", now)], now).await.unwrap();
    let claimed = store
        .claim_jobs(now, now + lease, "holder", 1)
        .await
        .unwrap();
    let id = claimed[0].id;
    let retry_at = now + Duration::minutes(5);
    assert!(!store
        .reschedule_job(id, "intruder", retry_at, Some("no"), now)
        .await
        .unwrap());
    assert!(store
        .reschedule_job(id, "holder", retry_at, Some("deferred recipients"), now)
        .await
        .unwrap());
    // Released: claimable again at the new due time, by anyone.
    assert_eq!(store.next_job_at().await.unwrap(), Some(retry_at));
    assert!(store
        .claim_jobs(now + Duration::minutes(1), now + lease, "other", 1)
        .await
        .unwrap()
        .is_empty());
    let again = store
        .claim_jobs(retry_at, retry_at + lease, "other", 1)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert_eq!(again[0].last_error.as_deref(), Some("deferred recipients"));
    // finish keeps the last error unless given a new one.
    assert!(store
        .finish_job(id, "other", JobState::Done, None, retry_at)
        .await
        .unwrap());
    let record = incident("holder", now);
    file(&store, &record, &[], &[]).await;
    let mut owned = job("owned", now);
    owned.incident_id = Some(record.id);
    store.enqueue(&[owned], now).await.unwrap();
    let claimed = store.claim_jobs(now, now + lease, "w", 1).await.unwrap();
    assert!(store
        .finish_job(claimed[0].id, "w", JobState::Failed, Some("boom"), now)
        .await
        .unwrap());
    let jobs = store.incident_jobs(record.id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, JobState::Failed);
    assert_eq!(jobs[0].last_error.as_deref(), Some("boom"));
    assert_eq!(jobs[0].finished_at, Some(now));
    assert_eq!(jobs[0].locked_until, None);
}

async fn a_dead_job_is_reported_once_listed_and_retried(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    let record = incident("poison", now);
    file(&store, &record, &[], &[]).await;
    let mut poison = job("poison", now);
    poison.incident_id = Some(record.id);
    store.enqueue(&[poison], now).await.unwrap();
    let claimed = store.claim_jobs(now, now + lease, "w", 1).await.unwrap();
    let id = claimed[0].id;
    store
        .enqueue(
            &[
                job("later", now + Duration::hours(2)),
                job("sooner", now + Duration::hours(1)),
            ],
            now,
        )
        .await
        .unwrap();
    assert!(store
        .finish_job(id, "w", JobState::Dead, Some("boom"), now)
        .await
        .unwrap());
    // Parking it planned its report, in the same transaction, for its incident.
    let jobs = store.incident_jobs(record.id).await.unwrap();
    let reports: Vec<_> = jobs
        .iter()
        .filter(|j| j.kind == breachd::store::JobKind::DeadJobReport)
        .collect();
    assert_eq!(reports.len(), 1, "{jobs:?}");
    assert_eq!(reports[0].payload["error"], "boom");
    assert_eq!(reports[0].state, JobState::Scheduled);
    // Listed: the dead first, then the scheduled.
    let listed = store
        .jobs_in(&[JobState::Dead, JobState::Scheduled])
        .await
        .unwrap();
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].state, JobState::Dead);
    assert_eq!(listed[0].finished_at, Some(now));
    assert!(listed[1..].iter().all(|j| j.state == JobState::Scheduled));
    assert!(
        listed[1..].windows(2).all(|w| w[0].due_at <= w[1].due_at),
        "the scheduled soonest first"
    );
    let dead = store.jobs_in(&[JobState::Dead]).await.unwrap();
    assert_eq!(dead.len(), 1);
    // A retry puts it back as due now, attempts reset, and is audited.
    let later = now + Duration::minutes(10);
    assert!(store.retry_job(id, "admin", later).await.unwrap());
    assert!(
        !store.retry_job(id, "admin", later).await.unwrap(),
        "no longer dead"
    );
    assert!(store.jobs_in(&[JobState::Dead]).await.unwrap().is_empty());
    let back = store
        .incident_jobs(record.id)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.id == id)
        .unwrap();
    assert_eq!(back.state, JobState::Scheduled);
    assert_eq!(back.attempts, 0);
    assert_eq!(back.due_at, later);
    assert_eq!(back.finished_at, None);
    assert_eq!(
        back.last_error.as_deref(),
        Some("boom"),
        "kept for the record"
    );
    let audit = store.incident_audit(record.id).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "job_dead"), "{audit:?}");
    assert!(
        audit
            .iter()
            .any(|e| e.action == "job_retried" && e.actor == "admin"),
        "{audit:?}"
    );
    // A report that itself dies plans no report of its own (no loops).
    let report = store
        .claim_jobs(later, later + lease, "w", 10)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == breachd::store::JobKind::DeadJobReport)
        .unwrap();
    assert!(store
        .finish_job(report.id, "w", JobState::Dead, Some("smtp down"), later)
        .await
        .unwrap());
    let reports = store
        .incident_jobs(record.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == breachd::store::JobKind::DeadJobReport)
        .count();
    assert_eq!(reports, 1);
}

async fn jobs_are_finished_together_with_their_audit_entries(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    let record = incident("batch", now);
    file(&store, &record, &[], &[]).await;
    let mut jobs: Vec<NewJob> = (0..4).map(|n| job(&format!("batch-{n}"), now)).collect();
    for job in &mut jobs {
        job.incident_id = Some(record.id);
    }
    store.enqueue(&jobs, now).await.unwrap();
    let mine = store.claim_jobs(now, now + lease, "w", 4).await.unwrap();
    assert_eq!(mine.len(), 4);
    store.enqueue(&[job("theirs", now)], now).await.unwrap();
    let theirs = store
        .claim_jobs(now, now + lease, "other", 1)
        .await
        .unwrap();
    // The first job sent two messages: its entry counts them.
    store
        .ensure_emails(
            &["a@example.org", "b@example.org"].map(|to| NewEmail {
                id: Uuid::now_v7(),
                job_id: Some(mine[0].id),
                kind: "reminder".into(),
                incident_id: Some(record.id),
                recipient: to.into(),
                message_id: format!("<{to}>"),
            }),
            now,
        )
        .await
        .unwrap();
    let before = store.audit_entries(0, 1000).await.unwrap().len();
    let end = |id: Uuid, worker: &str, state: JobState, error: Option<&str>| JobEnd {
        id,
        worker: worker.into(),
        state,
        error: error.map(str::to_owned),
    };
    let later = now + Duration::seconds(5);
    let answers = store
        .finish_jobs(
            &[
                end(mine[0].id, "w", JobState::Done, None),
                end(mine[1].id, "w", JobState::Done, None),
                end(mine[2].id, "w", JobState::Skipped, None),
                end(mine[3].id, "w", JobState::Dead, Some("boom")),
                // Not this worker's job, and a job named twice.
                end(theirs[0].id, "w", JobState::Done, None),
                end(mine[0].id, "w", JobState::Done, None),
            ],
            later,
        )
        .await
        .unwrap();
    assert_eq!(answers, [true, true, true, true, false, false]);
    assert!(store.finish_jobs(&[], later).await.unwrap().is_empty());
    // (state, last error, finished at) by job.
    type Ending = (JobState, Option<String>, Option<DateTime<Utc>>);
    let states: BTreeMap<Uuid, Ending> = store
        .incident_jobs(record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|j| (j.id, (j.state, j.last_error, j.finished_at)))
        .collect();
    assert_eq!(states[&mine[0].id], (JobState::Done, None, Some(later)));
    assert_eq!(states[&mine[2].id].0, JobState::Skipped);
    assert_eq!(
        states[&mine[3].id],
        (JobState::Dead, Some("boom".into()), Some(later))
    );
    // The other worker's job is still its own.
    assert!(store
        .finish_job(theirs[0].id, "other", JobState::Done, None, later)
        .await
        .unwrap());
    // One entry per done or dead job, in the order given, one chain.
    let log = store.audit_entries(0, 1000).await.unwrap();
    breachd::audit::verify(&log, (0, breachd::audit::GENESIS)).expect("the chain is intact");
    let added: Vec<(&str, Option<&str>)> = log[before..]
        .iter()
        .map(|e| (e.action.as_str(), e.subject.as_deref()))
        .collect();
    let (first, second, dead, other) = (
        mine[0].id.to_string(),
        mine[1].id.to_string(),
        mine[3].id.to_string(),
        theirs[0].id.to_string(),
    );
    assert_eq!(
        added,
        [
            ("unknown_done", Some(first.as_str())),
            ("unknown_done", Some(second.as_str())),
            ("job_dead", Some(dead.as_str())),
            ("unknown_done", Some(other.as_str())),
        ]
    );
    assert_eq!(log[before].details["emails"], json!({"queued": 2}));
    assert_eq!(log[before + 1].details["emails"], json!({}));
    assert_eq!(log[before].actor, "breachd:w");
    // The dead job's report was planned with it.
    let reports = store
        .incident_jobs(record.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JobKind::DeadJobReport)
        .count();
    assert_eq!(reports, 1);
}

async fn concurrent_batched_completions_keep_one_chain(store: Arc<dyn Store>) {
    let now = at(NOW);
    let jobs: Vec<NewJob> = (0..240)
        .map(|n| job(&format!("chain-{n:03}"), now))
        .collect();
    store.enqueue(&jobs, now).await.unwrap();
    let mut finishers = Vec::new();
    for n in 0..6 {
        let store = Arc::clone(&store);
        finishers.push(tokio::spawn(async move {
            let worker = format!("instance-{n}");
            let mut finished = 0;
            loop {
                let batch = store
                    .claim_jobs(now, now + Duration::seconds(60), &worker, 9)
                    .await
                    .expect("claiming works under contention");
                if batch.is_empty() {
                    return finished;
                }
                let ends: Vec<JobEnd> = batch
                    .iter()
                    .map(|job| JobEnd {
                        id: job.id,
                        worker: worker.clone(),
                        state: JobState::Done,
                        error: None,
                    })
                    .collect();
                let answers = store
                    .finish_jobs(&ends, now)
                    .await
                    .expect("finishing works under contention");
                assert!(answers.iter().all(|&ended| ended));
                finished += answers.len();
            }
        }));
    }
    let mut finished = 0;
    for finisher in finishers {
        finished += finisher.await.expect("a finisher does not panic");
    }
    assert_eq!(finished, 240);
    let log = store.audit_entries(0, 1000).await.unwrap();
    let (last, _) =
        breachd::audit::verify(&log, (0, breachd::audit::GENESIS)).expect("one linear chain");
    assert_eq!(last as usize, log.len());
    let subjects: BTreeSet<&str> = log
        .iter()
        .filter(|e| e.action == "unknown_done")
        .filter_map(|e| e.subject.as_deref())
        .collect();
    assert_eq!(subjects.len(), 240, "every completion has its own entry");
}

async fn later_reminder_due_and_obligation_jobs(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("steps", now);
    let o = obligation(
        record.id,
        "board_notifies_families",
        Some(now + Duration::days(1)),
        now,
    );
    let jobs = vec![
        reminder(&o, 0, now - Duration::hours(3)),
        reminder(&o, 1, now - Duration::hours(1)),
        reminder(&o, 2, now + Duration::hours(5)),
    ];
    let mut digest = job("unrelated", now);
    digest.incident_id = Some(record.id);
    file(&store, &record, std::slice::from_ref(&o), &jobs).await;
    store.enqueue(&[digest], now).await.unwrap();
    assert!(store.later_reminder_due(o.id, 0, now).await.unwrap());
    assert!(!store.later_reminder_due(o.id, 1, now).await.unwrap());
    assert!(store
        .later_reminder_due(o.id, 1, now + Duration::hours(5))
        .await
        .unwrap());
    // Ordered by obligation (none first), step, due time.
    let listed: Vec<String> = store
        .incident_jobs(record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect();
    assert_eq!(listed[0], "unrelated");
    assert_eq!(
        &listed[1..],
        [jobs_key(&o, 0), jobs_key(&o, 1), jobs_key(&o, 2)]
    );
    assert_eq!(store.cancel_obligation_jobs(o.id, now).await.unwrap(), 3);
    assert_eq!(store.cancel_obligation_jobs(o.id, now).await.unwrap(), 0);
    assert!(!store.later_reminder_due(o.id, 0, now).await.unwrap());
}

/// A burst's folds go to the store together (on SQLite, one transaction):
/// each leader gets its own incident's sibling step of the same instant,
/// and a sibling another worker leased is left to it.
async fn reminder_steps_fold_for_several_leaders_at_once(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    let mut steps = Vec::new();
    for title in ["Alpha", "Bravo", "Charlie"] {
        let record = incident(title, now);
        let due = Some(now + Duration::days(1));
        let first = obligation(record.id, "first_duty", due, now);
        let second = obligation(record.id, "second_duty", due, now);
        let jobs = [reminder(&first, 1, now), reminder(&second, 1, now)];
        file(&store, &record, &[first, second], &jobs).await;
        steps.push(jobs);
    }
    // Charlie's second step is another instance's.
    let charlie_second = &steps[2][1];
    let taken = store
        .claim_jobs(now, now + lease, "instance-b", 100)
        .await
        .unwrap();
    let mine: Vec<Job> = taken
        .iter()
        .filter(|j| j.id != charlie_second.id)
        .cloned()
        .collect();
    for job in taken.iter().filter(|j| j.id == charlie_second.id) {
        store
            .reschedule_job(job.id, "instance-b", now, None, now)
            .await
            .unwrap();
    }
    assert!(store
        .claim_jobs(now, now + lease, "instance-c", 1)
        .await
        .unwrap()
        .iter()
        .all(|j| j.id == charlie_second.id));
    let leaders: Vec<Job> = steps
        .iter()
        .filter_map(|pair| mine.iter().find(|j| j.id == pair[0].id).cloned())
        .collect();
    assert_eq!(leaders.len(), 3, "{mine:?}");
    let folded = store
        .fold_reminders(&leaders, "instance-b", now)
        .await
        .unwrap();
    let ids: Vec<Vec<Uuid>> = folded
        .iter()
        .map(|steps| steps.iter().map(|s| s.job_id).collect())
        .collect();
    assert_eq!(
        ids,
        vec![vec![steps[0][1].id], vec![steps[1][1].id], vec![]],
        "each leader folds its own incident's sibling; the leased one stays"
    );
    // After a crash, a leader's re-run finds what it had ended.
    let named = folded[1].clone();
    let again = store.folded_by(&leaders[1], named).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].job_id, steps[1][1].id);
}

async fn emails_and_attempts(store: Arc<dyn Store>) {
    let now = at(NOW);
    store.enqueue(&[job("mail", now)], now).await.unwrap();
    let held = store
        .claim_jobs(now, now + Duration::seconds(30), "w", 1)
        .await
        .unwrap();
    let job_id = held[0].id;
    let planned = |recipient: &str, message: &str| NewEmail {
        id: Uuid::now_v7(),
        job_id: Some(job_id),
        kind: "reminder".into(),
        incident_id: None,
        recipient: recipient.into(),
        message_id: message.into(),
    };
    store
        .ensure_emails(
            &[
                planned("b@example.org", "<1@x>"),
                planned("a@example.org", "<2@x>"),
            ],
            now,
        )
        .await
        .unwrap();
    // Planning again keeps the first rows and their Message-IDs.
    store
        .ensure_emails(
            &[
                planned("a@example.org", "<3@x>"),
                planned("c@example.org", "<4@x>"),
            ],
            now,
        )
        .await
        .unwrap();
    let emails = store.job_emails(job_id).await.unwrap();
    let listed: Vec<(&str, &str)> = emails
        .iter()
        .map(|e| (e.recipient.as_str(), e.message_id.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("a@example.org", "<2@x>"),
            ("b@example.org", "<1@x>"),
            ("c@example.org", "<4@x>")
        ]
    );
    assert!(emails
        .iter()
        .all(|e| e.status == EmailStatus::Queued && e.attempts == 0));
    let later = now + Duration::seconds(5);
    store.record_attempts(&[]).await.unwrap();
    store
        .record_attempts(&[
            Attempt {
                email_id: emails[0].id,
                at: later,
                outcome: EmailStatus::Sent,
                reply: Some("250 OK".into()),
                next_attempt_at: None,
                worker: "instance-a".into(),
            },
            Attempt {
                email_id: emails[1].id,
                at: later,
                outcome: EmailStatus::Deferred,
                reply: Some("451 later".into()),
                next_attempt_at: Some(later + Duration::minutes(1)),
                worker: "instance-a".into(),
            },
            Attempt {
                email_id: emails[2].id,
                at: later,
                outcome: EmailStatus::Failed,
                reply: Some("550 no".into()),
                next_attempt_at: None,
                worker: "instance-a".into(),
            },
        ])
        .await
        .unwrap();
    let emails = store.job_emails(job_id).await.unwrap();
    /// status, attempts, last reply, next attempt, sent at
    type Summary<'a> = (
        EmailStatus,
        i64,
        Option<&'a str>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let summary: Vec<Summary> = emails
        .iter()
        .map(|e| {
            (
                e.status,
                e.attempts,
                e.last_reply.as_deref(),
                e.next_attempt_at,
                e.sent_at,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (EmailStatus::Sent, 1, Some("250 OK"), None, Some(later)),
            (
                EmailStatus::Deferred,
                1,
                Some("451 later"),
                Some(later + Duration::minutes(1)),
                None
            ),
            (EmailStatus::Failed, 1, Some("550 no"), None, None),
        ]
    );
    // One group commit may carry two attempts of one message (a caller's
    // retry): both count, in order.
    let retried = later + Duration::minutes(1);
    let again = |outcome, reply: &str| Attempt {
        email_id: emails[1].id,
        at: retried,
        outcome,
        reply: Some(reply.into()),
        next_attempt_at: None,
        worker: "instance-a".into(),
    };
    store
        .record_attempts(&[
            again(EmailStatus::Deferred, "451 still later"),
            again(EmailStatus::Sent, "250 at last"),
        ])
        .await
        .unwrap();
    let b = &store.job_emails(job_id).await.unwrap()[1];
    assert_eq!(
        (b.status, b.attempts, b.last_reply.as_deref(), b.sent_at),
        (EmailStatus::Sent, 3, Some("250 at last"), Some(retried))
    );
    assert!(store.job_emails(Uuid::now_v7()).await.unwrap().is_empty());
}

async fn fan_out_chunks_are_claimed_apart_from_other_jobs(store: Arc<dyn Store>) {
    let now = at(NOW);
    let lease = Duration::seconds(30);
    let chunk = NewJob {
        kind: JobKind::FamilyNotice,
        due_at: now + Duration::seconds(1),
        ..job("chunk", now)
    };
    store
        .enqueue(&[job("other", now), chunk], now)
        .await
        .unwrap();
    assert_eq!(
        store.next_job_at_where(JobKinds::NotFanOut).await.unwrap(),
        Some(now)
    );
    assert_eq!(
        store.next_job_at_where(JobKinds::FanOut).await.unwrap(),
        Some(now + Duration::seconds(1))
    );
    assert_eq!(store.next_job_at().await.unwrap(), Some(now));
    let later = now + Duration::seconds(2);
    let ordinary = store
        .claim_jobs_where(JobKinds::NotFanOut, later, later + lease, "w", 10)
        .await
        .unwrap();
    assert_eq!(
        ordinary.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["other"]
    );
    let fan_out = store
        .claim_jobs_where(JobKinds::FanOut, later, later + lease, "w", 10)
        .await
        .unwrap();
    assert_eq!(
        fan_out.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
        ["chunk"]
    );
    assert!(store
        .claim_jobs(later, later + lease, "w", 10)
        .await
        .unwrap()
        .is_empty());
}

async fn roster_approval_fan_out_and_deliveries(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("fan-out", now);
    file(&store, &record, &[], &[]).await;
    let import =
        |recipients: Vec<Vec<NoticeRecipient>>, unreachable: Vec<Vec<(String, String)>>, at| {
            let record = RosterImportRecord {
                id: Uuid::now_v7(),
                incident_id: record.id,
                format: "csv".into(),
                students: 9,
                recipients: recipients.iter().map(|p| p.len() as u64).sum(),
                unreachable: unreachable.iter().map(|p| p.len() as u64).sum(),
                rejected_rows: 1,
                imported_at: at,
                imported_by: "admin".into(),
            };
            (
                record,
                Pages {
                    recipients,
                    unreachable,
                },
            )
        };
    // A first import, replaced whole by the second.
    let (first, mut pages) = import(
        vec![vec![guardian("old@example.org", &["s0"])]],
        vec![],
        now,
    );
    assert!(store.replace_roster(&first, &mut pages).await.unwrap());
    let guardians = [
        "Zed@Example.org",
        "amy@example.org",
        "bob@example.org",
        "Cat@example.org",
        "dan@example.org",
        "eve@example.org",
        "fay@example.org",
    ];
    let (second, mut pages) = import(
        vec![
            guardians[..4]
                .iter()
                .map(|g| guardian(g, &["s1", "s2"]))
                .collect(),
            // The same address again (another case): one message per address.
            guardians[4..]
                .iter()
                .map(|g| guardian(g, &["s3"]))
                .chain([guardian("AMY@example.org", &["s9"])])
                .collect(),
        ],
        vec![vec![
            ("s8".into(), "Pat".into()),
            ("s5".into(), "Lee".into()),
        ]],
        now + Duration::minutes(1),
    );
    assert!(store.replace_roster(&second, &mut pages).await.unwrap());
    let latest = store
        .latest_roster_import(record.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, second.id);
    assert_eq!(latest.recipients, second.recipients);
    assert_eq!(latest.rejected_rows, 1);
    assert_eq!(
        store.unreachable_students(record.id).await.unwrap(),
        [
            ("s5".to_owned(), "Lee".to_owned()),
            ("s8".to_owned(), "Pat".to_owned())
        ]
    );
    assert!(store
        .latest_roster_import(Uuid::now_v7())
        .await
        .unwrap()
        .is_none());
    // Each language once, for the approval's preflight.
    assert_eq!(
        store.roster_languages(record.id).await.unwrap(),
        [Some("en".to_owned())]
    );
    assert!(store
        .roster_languages(Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());

    // The draft: kept once stored; its wording is editable until approval.
    assert!(store.notice(record.id).await.unwrap().is_none());
    store
        .ensure_notice_draft(&draft(record.id, now))
        .await
        .unwrap();
    let mut other = draft(record.id, now + Duration::hours(1));
    other.what_happened = "ignored".into();
    store.ensure_notice_draft(&other).await.unwrap();
    assert_eq!(
        store
            .notice(record.id)
            .await
            .unwrap()
            .unwrap()
            .what_happened,
        "what happened"
    );
    other.what_happened = "edited".into();
    other.public_title = Some("Notice of a data security incident".into());
    other.languages.insert(
        "es".into(),
        NoticeWording {
            what_happened: Some("editado".into()),
            ..NoticeWording::default()
        },
    );
    assert!(store.update_notice_draft(&other).await.unwrap());
    let stored = store.notice(record.id).await.unwrap().unwrap();
    assert_eq!(stored.what_happened, "edited");
    assert_eq!(stored.public_title, other.public_title);
    assert_eq!(
        stored.languages, other.languages,
        "the wording per language"
    );
    assert_eq!(stored.drafted_at, now, "editing keeps the draft's time");

    let approved_at = now + Duration::hours(2);
    let outcome = store
        .approve_notice(record.id, "admin", approved_at, 3, "example.org")
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ApproveOutcome {
            recipients: 7,
            chunks: 3,
            already: false
        }
    );
    let again = store
        .approve_notice(
            record.id,
            "admin",
            approved_at + Duration::hours(1),
            3,
            "example.org",
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        ApproveOutcome {
            recipients: 7,
            chunks: 3,
            already: true
        }
    );
    assert!(!store.update_notice_draft(&other).await.unwrap());
    let (late, mut pages) = import(
        vec![vec![guardian("late@example.org", &["s7"])]],
        vec![],
        approved_at,
    );
    assert!(
        !store.replace_roster(&late, &mut pages).await.unwrap(),
        "the roster is frozen once approved"
    );
    let notice = store.notice(record.id).await.unwrap().unwrap();
    assert_eq!(notice.approved_at, Some(approved_at));
    assert_eq!(notice.approved_by.as_deref(), Some("admin"));
    assert_eq!(notice.recipients, Some(7));

    // One job per chunk and the publication, due at approval.
    let jobs = store.incident_jobs(record.id).await.unwrap();
    let keys: BTreeSet<String> = jobs.iter().map(|j| j.key.clone()).collect();
    let expected: BTreeSet<String> = (0..3)
        .map(|c| format!("family-notice:{}:{c}", record.id))
        .chain([format!("publish:{}", record.id)])
        .collect();
    assert_eq!(keys, expected);
    assert!(jobs
        .iter()
        .all(|j| j.due_at == approved_at && j.state == JobState::Scheduled));
    let chunk_job = jobs.iter().find(|j| j.key.ends_with(":1")).unwrap();
    assert_eq!(chunk_job.kind, JobKind::FamilyNotice);
    assert_eq!(chunk_job.payload, json!({ "chunk": 1 }));

    // Chunks follow the lowercase address order, 3 by 3; within a chunk,
    // messages go out in address (byte) order.
    let mut chunks = Vec::new();
    let mut planned = Vec::new();
    for chunk in 0..3 {
        let due = store
            .family_deliveries_due(record.id, chunk, approved_at, None, 10)
            .await
            .unwrap();
        planned.extend(due.iter().map(|d| d.email.clone()));
        chunks.push(
            due.iter()
                .map(|d| d.recipient.email.clone())
                .collect::<Vec<_>>(),
        );
        for delivery in &due {
            assert_eq!(delivery.email.kind, "family-notice");
            assert_eq!(delivery.email.status, EmailStatus::Queued);
            assert_eq!(delivery.email.recipient, delivery.recipient.email);
            let id = delivery.email.message_id.as_str();
            assert!(
                id.starts_with('<')
                    && id.ends_with("@example.org>")
                    && id.len() == 32 + "<@example.org>".len(),
                "Message-ID {id}"
            );
        }
    }
    assert_eq!(
        chunks,
        [
            vec!["Cat@example.org", "amy@example.org", "bob@example.org"],
            vec!["dan@example.org", "eve@example.org", "fay@example.org"],
            vec!["Zed@Example.org"],
        ]
    );
    // Ids are in the UUIDv7 layout and in planning order (the lowercase
    // address order), so that recording outcomes appends to the attempts'
    // index: all but the 36 random bits at the end are as
    // `ordered_email_id` lays them out.
    planned.sort_by_key(|email| email.recipient.to_lowercase());
    for (row, email) in planned.iter().enumerate() {
        let id = email.id.to_string();
        let expected = ordered_email_id(approved_at.timestamp_millis(), row as i64 + 1, 0);
        assert_eq!(id[..27], expected[..27], "the id of {}", email.recipient);
        assert_eq!(email.id.get_version_num(), 7);
    }
    let mut by_id = planned.clone();
    by_id.sort_by_key(|email| email.id);
    assert_eq!(
        by_id.iter().map(|e| &e.recipient).collect::<Vec<_>>(),
        planned.iter().map(|e| &e.recipient).collect::<Vec<_>>(),
        "ids sort in planning order"
    );
    let cat = store
        .family_deliveries_due(record.id, 0, approved_at, None, 1)
        .await
        .unwrap();
    assert_eq!(cat.len(), 1, "the limit holds");
    // The next page starts after the last address of the one before.
    let after_cat = store
        .family_deliveries_due(record.id, 0, approved_at, Some("Cat@example.org"), 10)
        .await
        .unwrap();
    assert_eq!(
        after_cat
            .iter()
            .map(|d| d.recipient.email.as_str())
            .collect::<Vec<_>>(),
        ["amy@example.org", "bob@example.org"]
    );
    assert_eq!(cat[0].recipient.email, "Cat@example.org");
    assert_eq!(cat[0].recipient.children.len(), 2);
    assert_eq!(cat[0].recipient.language.as_deref(), Some("en"));

    // Send chunk 0: one sent, one deferred, one failed.
    let zero = store
        .family_deliveries_due(record.id, 0, approved_at, None, 10)
        .await
        .unwrap();
    let sent_at = approved_at + Duration::seconds(10);
    let retry_at = sent_at + Duration::minutes(5);
    let attempt = |d: &FamilyDelivery, outcome, next| Attempt {
        email_id: d.email.id,
        at: sent_at,
        outcome,
        reply: Some("reply".into()),
        next_attempt_at: next,
        worker: "instance-a".into(),
    };
    store
        .record_attempts(&[
            attempt(&zero[0], EmailStatus::Sent, None),
            attempt(&zero[1], EmailStatus::Deferred, Some(retry_at)),
            attempt(&zero[2], EmailStatus::Failed, None),
        ])
        .await
        .unwrap();
    assert!(store
        .family_deliveries_due(record.id, 0, sent_at, None, 10)
        .await
        .unwrap()
        .is_empty());
    let retried = store
        .family_deliveries_due(record.id, 0, retry_at, None, 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].email.status, EmailStatus::Deferred);
    assert_eq!(
        store.family_chunk_pending(record.id, 0).await.unwrap(),
        (1, Some(retry_at))
    );
    assert_eq!(
        store.family_chunk_pending(record.id, 1).await.unwrap(),
        (3, None)
    );
    assert_eq!(
        store.family_chunk_pending(record.id, 9).await.unwrap(),
        (0, None)
    );
    assert!(store.family_unsettled(record.id).await.unwrap());
    assert!(!store.family_unsettled(Uuid::now_v7()).await.unwrap());
    let counts: BTreeMap<&str, i64> = store
        .delivery_counts(record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(status, n)| (status.as_str(), n))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([("deferred", 1), ("failed", 1), ("queued", 4), ("sent", 1)])
    );

    // Deliveries page by recipient address (byte order: capitals first).
    let page = |status, after: Option<String>, limit| {
        let store = Arc::clone(&store);
        async move {
            store
                .deliveries(record.id, status, after.as_deref(), limit)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.recipient)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        page(None, None, 3).await,
        ["Cat@example.org", "Zed@Example.org", "amy@example.org"]
    );
    assert_eq!(
        page(None, Some("amy@example.org".into()), 10).await,
        [
            "bob@example.org",
            "dan@example.org",
            "eve@example.org",
            "fay@example.org"
        ]
    );
    assert_eq!(
        page(Some(EmailStatus::Sent), None, 10).await,
        ["Cat@example.org"]
    );
    assert_eq!(
        page(
            Some(EmailStatus::Queued),
            Some("dan@example.org".into()),
            10
        )
        .await,
        ["eve@example.org", "fay@example.org"]
    );
}

async fn student_coverage_follows_deliveries_and_records(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("coverage", now);
    file(&store, &record, &[], &[]).await;
    let mut pages = Pages {
        recipients: vec![vec![
            guardian("a@example.org", &["s1"]),
            guardian("b@example.org", &["s2"]),
            guardian("c@example.org", &["s1"]),
        ]],
        unreachable: vec![vec![("s3".into(), "Lee".into())]],
    };
    let import = RosterImportRecord {
        id: Uuid::now_v7(),
        incident_id: record.id,
        format: "csv".into(),
        students: 3,
        recipients: 3,
        unreachable: 1,
        rejected_rows: 0,
        imported_at: now,
        imported_by: "admin".into(),
    };
    assert!(store.replace_roster(&import, &mut pages).await.unwrap());
    let other = incident("no roster", now);
    file(&store, &other, &[], &[]).await;
    let with_roster = store.incidents_with_roster().await.unwrap();
    assert!(with_roster.contains(&record.id) && !with_roster.contains(&other.id));
    let states = |report: &breachd::domain::coverage::CoverageReport| {
        report
            .students
            .iter()
            .map(|s| (s.student_id.clone(), s.state))
            .collect::<Vec<_>>()
    };
    let before = store.notice_coverage(record.id).await.unwrap();
    assert_eq!(
        states(&before),
        [
            ("s1".to_owned(), Coverage::Pending),
            ("s2".to_owned(), Coverage::Pending),
            ("s3".to_owned(), Coverage::LetterNeeded),
        ],
        "before approval nothing is sent"
    );
    store
        .ensure_notice_draft(&draft(record.id, now))
        .await
        .unwrap();
    store
        .approve_notice(record.id, "admin", now, 10, "example.org")
        .await
        .unwrap();
    let due = store
        .family_deliveries_due(record.id, 0, now, None, 10)
        .await
        .unwrap();
    let sent_at = now + Duration::minutes(5);
    let attempts: Vec<Attempt> = due
        .iter()
        .map(|d| Attempt {
            email_id: d.email.id,
            at: sent_at,
            // a and c are guardians of s1: one failure and one success
            // reach s1; b is s2's only guardian.
            outcome: if d.email.recipient == "c@example.org" {
                EmailStatus::Sent
            } else {
                EmailStatus::Failed
            },
            reply: Some("550 no such user".into()),
            next_attempt_at: None,
            worker: "w1".into(),
        })
        .collect();
    store.record_attempts(&attempts).await.unwrap();
    let after = store.notice_coverage(record.id).await.unwrap();
    assert_eq!(
        states(&after),
        [
            ("s1".to_owned(), Coverage::Reached),
            ("s2".to_owned(), Coverage::LetterNeeded),
            ("s3".to_owned(), Coverage::LetterNeeded),
        ]
    );
    assert_eq!(after.students[0].covered_at, Some(sent_at));
    assert_eq!(
        after.students[1].letter_reason,
        Some(LetterReason::EveryMessageFailed)
    );
    assert_eq!(
        after.students[2].letter_reason,
        Some(LetterReason::NoReachableGuardian)
    );
    assert_eq!(after.completed_at(), None);

    let mailed = |student: &str, at| StudentMark {
        student_id: student.into(),
        kind: MarkKind::LetterMailed,
        at,
        reason: None,
    };
    store
        .record_student_marks(
            record.id,
            &[
                mailed("s2", now + Duration::days(1)),
                StudentMark {
                    student_id: "s3".into(),
                    kind: MarkKind::Exception,
                    at: now + Duration::hours(3),
                    reason: Some("no address known".into()),
                },
            ],
            "admin",
            now + Duration::days(1),
        )
        .await
        .unwrap();
    // Recorded again with a corrected date: the newer record wins.
    store
        .record_student_marks(
            record.id,
            &[mailed("s2", now + Duration::hours(20))],
            "admin",
            now + Duration::days(1),
        )
        .await
        .unwrap();
    let covered = store.notice_coverage(record.id).await.unwrap();
    assert_eq!(
        states(&covered),
        [
            ("s1".to_owned(), Coverage::Reached),
            ("s2".to_owned(), Coverage::LetterMailed),
            ("s3".to_owned(), Coverage::Exception),
        ]
    );
    assert_eq!(
        covered.students[2].exception_reason.as_deref(),
        Some("no address known")
    );
    assert_eq!(covered.completed_at(), Some(now + Duration::hours(20)));
    let audited = store.incident_audit(record.id).await.unwrap();
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.action == "student_notice_recorded")
            .count(),
        2
    );
}

async fn bounces_turn_accepted_messages_bounced_once(store: Arc<dyn Store>) {
    let now = at(NOW);
    let record = incident("bounces", now);
    file(&store, &record, &[], &[]).await;
    let mut pages = Pages {
        recipients: vec![vec![
            guardian("a@example.org", &["s1"]),
            guardian("b@example.org", &["s2"]),
            guardian("c@example.org", &["s3"]),
        ]],
        unreachable: vec![Vec::new()],
    };
    let import = RosterImportRecord {
        id: Uuid::now_v7(),
        incident_id: record.id,
        format: "csv".into(),
        students: 3,
        recipients: 3,
        unreachable: 0,
        rejected_rows: 0,
        imported_at: now,
        imported_by: "admin".into(),
    };
    assert!(store.replace_roster(&import, &mut pages).await.unwrap());
    store
        .ensure_notice_draft(&draft(record.id, now))
        .await
        .unwrap();
    store
        .approve_notice(record.id, "admin", now, 10, "example.org")
        .await
        .unwrap();
    let due = store
        .family_deliveries_due(record.id, 0, now, None, 10)
        .await
        .unwrap();
    let id_of = |address: &str| {
        due.iter()
            .find(|d| d.email.recipient == address)
            .map(|d| d.email.id)
            .expect("a delivery per guardian")
    };
    let sent_at = now + Duration::minutes(1);
    let attempts: Vec<Attempt> = due
        .iter()
        .map(|d| Attempt {
            email_id: d.email.id,
            at: sent_at,
            // c was refused at once: a refused message cannot bounce.
            outcome: if d.email.recipient == "c@example.org" {
                EmailStatus::Failed
            } else {
                EmailStatus::Sent
            },
            reply: Some("250 ok".into()),
            next_attempt_at: None,
            worker: "w1".into(),
        })
        .collect();
    store.record_attempts(&attempts).await.unwrap();
    assert!(store.follow_up_incidents().await.unwrap().is_empty());

    let bounce = |address: &str, after_completion| NewBounce {
        email_id: id_of(address),
        incident_id: Some(record.id),
        status: "5.1.1".into(),
        diagnostic: Some(format!("550 5.1.1 <{address}>: User unknown")),
        at: now + Duration::hours(1),
        after_completion,
    };
    assert!(store
        .record_bounce(&bounce("a@example.org", false))
        .await
        .unwrap());
    assert!(
        !store
            .record_bounce(&bounce("a@example.org", false))
            .await
            .unwrap(),
        "the same DSN read twice is recorded once"
    );
    assert!(
        !store
            .record_bounce(&bounce("c@example.org", false))
            .await
            .unwrap(),
        "a message never accepted does not bounce"
    );
    let a = store
        .email(id_of("a@example.org"))
        .await
        .unwrap()
        .expect("a's message");
    assert_eq!(a.status, EmailStatus::Bounced);
    assert!(store.email(Uuid::now_v7()).await.unwrap().is_none());

    let coverage = store.notice_coverage(record.id).await.unwrap();
    let states: Vec<(&str, Coverage)> = coverage
        .students
        .iter()
        .map(|s| (s.student_id.as_str(), s.state))
        .collect();
    assert_eq!(
        states,
        [
            ("s1", Coverage::LetterNeeded),
            ("s2", Coverage::Reached),
            ("s3", Coverage::LetterNeeded),
        ],
        "a bounced message reaches nobody"
    );
    assert_eq!(
        coverage.students[0].letter_reason,
        Some(LetterReason::EveryMessageFailed)
    );

    // Read after the duty was complete: a follow-up.
    assert!(store
        .record_bounce(&bounce("b@example.org", true))
        .await
        .unwrap());
    assert_eq!(
        store.follow_up_incidents().await.unwrap(),
        BTreeSet::from([record.id])
    );
    let bounces = store.incident_bounces(record.id).await.unwrap();
    let listed: Vec<(&str, &str, bool)> = bounces
        .iter()
        .map(|b| (b.recipient.as_str(), b.status.as_str(), b.after_completion))
        .collect();
    assert_eq!(
        listed,
        [
            ("a@example.org", "5.1.1", false),
            ("b@example.org", "5.1.1", true)
        ]
    );
    assert_eq!(
        bounces[0].diagnostic.as_deref(),
        Some("550 5.1.1 <a@example.org>: User unknown")
    );
    assert_eq!(bounces[0].bounced_at, now + Duration::hours(1));
    let bounced = store
        .deliveries(record.id, Some(EmailStatus::Bounced), None, 10)
        .await
        .unwrap();
    assert_eq!(bounced.len(), 2);
    let counts = store.delivery_counts(record.id).await.unwrap();
    assert!(counts.contains(&(EmailStatus::Bounced, 2)), "{counts:?}");
    let actions: Vec<String> = store
        .incident_audit(record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.contains("bounce"))
        .collect();
    assert_eq!(actions, ["email_bounced", "bounce_follow_up"]);
}

async fn published_notices_newest_first(store: Arc<dyn Store>) {
    let now = at(NOW);
    let mut ids = Vec::new();
    for (n, title) in ["older", "newer", "unpublished"].iter().enumerate() {
        let record = incident(title, now);
        file(&store, &record, &[], &[]).await;
        store
            .ensure_notice_draft(&draft(record.id, now))
            .await
            .unwrap();
        ids.push((record.id, n as i64, *title));
    }
    for (id, n, title) in &ids[..2] {
        store
            .mark_published(
                *id,
                &json!({ "title": title }),
                &format!("https://example.org/notices/{id}.html"),
                now + Duration::hours(*n),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        store.published_notices().await.unwrap(),
        [json!({ "title": "newer" }), json!({ "title": "older" })]
    );
    let notice = store.notice(ids[0].0).await.unwrap().unwrap();
    assert_eq!(notice.published_at, Some(now));
    assert_eq!(
        notice.published_url,
        Some(format!("https://example.org/notices/{}.html", ids[0].0))
    );
}

async fn site_files_website_checks_and_delivery_attempts(store: Arc<dyn Store>) {
    let now = at(NOW);
    let file_named = |name: &str, body: &str, updated_at| SiteFileRecord {
        name: name.into(),
        content_type: "text/html; charset=utf-8".into(),
        body: body.into(),
        sha256: breachd::site::sha256_hex(body.as_bytes()),
        updated_at,
    };
    assert_eq!(store.site_file("index.html").await.unwrap(), None);
    let first = [
        file_named("index.html", "<p>one</p>", now),
        file_named("notice-a.html", "<p>a ✓</p>", now),
    ];
    store.put_site_files(&first).await.unwrap();
    // A later publication replaces what it rewrites and keeps the rest.
    let later = now + Duration::minutes(5);
    let index = file_named("index.html", "<p>two</p>", later);
    store
        .put_site_files(std::slice::from_ref(&index))
        .await
        .unwrap();
    assert_eq!(store.site_file("index.html").await.unwrap(), Some(index));
    assert_eq!(
        store.site_file("notice-a.html").await.unwrap(),
        Some(first[1].clone())
    );
    store.put_site_files(&[]).await.unwrap();

    let record = incident("checked", now);
    file(&store, &record, &[], &[]).await;
    let check = |n: i64, matched: bool| WebsiteCheckRecord {
        id: Uuid::now_v7(),
        incident_id: record.id,
        checked_at: now + Duration::minutes(n),
        url: "http://127.0.0.1:1/notice-a.html".into(),
        http_status: matched.then_some(200),
        body_sha256: matched.then(|| "ab".repeat(32)),
        expected_sha256: "ab".repeat(32),
        matched,
        error: (!matched).then(|| "connection refused".into()),
        next_at: (!matched).then(|| now + Duration::minutes(n + 1)),
        instance: "w".into(),
    };
    let (missed, seen) = (check(0, false), check(2, true));
    // Recorded out of order, read oldest first.
    store.record_website_check(&seen).await.unwrap();
    store.record_website_check(&missed).await.unwrap();
    assert_eq!(
        store.website_checks(record.id).await.unwrap(),
        [missed, seen]
    );
    assert!(store
        .website_checks(Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());

    // Every attempt of the family notice, oldest first, with its delivery.
    store.enqueue(&[job("fan-out", now)], now).await.unwrap();
    let held = store
        .claim_jobs(now, now + Duration::seconds(30), "w", 1)
        .await
        .unwrap();
    let email = NewEmail {
        id: Uuid::now_v7(),
        job_id: Some(held[0].id),
        kind: "family-notice".into(),
        incident_id: Some(record.id),
        recipient: "pat@families.example".into(),
        message_id: "<f@x>".into(),
    };
    store
        .ensure_emails(std::slice::from_ref(&email), now)
        .await
        .unwrap();
    let attempt = |seconds: i64, outcome, reply: &str| Attempt {
        email_id: email.id,
        at: now + Duration::seconds(seconds),
        outcome,
        reply: Some(reply.into()),
        next_attempt_at: None,
        worker: "instance-1".into(),
    };
    store
        .record_attempts(&[attempt(1, EmailStatus::Deferred, "451 busy")])
        .await
        .unwrap();
    store
        .record_attempts(&[attempt(9, EmailStatus::Sent, "250 ok")])
        .await
        .unwrap();
    let attempts = store.delivery_attempts(record.id).await.unwrap();
    let listed: Vec<(&str, &str, &str, Option<&str>)> = attempts
        .iter()
        .map(|a| {
            (
                a.status.as_str(),
                a.outcome.as_str(),
                a.reply.as_deref().unwrap_or_default(),
                a.worker.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("sent", "deferred", "451 busy", Some("instance-1")),
            ("sent", "sent", "250 ok", Some("instance-1")),
        ]
    );
    assert!(attempts
        .iter()
        .all(|a| a.email_id == email.id && a.recipient == "pat@families.example"));
    assert_eq!(attempts[0].at, now + Duration::seconds(1));
}

// ------------------------------------------------- PostgreSQL only: instances

/// Planning a job announces it on `breachd_jobs`, so sleeping instances wake.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_planning_a_job_notifies_other_instances() {
    PgTestDb::run(
        "postgres_planning_a_job_notifies_other_instances",
        |url| async move {
            let store = connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            let mut listener = sqlx::postgres::PgListener::connect(&url).await.unwrap();
            listener
                .listen(breachd::store::postgres::JOBS_CHANNEL)
                .await
                .unwrap();
            let now = at(NOW);
            store.enqueue(&[job("announced", now)], now).await.unwrap();
            let heard =
                tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await;
            assert!(heard.is_ok(), "enqueue notified the channel");
            // Re-planning an existing key is silent.
            store.enqueue(&[job("announced", now)], now).await.unwrap();
            let claimed = store
                .claim_jobs(now, now + Duration::seconds(30), "w", 1)
                .await
                .unwrap();
            store
                .reschedule_job(claimed[0].id, "w", now + Duration::minutes(1), None, now)
                .await
                .unwrap();
            let heard =
                tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await;
            assert!(heard.is_ok(), "a rescheduled job is announced too");
            // Nothing else is pending on the channel: the silent re-plan sent nothing.
            let extra =
                tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv()).await;
            assert!(extra.is_err(), "no notification for a key that existed");
        },
    )
    .await;
}

/// The scheduler renews every lease it still holds while a batch runs; a
/// lease that ran out (and may be another instance's) is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_renews_only_leases_still_held() {
    PgTestDb::run("postgres_renews_only_leases_still_held", |url| async move {
        let store = connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let now = at(NOW);
        let lease = Duration::seconds(30);
        store
            .enqueue(&[job("a1", now), job("a2", now), job("b1", now)], now)
            .await
            .unwrap();
        let a = store.claim_jobs(now, now + lease, "a", 2).await.unwrap();
        let b = store
            .claim_jobs(now, now + lease * 2, "b", 1)
            .await
            .unwrap();
        assert_eq!((a.len(), b.len()), (2, 1));
        store
            .finish_job(a[1].id, "a", JobState::Done, None, now)
            .await
            .unwrap();
        let later = now + Duration::seconds(20);
        assert_eq!(
            store.renew_leases("a", later, later + lease).await.unwrap(),
            1
        );
        // Not claimable by b until the renewed lease runs out.
        assert!(store
            .claim_jobs(now + lease + Duration::seconds(1), now + lease * 3, "b", 10)
            .await
            .unwrap()
            .is_empty());
        // Expired: not renewed.
        let expired = later + lease + Duration::seconds(1);
        assert_eq!(
            store
                .renew_leases("a", expired, expired + lease)
                .await
                .unwrap(),
            0
        );
        let taken = store
            .claim_jobs(expired, expired + lease, "b", 10)
            .await
            .unwrap();
        assert_eq!(taken.iter().map(|j| j.id).collect::<Vec<_>>(), [a[0].id]);
        assert_eq!(
            store
                .renew_leases("a", expired, expired + lease)
                .await
                .unwrap(),
            0
        );
    })
    .await;
}

// ------------------------------------------------------------ migrate-data

/// A SQLite database with something in every table, moved to PostgreSQL:
/// every read answers the same on both, and a second copy is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrate_data_copies_everything_and_refuses_a_used_target() {
    PgTestDb::run(
        "migrate_data_copies_everything_and_refuses_a_used_target",
        |url| async move {
            let dir = tempfile::tempdir().unwrap();
            let sqlite_url = format!("sqlite://{}", dir.path().join("old.db").display());
            let source = connect(&sqlite_url).await.unwrap();
            source.migrate().await.unwrap();
            let filled = fill_every_table(&source).await;

            let report = breachd::store::migrate_data::copy(&sqlite_url, &url)
                .await
                .expect("the copy succeeds");
            assert!(report.total() > 0);
            let copied: BTreeMap<String, u64> = report.tables.iter().cloned().collect();
            for table in [
                "incidents",
                "incident_events",
                "obligations",
                "idempotency_keys",
                "jobs",
                "emails",
                "email_attempts",
                "roster_imports",
                "notice_recipients",
                "unreachable_students",
                "notices",
                "vendors",
            ] {
                assert!(
                    copied.get(table).copied().unwrap_or(0) > 0,
                    "{table} was copied: {copied:?}"
                );
            }
            let target = connect(&url).await.unwrap();
            target.ready().await.unwrap();
            assert_same_reads(&source, &target, &filled).await;

            let again = breachd::store::migrate_data::copy(&sqlite_url, &url).await;
            let error = again.expect_err("a used target is refused").to_string();
            assert!(error.contains("not empty"), "{error}");
            let missing = breachd::store::migrate_data::copy(
                &format!("sqlite://{}", dir.path().join("typo.db").display()),
                &url,
            )
            .await
            .expect_err("a missing source is refused")
            .to_string();
            assert!(missing.contains("does not exist"), "{missing}");
        },
    )
    .await;
}

fn vendor(name: &str, now: DateTime<Utc>) -> VendorRecord {
    VendorRecord {
        id: Uuid::now_v7(),
        version: 0,
        created_at: now,
        updated_at: now,
        vendor: Vendor {
            name: name.into(),
            aliases: vec![format!("{name} SIS")],
            contacts: vec!["privacy@vendor.example".into()],
            services: Some("Student information system".into()),
            data_elements: vec!["grades".into()],
            agreement: Agreement {
                kind: Some(breachd::domain::vendor::AgreementKind::Dpa),
                status: breachd::domain::vendor::AgreementStatus::Signed,
                signed_at: chrono::NaiveDate::from_ymd_opt(2025, 8, 1),
                expires_at: None,
                breach_notice: Some(BreachNotice {
                    within: "48h".parse().expect("a span"),
                    clock: ClockEvent::discovered(),
                    citation: "DPA § 7".into(),
                }),
            },
        },
    }
}

fn vendor_audit(now: DateTime<Utc>) -> breachd::audit::NewAudit {
    breachd::audit::NewAudit::new(now, "admin", "vendor_registered", None, None, json!({}))
}

async fn vendors_are_stored_changed_and_listed(store: Arc<dyn Store>) {
    let now = at(NOW);
    let zeta = vendor("Zeta Learning", now);
    let alpha = vendor("Alpha Learning", now);
    for record in [&zeta, &alpha] {
        store
            .create_vendor(record, &vendor_audit(now))
            .await
            .expect("a vendor is stored");
    }
    assert_eq!(store.vendor(zeta.id).await.unwrap(), Some(zeta.clone()));
    assert_eq!(store.vendor(Uuid::now_v7()).await.unwrap(), None);
    let names: Vec<String> = store
        .vendors()
        .await
        .unwrap()
        .into_iter()
        .map(|record| record.vendor.name)
        .collect();
    assert_eq!(names, ["Alpha Learning", "Zeta Learning"], "by name");

    let mut changed = zeta.clone();
    changed.version = 1;
    changed.updated_at = now + Duration::hours(1);
    changed.vendor.agreement.status = breachd::domain::vendor::AgreementStatus::Terminated;
    store
        .update_vendor(&changed, &vendor_audit(now))
        .await
        .expect("the first change lands");
    assert_eq!(store.vendor(zeta.id).await.unwrap(), Some(changed.clone()));
    // A second change made from the same version comes too late.
    let late = store.update_vendor(&changed, &vendor_audit(now)).await;
    assert!(matches!(late, Err(StoreError::Conflict)), "{late:?}");
    // Every write was audited.
    assert_eq!(store.audit_entries(0, 100).await.unwrap().len(), 3);
}

fn privacy_request(reference: &str, received_at: DateTime<Utc>) -> PrivacyRequestRecord {
    use breachd::domain::request::{Reference, RequestKind, Via};
    PrivacyRequestRecord {
        id: Uuid::now_v7(),
        reference: Reference::stored(reference.into()),
        kind: RequestKind::Dispute,
        received_at,
        requester_name: "Jane Parent".into(),
        requester_email: "jane@family.example".into(),
        summary: "The attendance record is wrong.".into(),
        via: Via::PublicForm,
        filed_by: "public form".into(),
        assigned_to: None,
        answer: None,
        answered_at: None,
        answered_by: None,
        closed_at: None,
        closed_by: None,
        close_note: None,
        created_at: received_at,
        version: 0,
    }
}

/// A request's duties live in the obligations table beside the
/// incidents', with a request as their subject: listed on the board with
/// the request's kind and reference as the title, completed with it, their
/// reminders cancelled; a stale change is refused.
async fn privacy_requests_carry_their_own_duties(store: Arc<dyn Store>) {
    let now = at(NOW);
    let older = privacy_request("PR-AAAA-0001", now - Duration::days(2));
    let newer = privacy_request("PR-AAAA-0002", now);
    let audit =
        |action: &str| breachd::audit::NewAudit::new(now, "tester", action, None, None, json!({}));
    let mut duty = obligation(
        Uuid::nil(),
        "district_responds_to_dispute",
        Some(now + Duration::days(21)),
        now,
    );
    duty.subject = Subject::Request(newer.id);
    duty.clock_started_at = Some(now);
    let step = reminder(&duty, 1, now + Duration::days(10));
    assert_eq!(
        step.incident_id, None,
        "a request's reminder names no incident"
    );
    store
        .create_privacy_request(&older, &[], &[], &audit("request_received"))
        .await
        .expect("a request without a duty is stored");
    store
        .create_privacy_request(
            &newer,
            std::slice::from_ref(&duty),
            &[step],
            &audit("request_received"),
        )
        .await
        .expect("a request and its duty are stored");

    assert_eq!(
        store.privacy_request(newer.id).await.unwrap(),
        Some(newer.clone())
    );
    assert_eq!(store.privacy_request(Uuid::now_v7()).await.unwrap(), None);
    let listed: Vec<Uuid> = store
        .privacy_requests(10, 0)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, [newer.id, older.id], "newest received first");
    assert_eq!(store.privacy_requests(1, 1).await.unwrap()[0].id, older.id);

    let duties = store.request_obligations(newer.id).await.unwrap();
    assert_eq!(duties.len(), 1);
    assert_eq!(duties[0].subject, Subject::Request(newer.id));
    assert_eq!(
        store.obligation(duty.id).await.unwrap().unwrap().subject,
        Subject::Request(newer.id)
    );
    let board = store
        .list_obligations(&ObligationFilter {
            statuses: vec![ObligationStatus::Open],
            due_before: None,
            incident_id: None,
            now,
            limit: 10,
            offset: 0,
        })
        .await
        .unwrap();
    let row = board
        .iter()
        .find(|r| r.obligation.id == duty.id)
        .expect("on the board");
    assert!(
        row.incident_title.contains("PR-AAAA-0002"),
        "{}",
        row.incident_title
    );
    assert!(
        !row.incident_title.contains("Jane"),
        "{}",
        row.incident_title
    );

    // Answered: the duty is completed and its reminder cancelled, at once.
    let mut answered = newer.clone();
    answered.version = 1;
    answered.answer = Some("Corrected.".into());
    answered.answered_at = Some(now + Duration::days(1));
    answered.answered_by = Some("reporter".into());
    let settle = Settlement::Complete {
        at: now + Duration::days(1),
        note: Some("answered".into()),
    };
    store
        .update_privacy_request(
            &answered,
            Some(&settle),
            &[job("request_mail:answer", now)],
            &audit("request_answered"),
            now + Duration::days(1),
        )
        .await
        .expect("the answer lands");
    assert_eq!(
        store.privacy_request(newer.id).await.unwrap(),
        Some(answered.clone())
    );
    let done = store.obligation(duty.id).await.unwrap().unwrap();
    assert_eq!(done.completed_at, Some(now + Duration::days(1)));
    assert_eq!(done.completed_by.as_deref(), Some("reporter"));
    assert!(store
        .unsettled_obligations()
        .await
        .unwrap()
        .iter()
        .all(|o| o.id != duty.id));
    let late = store
        .update_privacy_request(&answered, None, &[], &audit("request_answered"), now)
        .await;
    assert!(matches!(late, Err(StoreError::Conflict)), "{late:?}");
    // Every write was audited.
    assert_eq!(store.audit_entries(0, 100).await.unwrap().len(), 3);
}

fn contract_record(
    vendor_id: Uuid,
    title: &str,
    executed: (i32, u32, u32),
    now: DateTime<Utc>,
) -> ContractRecord {
    ContractRecord {
        id: Uuid::now_v7(),
        created_at: now,
        filed_by: "admin".into(),
        contract: Contract {
            vendor_id,
            title: title.into(),
            purpose: "Reading assessments".into(),
            executed_on: chrono::NaiveDate::from_ymd_opt(executed.0, executed.1, executed.2)
                .expect("a valid date"),
            data_elements: vec!["grades".into()],
            provisions: BTreeMap::from([(1, true), (2, false)]),
        },
        published_at: None,
        published_url: None,
        amendment: Default::default(),
        version: 0,
    }
}

/// A duty of the contract `contract_id`.
fn contract_duty(
    contract_id: Uuid,
    kind: &str,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ObligationRecord {
    ObligationRecord {
        subject: Subject::Contract(contract_id),
        ..obligation(contract_id, kind, due_at, now)
    }
}

async fn contracts_their_duties_and_publication(store: Arc<dyn Store>) {
    let now = at(NOW);
    let acme = vendor("Acme Learning", now);
    store
        .create_vendor(&acme, &vendor_audit(now))
        .await
        .unwrap();
    let older = contract_record(acme.id, "Older", (2026, 1, 5), now);
    let newer = contract_record(acme.id, "Newer", (2026, 3, 2), now);
    let posting = contract_duty(
        newer.id,
        "board_posts_contract_notice",
        Some(now + Duration::days(7)),
        now,
    );
    let amend = contract_duty(
        newer.id,
        "board_requests_contract_amendment",
        Some(now + Duration::days(14)),
        now,
    );
    let audit =
        breachd::audit::NewAudit::new(now, "admin", "contract_filed", None, None, json!({}));
    store
        .create_contract(&older, &[], &[], &audit)
        .await
        .expect("a contract without duties is stored");
    let publication = planning::contract_publish_job(newer.id, now);
    store
        .create_contract(
            &newer,
            &[amend.clone(), posting.clone()],
            std::slice::from_ref(&publication),
            &audit,
        )
        .await
        .expect("a contract with its duties and job is stored");
    assert_eq!(store.contract(newer.id).await.unwrap(), Some(newer.clone()));
    assert_eq!(store.contract(Uuid::now_v7()).await.unwrap(), None);
    let titles: Vec<String> = store
        .contracts()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.contract.title)
        .collect();
    assert_eq!(titles, ["Newer", "Older"], "most recently executed first");
    let duties = store.contract_obligations(newer.id).await.unwrap();
    assert_eq!(
        duties,
        [posting.clone(), amend.clone()],
        "soonest first, ids kept"
    );
    assert!(store
        .contract_obligations(older.id)
        .await
        .unwrap()
        .is_empty());
    // They are obligations like the others: listed across subjects, with
    // the contract's title, and found by id.
    let listed = store
        .list_obligations(&ObligationFilter {
            statuses: vec![],
            due_before: None,
            incident_id: None,
            now,
            limit: 100,
            offset: 0,
        })
        .await
        .unwrap();
    let row = listed
        .iter()
        .find(|row| row.obligation.id == posting.id)
        .expect("the contract's duty is listed");
    assert_eq!(row.incident_title, "Contract: Newer");
    assert_eq!(row.obligation.subject, Subject::Contract(newer.id));
    assert_eq!(
        store.obligation(amend.id).await.unwrap(),
        Some(amend.clone())
    );
    // The publication job is planned (once: its key is the contract's).
    assert_eq!(
        store
            .enqueue(&[planning::contract_publish_job(newer.id, now)], now)
            .await
            .unwrap(),
        0
    );

    let later = now + Duration::hours(1);
    store
        .mark_contract_published(
            newer.id,
            "https://example.org/notices/contracts/c.html",
            later,
        )
        .await
        .unwrap();
    let stored = store.contract(newer.id).await.unwrap().expect("stored");
    assert_eq!(stored.published_at, Some(later));
    assert_eq!(
        stored.published_url.as_deref(),
        Some("https://example.org/notices/contracts/c.html")
    );

    let done = Settlement::Complete {
        at: later,
        note: Some("published".into()),
    };
    assert!(store
        .settle_contract_obligation(newer.id, posting.id, &done, "breachd", later)
        .await
        .unwrap());
    assert!(
        !store
            .settle_contract_obligation(newer.id, posting.id, &done, "breachd", later)
            .await
            .unwrap(),
        "settled once"
    );
    assert!(
        !store
            .settle_contract_obligation(older.id, amend.id, &done, "breachd", later)
            .await
            .unwrap(),
        "not another contract's duty"
    );
    let duties = store.contract_obligations(newer.id).await.unwrap();
    assert_eq!(duties[0].completed_at, Some(later));
    assert_eq!(duties[0].completed_by.as_deref(), Some("breachd"));
    assert_eq!(duties[1].completed_at, None);
    // vendor, two filings, the publication and one settlement.
    assert_eq!(store.audit_entries(0, 100).await.unwrap().len(), 5);
}

async fn a_contract_notice_to_amend_and_its_amendment_are_recorded(store: Arc<dyn Store>) {
    let now = at(NOW);
    let acme = vendor("Acme Learning", now);
    store
        .create_vendor(&acme, &vendor_audit(now))
        .await
        .unwrap();
    let record = contract_record(acme.id, "Amended", (2026, 3, 2), now);
    let amend = contract_duty(
        record.id,
        "board_requests_contract_amendment",
        Some(now + Duration::days(14)),
        now,
    );
    let audit =
        breachd::audit::NewAudit::new(now, "admin", "contract_filed", None, None, json!({}));
    let reminders = [reminder(&amend, 0, now + Duration::hours(1))];
    store
        .create_contract(&record, std::slice::from_ref(&amend), &reminders, &audit)
        .await
        .unwrap();
    let sent = now + Duration::days(1);
    assert!(store
        .request_contract_amendment(record.id, sent, Some("by email"), &[amend.id], "admin", now)
        .await
        .unwrap());
    assert!(
        !store
            .request_contract_amendment(record.id, sent, None, &[amend.id], "admin", now)
            .await
            .unwrap(),
        "recorded once"
    );
    let stored = store.contract(record.id).await.unwrap().expect("stored");
    assert_eq!(stored.amendment.requested_at, Some(sent));
    assert_eq!(stored.amendment.request_note.as_deref(), Some("by email"));
    assert_eq!(stored.version, 1);
    let duty = store.obligation(amend.id).await.unwrap().expect("stored");
    assert_eq!(duty.completed_at, Some(sent), "completed when it was sent");
    assert_eq!(
        store.next_job_at().await.unwrap(),
        None,
        "its reminders are cancelled"
    );

    let mut amended = stored.clone();
    amended.amendment.amended_on = chrono::NaiveDate::from_ymd_opt(2026, 3, 20);
    amended.amendment.added.insert(2);
    assert!(store
        .amend_contract(&amended, &[], "moot", "admin", now)
        .await
        .unwrap());
    assert!(
        !store
            .amend_contract(&amended, &[], "moot", "admin", now)
            .await
            .unwrap(),
        "a change read at an older version is refused"
    );
    let stored = store.contract(record.id).await.unwrap().expect("stored");
    assert_eq!(stored.amendment.amended_on, amended.amendment.amended_on);
    assert_eq!(
        stored.provisions_now(),
        BTreeMap::from([(1, true), (2, true)])
    );
    assert_eq!(stored.contract.provisions.get(&2), Some(&false), "as filed");
    // vendor, filing, notice (and its completion), amendment.
    assert_eq!(store.audit_entries(0, 100).await.unwrap().len(), 5);
}

struct Filled {
    incidents: Vec<Uuid>,
    jobs: Vec<Uuid>,
}

async fn fill_every_table(store: &Arc<dyn Store>) -> Filled {
    let now = at(NOW);
    store
        .create_vendor(&vendor("Moved Vendor", now), &vendor_audit(now))
        .await
        .expect("a vendor is stored");
    let record = incident("moved", now);
    let families = obligation(
        record.id,
        "board_notifies_families",
        Some(now + Duration::days(2)),
        now,
    );
    let key = IdempotencyRecord {
        caller: "secops".into(),
        key: "move-1".into(),
        response: StoredResponse {
            request_hash: "h".into(),
            status: 201,
            body: "{}".into(),
        },
    };
    store
        .create_incident(
            &record,
            std::slice::from_ref(&families),
            &[reminder(&families, 0, now)],
            Some(&key),
        )
        .await
        .unwrap();
    let event = EventRecord {
        kind: ClockEvent::parse("board_notified").expect("a valid event name"),
        at: now,
        recorded_at: now,
        recorded_by: "secops".into(),
    };
    store
        .record_event(
            record.id,
            0,
            &event,
            None,
            std::slice::from_ref(&families),
            &[],
        )
        .await
        .unwrap();
    let mut pages = Pages {
        recipients: vec![vec![
            guardian("a@example.org", &["s1"]),
            guardian("b@example.org", &["s2"]),
        ]],
        unreachable: vec![vec![("s3".into(), "Lee".into())]],
    };
    let import = RosterImportRecord {
        id: Uuid::now_v7(),
        incident_id: record.id,
        format: "csv".into(),
        students: 3,
        recipients: 2,
        unreachable: 1,
        rejected_rows: 0,
        imported_at: now,
        imported_by: "admin".into(),
    };
    store.replace_roster(&import, &mut pages).await.unwrap();
    store
        .ensure_notice_draft(&draft(record.id, now))
        .await
        .unwrap();
    store
        .approve_notice(record.id, "admin", now, 1, "example.org")
        .await
        .unwrap();
    store
        .mark_published(
            record.id,
            &json!({ "title": "moved" }),
            "https://example.org/n.html",
            now,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_jobs(now, now + Duration::seconds(30), "old-instance", 1)
        .await
        .unwrap();
    store
        .ensure_emails(
            &[NewEmail {
                id: Uuid::now_v7(),
                job_id: Some(claimed[0].id),
                kind: "reminder".into(),
                incident_id: Some(record.id),
                recipient: "privacy@example.org".into(),
                message_id: "<r@x>".into(),
            }],
            now,
        )
        .await
        .unwrap();
    let planned = store.job_emails(claimed[0].id).await.unwrap();
    store
        .record_attempts(&[Attempt {
            email_id: planned[0].id,
            at: now,
            outcome: EmailStatus::Sent,
            reply: Some("250 OK".into()),
            next_attempt_at: None,
            worker: "old-instance".into(),
        }])
        .await
        .unwrap();
    Filled {
        incidents: vec![record.id],
        jobs: vec![claimed[0].id],
    }
}

/// Instants compared at PostgreSQL's precision (microseconds).
fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn job_view(j: &Job) -> String {
    format!(
        "{} {} {} {} {} {:?} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {} {} {:?}",
        j.id,
        j.kind,
        j.key,
        j.payload,
        micros(j.due_at),
        j.state,
        j.attempts,
        j.locked_until.map(micros),
        j.locked_by,
        j.last_error,
        j.incident_id,
        j.obligation_id,
        j.obligation_due.map(micros),
        j.step_order,
        j.late,
        micros(j.created_at),
        micros(j.updated_at),
        j.finished_at.map(micros),
    )
}

fn email_view(e: &EmailRecord) -> String {
    format!(
        "{} {:?} {} {:?} {} {} {:?} {} {:?} {:?} {:?}",
        e.id,
        e.job_id,
        e.kind,
        e.incident_id,
        e.recipient,
        e.message_id,
        e.status,
        e.attempts,
        e.last_reply,
        e.next_attempt_at.map(micros),
        e.sent_at.map(micros)
    )
}

async fn assert_same_reads(source: &Arc<dyn Store>, target: &Arc<dyn Store>, filled: &Filled) {
    let now = at(NOW);
    for &id in &filled.incidents {
        assert_eq!(
            source.incident(id).await.unwrap(),
            target.incident(id).await.unwrap()
        );
        assert_eq!(
            source.incident_obligations(id).await.unwrap(),
            target.incident_obligations(id).await.unwrap()
        );
        // Sorted: jobs that tie on the listing's order may come either way.
        let jobs = |rows: Vec<Job>| {
            let mut views = rows.iter().map(job_view).collect::<Vec<_>>();
            views.sort();
            views
        };
        assert_eq!(
            jobs(source.incident_jobs(id).await.unwrap()),
            jobs(target.incident_jobs(id).await.unwrap())
        );
        let emails = |rows: Vec<EmailRecord>| rows.iter().map(email_view).collect::<Vec<_>>();
        assert_eq!(
            emails(source.deliveries(id, None, None, 100).await.unwrap()),
            emails(target.deliveries(id, None, None, 100).await.unwrap())
        );
        assert_eq!(
            source.notice(id).await.unwrap(),
            target.notice(id).await.unwrap()
        );
        assert_eq!(
            source.unreachable_students(id).await.unwrap(),
            target.unreachable_students(id).await.unwrap()
        );
        let import = |r: Option<RosterImportRecord>| {
            r.map(|r| format!("{} {} {}", r.id, r.recipients, micros(r.imported_at)))
        };
        assert_eq!(
            import(source.latest_roster_import(id).await.unwrap()),
            import(target.latest_roster_import(id).await.unwrap())
        );
        let mut counts_source = source.delivery_counts(id).await.unwrap();
        let mut counts_target = target.delivery_counts(id).await.unwrap();
        counts_source.sort_by_key(|(s, _)| s.as_str());
        counts_target.sort_by_key(|(s, _)| s.as_str());
        assert_eq!(counts_source, counts_target);
    }
    for &id in &filled.jobs {
        let emails = |rows: Vec<EmailRecord>| rows.iter().map(email_view).collect::<Vec<_>>();
        assert_eq!(
            emails(source.job_emails(id).await.unwrap()),
            emails(target.job_emails(id).await.unwrap())
        );
    }
    assert_eq!(
        source
            .idempotent_response("secops", "move-1")
            .await
            .unwrap(),
        target
            .idempotent_response("secops", "move-1")
            .await
            .unwrap()
    );
    assert_eq!(
        source.published_notices().await.unwrap(),
        target.published_notices().await.unwrap()
    );
    let summary = |rows: Vec<IncidentSummary>| {
        rows.iter()
            .map(|r| (r.incident.id, r.unsettled, r.next_due_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        summary(source.list_incidents(None, now, 100, 0).await.unwrap()),
        summary(target.list_incidents(None, now, 100, 0).await.unwrap())
    );
    assert_eq!(
        source.next_job_at().await.unwrap(),
        target.next_job_at().await.unwrap()
    );
    // The audit chain moved intact: same entries, and it verifies.
    let audit_source = source.audit_entries(0, 10_000).await.unwrap();
    let audit_target = target.audit_entries(0, 10_000).await.unwrap();
    assert!(!audit_source.is_empty());
    assert_eq!(audit_source, audit_target);
    let (last, _) = breachd::audit::verify(&audit_target, (0, breachd::audit::GENESIS))
        .expect("the moved audit chain verifies");
    assert_eq!(last, audit_source.len() as i64);
    // The moved queue goes on: the old instance's lease is honoured, then
    // taken over.
    let after = now + Duration::seconds(31);
    let taken = target
        .claim_jobs(after, after + Duration::seconds(30), "new-instance", 100)
        .await
        .unwrap();
    assert!(!taken.is_empty());
}

// ------------------------------------------------- roster import versions

/// What a roster source does between two of its pages, while the import
/// is part way through its copy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Midway {
    /// Files another incident and reads the roster: the filing must get
    /// its turn and the reader must still see the roster being replaced.
    FileAndRead,
    /// Approves the notice: the import must then be refused at its end.
    Approve,
}

/// Pages like [`Pages`], doing `midway` once, before its second page.
struct Interleaved {
    pages: Pages,
    store: Arc<dyn Store>,
    incident: Uuid,
    midway: Midway,
    served: usize,
    /// The incident filed midway.
    filed: Option<Uuid>,
}

#[async_trait::async_trait]
impl RosterPages for Interleaved {
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>> {
        if self.served == 1 {
            let within = std::time::Duration::from_secs(5);
            match self.midway {
                Midway::FileAndRead => {
                    let other = incident("filed during an import", at(NOW));
                    let filed = tokio::time::timeout(
                        within,
                        self.store.create_incident(&other, &[], &[], None),
                    )
                    .await
                    .expect("a filing during a roster import gets its turn within 5 s")
                    .expect("a filing during a roster import succeeds");
                    assert!(matches!(filed, CreateOutcome::Created));
                    self.filed = Some(other.id);
                    assert_eq!(
                        self.store.unreachable_students(self.incident).await?,
                        [("s0".to_owned(), "Old".to_owned())],
                        "readers see the roster in place until the import ends"
                    );
                    let coverage = self.store.notice_coverage(self.incident).await?;
                    let mut students: Vec<&str> = coverage
                        .students
                        .iter()
                        .map(|s| s.student_id.as_str())
                        .collect();
                    students.sort();
                    assert_eq!(students, ["s0", "s00"], "nothing of the new roster yet");
                }
                Midway::Approve => {
                    tokio::time::timeout(
                        within,
                        self.store.approve_notice(
                            self.incident,
                            "admin",
                            at(NOW),
                            10,
                            "example.org",
                        ),
                    )
                    .await
                    .expect("an approval during a roster import gets its turn within 5 s")?;
                }
            }
        }
        self.served += 1;
        self.pages.next_recipients().await
    }
    async fn next_unreachable(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        self.pages.next_unreachable().await
    }
}

fn import_record(incident_id: Uuid, id: Uuid, recipients: u64) -> RosterImportRecord {
    RosterImportRecord {
        id,
        incident_id,
        format: "plain-csv".into(),
        students: recipients,
        recipients,
        unreachable: 1,
        rejected_rows: 0,
        imported_at: at(NOW),
        imported_by: "admin".into(),
    }
}

/// The first roster of these tests: one guardian, one unreachable student.
fn old_roster() -> Pages {
    Pages {
        recipients: vec![vec![guardian("old@example.org", &["s00"])]],
        unreachable: vec![vec![("s0".into(), "Old".into())]],
    }
}

/// Three pages of two guardians (s1–s6) and one unreachable student.
fn new_roster() -> Pages {
    Pages {
        recipients: (0..3)
            .map(|page| {
                (1..=2)
                    .map(|n| {
                        let student = format!("s{}", page * 2 + n);
                        guardian(&format!("g{student}@example.org"), &[student.as_str()])
                    })
                    .collect()
            })
            .collect(),
        unreachable: vec![vec![("s9".into(), "New".into())]],
    }
}

async fn a_roster_import_lets_other_writers_in_and_lands_whole(store: Arc<dyn Store>) {
    let record = incident("a large roster", at(NOW));
    file(&store, &record, &[], &[]).await;
    let mut old = old_roster();
    assert!(store
        .replace_roster(&import_record(record.id, Uuid::now_v7(), 1), &mut old)
        .await
        .unwrap());
    store
        .ensure_notice_draft(&draft(record.id, at(NOW)))
        .await
        .unwrap();

    let new = import_record(record.id, Uuid::now_v7(), 6);
    let mut source = Interleaved {
        pages: new_roster(),
        store: Arc::clone(&store),
        incident: record.id,
        midway: Midway::FileAndRead,
        served: 0,
        filed: None,
    };
    assert!(store.replace_roster(&new, &mut source).await.unwrap());
    assert_eq!(
        source.served, 4,
        "every page was read (3 and the empty one)"
    );
    let filed = source.filed.expect("the filing ran midway");
    assert!(
        store.incident(filed).await.unwrap().is_some(),
        "the filing made during the import is stored"
    );

    // The new roster, complete; nothing of the old one.
    assert_eq!(
        store
            .latest_roster_import(record.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        new.id
    );
    assert_eq!(
        store.unreachable_students(record.id).await.unwrap(),
        [("s9".to_owned(), "New".to_owned())]
    );
    let coverage = store.notice_coverage(record.id).await.unwrap();
    let mut students: Vec<&str> = coverage
        .students
        .iter()
        .map(|s| s.student_id.as_str())
        .collect();
    students.sort();
    assert_eq!(students, ["s1", "s2", "s3", "s4", "s5", "s6", "s9"]);
    let approved = store
        .approve_notice(record.id, "admin", at(NOW), 10, "example.org")
        .await
        .unwrap();
    assert_eq!(approved.recipients, 6, "the approval counts the new roster");
}

async fn a_roster_import_refused_at_its_end_changes_nothing(store: Arc<dyn Store>) {
    let record = incident("approved mid-import", at(NOW));
    file(&store, &record, &[], &[]).await;
    let mut old = old_roster();
    assert!(store
        .replace_roster(&import_record(record.id, Uuid::now_v7(), 1), &mut old)
        .await
        .unwrap());
    store
        .ensure_notice_draft(&draft(record.id, at(NOW)))
        .await
        .unwrap();
    let mut source = Interleaved {
        pages: new_roster(),
        store: Arc::clone(&store),
        incident: record.id,
        midway: Midway::Approve,
        served: 0,
        filed: None,
    };
    let late = import_record(record.id, Uuid::now_v7(), 6);
    assert!(
        !store.replace_roster(&late, &mut source).await.unwrap(),
        "approved while it was copied: refused at the switch"
    );
    assert_eq!(
        store.notice(record.id).await.unwrap().unwrap().recipients,
        Some(1)
    );
    assert_eq!(
        store.unreachable_students(record.id).await.unwrap(),
        [("s0".to_owned(), "Old".to_owned())]
    );
    assert_ne!(
        store
            .latest_roster_import(record.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        late.id
    );

    // Of two imports, the one started later is kept, whichever ends last.
    let other = incident("two uploads", at(NOW));
    file(&store, &other, &[], &[]).await;
    let mut ids = [Uuid::now_v7(), Uuid::now_v7()];
    ids.sort_by_key(|id| id.to_string());
    let [earlier, later] = ids;
    assert!(store
        .replace_roster(&import_record(other.id, later, 6), &mut new_roster())
        .await
        .unwrap());
    let refused = store
        .replace_roster(&import_record(other.id, earlier, 1), &mut old_roster())
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert_eq!(
        store
            .latest_roster_import(other.id)
            .await
            .unwrap()
            .unwrap()
            .id,
        later
    );
    assert_eq!(
        store.unreachable_students(other.id).await.unwrap(),
        [("s9".to_owned(), "New".to_owned())]
    );
}

// ---------------------------------------------------------------- documents

fn document(owner_id: Uuid, content: &[u8], publishable: bool, now: DateTime<Utc>) -> Document {
    Document {
        owner_id,
        file_name: "signed.pdf".into(),
        content_type: "application/pdf".into(),
        size: content.len() as i64,
        sha256: format!("{:064x}", content.len()),
        publishable,
        uploaded_by: "admin".into(),
        uploaded_at: now,
    }
}

async fn documents_of_vendors_and_contracts(store: Arc<dyn Store>) {
    let now = at(NOW);
    let acme = vendor("Acme Learning", now);
    store
        .create_vendor(&acme, &vendor_audit(now))
        .await
        .unwrap();
    let contract = contract_record(acme.id, "Reading", (2026, 3, 2), now);
    let audit =
        breachd::audit::NewAudit::new(now, "admin", "document_uploaded", None, None, json!({}));
    store
        .create_contract(&contract, &[], &[], &audit)
        .await
        .unwrap();
    let agreement = document(acme.id, b"agreement", true, now);
    store
        .put_document(DocumentOwner::Vendor, &agreement, b"agreement", &[], &audit)
        .await
        .expect("a vendor's document is stored");
    // A contract's, with the republication it plans, in one transaction.
    let republish = planning::contract_republish_job(contract.id, now);
    let signed = document(contract.id, b"contract v1", true, now);
    store
        .put_document(
            DocumentOwner::Contract,
            &signed,
            b"contract v1",
            std::slice::from_ref(&republish),
            &audit,
        )
        .await
        .expect("a contract's document is stored");
    assert_eq!(
        store.enqueue(&[republish], now).await.unwrap(),
        0,
        "planned"
    );

    // An upload replaces the owner's earlier one; each owner kind apart.
    let later = now + Duration::hours(1);
    let replaced = document(contract.id, b"contract v2, private", false, later);
    store
        .put_document(
            DocumentOwner::Contract,
            &replaced,
            b"contract v2, private",
            &[],
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(
        store.documents(DocumentOwner::Contract).await.unwrap(),
        std::slice::from_ref(&replaced)
    );
    assert_eq!(
        store.documents(DocumentOwner::Vendor).await.unwrap(),
        std::slice::from_ref(&agreement)
    );
    assert_eq!(
        store
            .document(DocumentOwner::Contract, contract.id)
            .await
            .unwrap(),
        Some((replaced, b"contract v2, private".to_vec()))
    );
    assert_eq!(
        store
            .document(DocumentOwner::Vendor, acme.id)
            .await
            .unwrap(),
        Some((agreement, b"agreement".to_vec()))
    );
    assert_eq!(
        store
            .document(DocumentOwner::Vendor, contract.id)
            .await
            .unwrap(),
        None,
        "a contract's id names no vendor's document"
    );
}

// ------------------------------------------------- a staged roster's copy

/// A staged roster handed over as `cases` does: its pages, and its file for
/// a store that copies from the file itself (SQLite does, PostgreSQL reads
/// the pages).
struct StagedPages<'a> {
    staged: &'a breachd::roster::StagedRoster,
    file: std::path::PathBuf,
    after_recipient: Option<String>,
    after_student: Option<String>,
    after_address: Option<String>,
}

/// Pages smaller than the roster, so that the page path pages too.
const STAGED_PAGE: u32 = 1000;

#[async_trait::async_trait]
impl RosterPages for StagedPages<'_> {
    async fn next_recipients(&mut self) -> anyhow::Result<Vec<NoticeRecipient>> {
        let page = self
            .staged
            .recipients(self.after_recipient.as_deref(), STAGED_PAGE)
            .await?;
        if let Some(last) = page.last() {
            self.after_recipient = Some(last.email.to_lowercase());
        }
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
        let page = self
            .staged
            .unreachable_students(self.after_student.as_deref(), STAGED_PAGE)
            .await?;
        if let Some(last) = page.last() {
            self.after_student = Some(last.student_id.clone());
        }
        Ok(page.into_iter().map(|s| (s.student_id, s.name)).collect())
    }
    async fn next_addresses(
        &mut self,
    ) -> anyhow::Result<Vec<(String, breachd::domain::coverage::MailingAddress)>> {
        let page = self
            .staged
            .addresses(self.after_address.as_deref(), STAGED_PAGE)
            .await?;
        if let Some((last, _)) = page.last() {
            self.after_address = Some(last.clone());
        }
        Ok(page)
    }
    fn sqlite_file(&self) -> Option<&std::path::Path> {
        Some(&self.file)
    }
}

/// A plain CSV roster staged, then copied: on SQLite inside SQLite from the
/// staged file (several pages of it), on PostgreSQL page by page; both
/// stores must then answer alike: every recipient with all its children in
/// order, shared addresses once, the students nobody can be emailed about,
/// the mailing addresses.
async fn a_staged_roster_lands_alike_on_either_backend(store: Arc<dyn Store>) {
    let record = incident("a staged roster", at(NOW));
    file(&store, &record, &[], &[]).await;
    store
        .ensure_notice_draft(&draft(record.id, at(NOW)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("roster.csv");
    let mut text = String::from(
        "student_id,student_name,guardian_name,guardian_email,language,address_line1,city\n",
    );
    // 6,000 families: two children each, the second listed first, and a
    // guardian per child who shares an address typed in another case.
    for family in 0..6000 {
        for child in [2, 1] {
            text.push_str(&format!(
                "f{family:05}c{child},Child {child} of {family},Parent {child} of {family},{}@f{family}.example,es,{family} Main St,Town\n",
                if child == 1 { "home" } else { "HOME" }
            ));
        }
    }
    // A student nobody can be emailed about, and one row rejected.
    text.push_str("zz-alone,Alone,Nobody,not-an-address,,,\n");
    std::fs::write(&csv, text).unwrap();
    let staged = breachd::roster::StagedRoster::stage(&csv).await.unwrap();
    assert_eq!(staged.report.recipients, 6000);
    let import = RosterImportRecord {
        id: Uuid::now_v7(),
        incident_id: record.id,
        format: "plain-csv".into(),
        students: staged.report.students,
        recipients: staged.report.recipients,
        unreachable: staged.report.students_without_reachable_guardian,
        rejected_rows: staged.report.rejected_rows,
        imported_at: at(NOW),
        imported_by: "admin".into(),
    };
    let mut pages = StagedPages {
        staged: &staged,
        file: staged.sqlite_file(),
        after_recipient: None,
        after_student: None,
        after_address: None,
    };
    assert!(store.replace_roster(&import, &mut pages).await.unwrap());
    drop(pages);
    staged.close().await;

    assert_eq!(
        store.unreachable_students(record.id).await.unwrap(),
        [("zz-alone".to_owned(), "Alone".to_owned())]
    );
    let coverage = store.notice_coverage(record.id).await.unwrap();
    assert_eq!(coverage.students.len(), 12_001, "every student, once");
    let child = coverage
        .students
        .iter()
        .find(|s| s.student_id == "f04321c1")
        .expect("a child of the roster is covered");
    assert_eq!(child.name, "Child 1 of 4321");
    assert_eq!(child.language.as_deref(), Some("es"));
    assert_eq!(
        child.address.as_ref().map(|a| a.line1.as_str()),
        Some("4321 Main St")
    );
    assert_eq!(
        store.roster_languages(record.id).await.unwrap(),
        [Some("es".to_owned())]
    );

    let approved = store
        .approve_notice(record.id, "admin", at(NOW), 100_000, "example.org")
        .await
        .unwrap();
    assert_eq!(approved.recipients, 6000, "one message per address");
    let mut seen = 0;
    let mut after: Option<String> = None;
    loop {
        let due = store
            .family_deliveries_due(record.id, 0, at(NOW), after.as_deref(), 2500)
            .await
            .unwrap();
        let Some(last) = due.last() else { break };
        after = Some(last.email.recipient.clone());
        for delivery in &due {
            let family = delivery
                .recipient
                .email
                .split_once("@f")
                .and_then(|(_, domain)| domain.strip_suffix(".example"))
                .expect("a roster address")
                .parse::<u32>()
                .expect("a family number");
            // The first row naming the address gives its spelling and name.
            assert_eq!(delivery.recipient.email, format!("HOME@f{family}.example"));
            assert_eq!(delivery.recipient.name, format!("Parent 2 of {family}"));
            let children: Vec<(&str, &str)> = delivery
                .recipient
                .children
                .iter()
                .map(|c| (c.student_id.as_str(), c.name.as_str()))
                .collect();
            assert_eq!(
                children,
                [
                    (
                        format!("f{family:05}c1").as_str(),
                        format!("Child 1 of {family}").as_str()
                    ),
                    (
                        format!("f{family:05}c2").as_str(),
                        format!("Child 2 of {family}").as_str()
                    ),
                ],
                "both children, by student id"
            );
        }
        seen += due.len();
    }
    assert_eq!(seen, 6000);
}
