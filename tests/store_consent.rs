//! The consent campaigns' store methods on both backends (the conformance
//! suite's harness, in a file of its own): a campaign is stored whole and
//! read back with each guardian's students; a guardian's link is used once
//! even when two answers race; answers staff record name no guardian.

mod common;

use breachd::audit::NewAudit;
use breachd::domain::consent::{Answer, Received};
use breachd::domain::vendor::AgreementStatus;
use breachd::store::*;
use chrono::{DateTime, Utc};
use common::postgres::PgTestDb;
use serde_json::json;
use std::future::Future;
use std::sync::Arc;
use uuid::Uuid;

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("consent.db").display());
    let store = connect(&url).await.expect("SQLite opens");
    store.migrate().await.expect("SQLite migrates");
    test(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_campaign_is_stored_whole_and_its_link_answers_once() {
    run_sqlite(a_campaign_is_stored_whole_and_its_link_answers_once).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_campaign_is_stored_whole_and_its_link_answers_once() {
    PgTestDb::run("store_consent", |url| async move {
        let store = connect(&url).await.expect("PostgreSQL opens");
        store.migrate().await.expect("PostgreSQL migrates");
        a_campaign_is_stored_whole_and_its_link_answers_once(store).await;
    })
    .await;
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid instant")
        .with_timezone(&Utc)
}

fn audit(now: DateTime<Utc>, action: &str) -> NewAudit {
    NewAudit::new(now, "admin", action, None, None, json!({}))
}

fn answer(
    campaign: &ConsentCampaignRecord,
    student: &str,
    guardian: Option<Uuid>,
    answer: Answer,
    received: Received,
    now: DateTime<Utc>,
) -> ConsentAnswerRecord {
    ConsentAnswerRecord {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        student_id: student.into(),
        guardian_id: guardian,
        answer,
        received,
        recorded_by: "admin".into(),
        recorded_at: now,
    }
}

async fn a_campaign_is_stored_whole_and_its_link_answers_once(store: Arc<dyn Store>) {
    let now = at("2026-03-02T14:00:00Z");
    let vendor = VendorRecord {
        id: Uuid::now_v7(),
        version: 0,
        created_at: now,
        updated_at: now,
        vendor: Vendor {
            name: "Quizzly".into(),
            aliases: Vec::new(),
            contacts: Vec::new(),
            services: None,
            data_elements: Vec::new(),
            agreement: Agreement {
                status: AgreementStatus::Refused,
                ..Agreement::default()
            },
        },
    };
    store
        .create_vendor(&vendor, &audit(now, "vendor_registered"))
        .await
        .expect("the vendor is stored");
    let campaign = ConsentCampaignRecord {
        id: Uuid::now_v7(),
        vendor_id: vendor.id,
        privacy_policy_url: "https://quizzly.example/privacy".into(),
        description: "Names and quiz scores".into(),
        students: 2,
        guardians: 2,
        rejected_rows: 1,
        created_by: "admin".into(),
        created_at: now,
    };
    let students = vec![
        ConsentStudent {
            student_id: "S1".into(),
            name: "Maya Lopez".into(),
        },
        ConsentStudent {
            student_id: "S2".into(),
            name: "Leo Lopez".into(),
        },
    ];
    let guardian = |email: &str, children: &[&str]| ConsentGuardianRecord {
        id: Uuid::now_v7(),
        campaign_id: campaign.id,
        name: format!("Guardian of {}", children.join(" and ")),
        email: email.into(),
        language: Some("es".into()),
        student_ids: children.iter().map(|c| c.to_string()).collect(),
        answered_at: None,
    };
    let ana = guardian("ana@family.example", &["S1", "S2"]);
    let luis = guardian("luis@family.example", &["S1"]);
    store
        .create_consent_campaign(
            &campaign,
            &students,
            &[luis.clone(), ana.clone()],
            &[breachd::scheduler::planning::consent_request_job(
                campaign.id,
                now,
            )],
            &audit(now, "consent_campaign_started"),
        )
        .await
        .expect("the campaign is stored");

    assert_eq!(
        store.consent_campaign(campaign.id).await.unwrap(),
        Some(campaign.clone())
    );
    assert_eq!(
        store.consent_campaigns(vendor.id).await.unwrap(),
        vec![campaign.clone()]
    );
    assert_eq!(store.consent_students(campaign.id).await.unwrap(), students);
    // By address, each with its students.
    assert_eq!(
        store.consent_guardians(campaign.id).await.unwrap(),
        vec![ana.clone(), luis.clone()]
    );
    assert_eq!(
        store.consent_guardian(luis.id).await.unwrap(),
        Some(luis.clone())
    );
    assert_eq!(store.consent_guardian(Uuid::now_v7()).await.unwrap(), None);

    // Two answers through Ana's link at once: one is stored, the other
    // stores nothing.
    let racing = |choice: Answer| {
        let store = Arc::clone(&store);
        let ana = ana.clone();
        let records = vec![
            answer(&campaign, "S1", Some(ana.id), choice, Received::Link, now),
            answer(&campaign, "S2", Some(ana.id), choice, Received::Link, now),
        ];
        tokio::spawn(async move {
            store
                .record_consent_answers(Some(&ana), &records, &audit(now, "consent_answered"))
                .await
                .expect("the answer is recorded or refused")
        })
    };
    let first = racing(Answer::Consented);
    let second = racing(Answer::Declined);
    let mut outcomes = vec![first.await.unwrap(), second.await.unwrap()];
    outcomes.sort_by_key(|o| *o == AnswerOutcome::AlreadyAnswered);
    assert_eq!(
        outcomes,
        [AnswerOutcome::Recorded, AnswerOutcome::AlreadyAnswered]
    );
    let answers = store.consent_answers(campaign.id).await.unwrap();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0].answer, answers[1].answer, "one answer's pair");
    assert_eq!(
        store
            .consent_guardian(ana.id)
            .await
            .unwrap()
            .and_then(|g| g.answered_at),
        Some(now)
    );

    // Staff answers name no guardian and use up no link.
    let staff = answer(
        &campaign,
        "S1",
        None,
        Answer::Declined,
        Received::Paper,
        now,
    );
    let outcome = store
        .record_consent_answers(
            None,
            std::slice::from_ref(&staff),
            &audit(now, "consent_answered"),
        )
        .await
        .unwrap();
    assert_eq!(outcome, AnswerOutcome::Recorded);
    let answers = store.consent_answers(campaign.id).await.unwrap();
    assert_eq!(answers.len(), 3);
    assert!(answers.contains(&staff), "{answers:?}");
    assert_eq!(
        store
            .consent_guardian(luis.id)
            .await
            .unwrap()
            .and_then(|g| g.answered_at),
        None
    );
}
