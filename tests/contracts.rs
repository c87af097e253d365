//! Contracts with vendors on the real daemon: filing one starts the
//! Connecticut contract-notice duty (five business days, counted over the
//! state's legal holidays, by the rule in force on the day of execution),
//! publishes its notice in the website's contracts section (page, index,
//! Atom feed; no personal data) and completes the duty with it; a contract
//! missing a required provision gets the amendment duty from the board's
//! policy and is marked void if not amended; bad input is refused naming
//! each field, with nothing stored.

mod common;

use common::{pages, spawn_app_at, spawn_app_with, TestApp, TestConfig, ADMIN, REPORTER, VIEWER};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The board policy's period for the notice to amend (policy 3520.13 says
/// "reasonable notice"; a district sets the number of days).
const AMENDMENT_POLICY: &str = r#"
[[district.policy]]
kind = "board_requests_contract_amendment"
within = "10bd"
clock = "contract_executed"
citation = "Board policy 3520.13 (reasonable notice to amend)"
"#;

async fn register_vendor(app: &TestApp) -> String {
    let (status, vendor) = app
        .post(
            "/api/v1/vendors",
            ADMIN,
            &json!({
                "name": "Acme Learning, Inc.",
                "contacts": ["Jane Roe <jane.roe@acme.example>"],
                "services": "Reading assessments",
                "agreement": {"kind": "contract", "status": "signed", "signed_at": "2026-09-04"}
            }),
        )
        .await;
    assert_eq!(status, 201, "{vendor}");
    vendor["id"].as_str().expect("an id").to_owned()
}

/// Every one of the eleven provisions included, except those in `missing`.
fn provisions(missing: &[u32]) -> Value {
    (1..=11)
        .map(|n| (n.to_string(), json!(!missing.contains(&n))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn contract(vendor_id: &str, executed_at: &str, missing: &[u32]) -> Value {
    json!({
        "vendor_id": vendor_id,
        "title": "Reading assessment platform",
        "purpose": "Acme Learning hosts the district's reading assessments for grades K to 5.",
        "executed_at": executed_at,
        "data_elements": ["student_name", "grades", "student_id"],
        "provisions": provisions(missing),
    })
}

fn duty<'a>(contract: &'a Value, kind: &str) -> Option<&'a Value> {
    contract["obligations"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["kind"] == kind))
}

/// Waits (with a deadline) until the contract's notice is published.
async fn published(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, contract) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
        assert_eq!(status, 200, "{contract}");
        if contract["published_url"].is_string() {
            return contract;
        }
        assert!(
            Instant::now() < deadline,
            "the contract notice was not published: {contract}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_contract_executed_on_the_friday_before_labor_day_is_posted_within_five_business_days() {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let vendor_id = register_vendor(&app).await;
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2026-09-04", &[]),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let id = filed["id"].as_str().expect("an id").to_owned();
    // Executed Friday 2026-09-04. Business days count from the next day and
    // skip weekends and the legal holidays of Conn. Gen. Stat. § 1-4: Sat 5
    // and Sun 6 are weekend days, Mon 7 is Labor Day (first Monday of
    // September), so the five are Tue 8, Wed 9, Thu 10, Fri 11 and Mon 14:
    // due at the end of Monday 2026-09-14, Eastern time. The rule in force on
    // the day of execution is the one from 2018-07-01 (P.A. 18-125).
    let notice = duty(&filed, "board_posts_contract_notice").expect("the posting duty");
    assert_eq!(notice["due_at"], "2026-09-14T23:59:59-04:00", "{notice}");
    assert_eq!(
        notice["sources"][0]["rule"],
        "us-ct/board-posts-contract-notice/5bd"
    );
    assert_eq!(notice["sources"][0]["verified"], false);
    assert!(
        duty(&filed, "board_requests_contract_amendment").is_none(),
        "every provision is included: {filed}"
    );
    assert_eq!(filed["void_if_not_amended"], false);
    assert_eq!(filed["family_notice_citation"], Value::Null);

    let contract = published(&app, &id).await;
    let notice = duty(&contract, "board_posts_contract_notice").expect("the posting duty");
    assert_eq!(notice["status"], "done", "{notice}");
    assert!(notice["completion_note"]
        .as_str()
        .is_some_and(|note| note.contains("/contracts/contract-")));

    let index = app.get_text("/notices/contracts/").await;
    assert!(index.contains("Reading assessment platform"), "{index}");
    let url = contract["published_url"].as_str().expect("a url");
    let page_name = url.rsplit('/').next().expect("a file name");
    let page = app
        .get_text(&format!("/notices/contracts/{page_name}"))
        .await;
    for expected in [
        "Acme Learning, Inc.",
        "September 4, 2026",
        "hosts the district&#x27;s reading assessments",
        "What student data may be collected",
        "grades",
    ] {
        assert!(page.contains(expected), "{expected} missing: {page}");
    }
    let feed = app.get_text("/notices/contracts/feed.atom").await;
    let parsed = atom_syndication::Feed::read_from(feed.as_bytes()).expect("a valid Atom feed");
    assert_eq!(parsed.entries().len(), 1);
    assert_eq!(
        parsed.entries()[0].title().value,
        "Acme Learning, Inc.: Reading assessment platform"
    );
    for text in [&index, &page, &feed] {
        for pii in ["Jane Roe", "jane.roe@acme.example"] {
            assert!(!text.contains(pii), "{pii} published: {text}");
        }
    }

    // The staff pages, in words.
    let signed = pages::sign_in(&app, VIEWER).await;
    let (status, html) = pages::get_page(&app, &signed, &format!("/contracts/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Board posts notice of a new student-data contract"));
    assert!(html.contains("Mon 14 Sep 2026, 23:59:59 EDT"), "{html}");
    assert!(
        !html.contains("board_posts_contract_notice"),
        "no kind names"
    );
    let (status, html) = pages::get_page(&app, &signed, "/contracts").await;
    assert_eq!(status, 200);
    assert!(html.contains("Reading assessment platform"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn a_contract_missing_a_provision_gets_the_amendment_duty_and_is_void_if_not_amended() {
    let config = TestConfig::new().layer(AMENDMENT_POLICY);
    let app = spawn_app_with("2026-09-08T10:00:00-04:00", &config).await;
    let vendor_id = register_vendor(&app).await;
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2026-09-04", &[7]),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["void_if_not_amended"], true);
    assert_eq!(filed["missing_provisions"][0]["number"], 7);
    let amend = duty(&filed, "board_requests_contract_amendment").expect("the amendment duty");
    // Ten business days after Friday 2026-09-04 with Labor Day skipped:
    // Sep 8-11, 14-18 and 21.
    assert_eq!(amend["due_at"], "2026-09-21T23:59:59-04:00", "{amend}");
    assert_eq!(
        amend["sources"][0]["citation"],
        "Board policy 3520.13 (reasonable notice to amend)"
    );
    assert_eq!(amend["recipient"], "the contractor");

    let id = filed["id"].as_str().expect("an id");
    let signed = pages::sign_in(&app, VIEWER).await;
    let (status, html) = pages::get_page(&app, &signed, &format!("/contracts/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Void if not amended"), "{html}");
    assert!(html.contains("<strong>missing</strong>"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn without_a_board_policy_a_missing_provision_brings_no_invented_deadline() {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let vendor_id = register_vendor(&app).await;
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2026-09-04", &[2, 11]),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["void_if_not_amended"], true);
    // The statute sets no number of days for the notice to amend: without
    // the board's policy there is no source, so no duty.
    assert!(duty(&filed, "board_requests_contract_amendment").is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_2017_contract_follows_the_rule_then_in_force_and_says_families_were_owed_an_email() {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let vendor_id = register_vendor(&app).await;
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2017-03-03", &[]),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let notice = duty(&filed, "board_posts_contract_notice").expect("the posting duty");
    // Friday 2017-03-03: Mon 6 to Fri 10 March, no holiday between.
    assert_eq!(notice["due_at"], "2017-03-10T23:59:59-05:00", "{notice}");
    assert_eq!(
        notice["sources"][0]["rule"],
        "us-ct/board-posts-contract-notice/5bd/2016"
    );
    assert!(filed["family_notice_citation"]
        .as_str()
        .is_some_and(|citation| citation.contains("P.A. 16-189")));
    let id = filed["id"].as_str().expect("an id");
    let signed = pages::sign_in(&app, VIEWER).await;
    let (_, html) = pages::get_page(&app, &signed, &format!("/contracts/{id}")).await;
    assert!(
        html.contains("by email within the same five business days"),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn bad_contracts_are_refused_naming_each_field_and_nothing_is_stored() {
    let app = spawn_app_at("2026-09-08T10:00:00-04:00").await;
    let vendor_id = register_vendor(&app).await;
    let mut answers = provisions(&[]);
    answers.as_object_mut().expect("an object").remove("4");
    answers["12"] = json!(true);
    answers["5"] = json!("yes");
    let bad = json!({
        "vendor_id": "not-an-id",
        "purpose": "",
        "executed_at": "2026-09-04T10:00:00-04:00",
        "data_elements": ["student_name", "favourite_colour"],
        "provisions": answers,
        "colour": "blue"
    });
    let (status, problem) = app.post("/api/v1/contracts", ADMIN, &bad).await;
    assert_eq!(status, 422, "{problem}");
    let named: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in [
        "vendor_id",
        "title",
        "purpose",
        "executed_at",
        "data_elements[1]",
        "provisions.4",
        "provisions.5",
        "provisions.12",
        "colour",
    ] {
        assert!(named.contains(&field), "{field} not named in {problem}");
    }
    // A vendor that is not registered, and a date in the future.
    let unknown = contract("00000000-0000-0000-0000-000000000000", "2026-09-04", &[]);
    let (status, problem) = app.post("/api/v1/contracts", ADMIN, &unknown).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "vendor_id");
    let (status, problem) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2026-09-30", &[]),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "executed_at");
    // Only an admin files.
    for token in [VIEWER, REPORTER] {
        let (status, _) = app
            .post(
                "/api/v1/contracts",
                token,
                &contract(&vendor_id, "2026-09-04", &[]),
            )
            .await;
        assert_eq!(status, 403);
    }
    let (status, list) = app.get("/api/v1/contracts", VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(list["contracts"], json!([]), "nothing stored");
    let (status, _) = app
        .get(
            "/api/v1/contracts/00000000-0000-0000-0000-000000000000",
            VIEWER,
        )
        .await;
    assert_eq!(status, 404);
    app.stop().await;
}
