//! Contracts as the contract tests file them: a Connecticut contract
//! executed Friday 2026-09-04 with a registered vendor, on a daemon that has
//! the board's policy for the notice to amend, the district's contacts and a
//! public address; and what a reminder of a contract's duty must say.

use super::smtp::{Received, SmtpServer};
use super::{TestApp, TestConfig, ADMIN, VIEWER};
use serde_json::{json, Value};

pub const PO: &str = "po@district.example";
pub const PUBLIC: &str = "https://breachd.district.example";
pub const TITLE: &str = "Reading assessment platform";
/// Tuesday after Labor Day 2026, 10:00 in New York.
pub const TUESDAY: &str = "2026-09-08T10:00:00-04:00";

/// The board's period for the notice to amend (policy 3520.13 says
/// "reasonable notice"; a district sets the number of days).
pub const AMENDMENT_POLICY: &str = r#"
[[district.policy]]
kind = "board_requests_contract_amendment"
within = "10bd"
clock = "contract_executed"
citation = "Board policy 3520.13 (reasonable notice to amend)"
"#;

pub fn config(smtp: Option<&SmtpServer>) -> TestConfig {
    let config = TestConfig::new().layer(&format!(
        r#"
{AMENDMENT_POLICY}
[server]
public_url = "{PUBLIC}"
[contacts]
privacy_officer = ["{PO}"]
director_of_technology = ["cto@district.example"]
superintendent = ["super@district.example"]
board = ["board@district.example"]
"#
    ));
    match smtp {
        Some(smtp) => config.smtp(&smtp.url()),
        None => config,
    }
}

pub fn vendor() -> Value {
    json!({
        "name": "Acme Learning, Inc.",
        "contacts": ["Jane Roe <jane.roe@acme.example>"],
        "agreement": {"kind": "contract", "status": "signed", "signed_at": "2026-09-04"}
    })
}

/// Every one of the eleven provisions included, except those in `missing`.
pub fn contract(vendor_id: &str, executed_at: &str, missing: &[u32]) -> Value {
    let provisions: serde_json::Map<String, Value> = (1..=11)
        .map(|n| (n.to_string(), json!(!missing.contains(&n))))
        .collect();
    json!({
        "vendor_id": vendor_id,
        "title": TITLE,
        "purpose": "Acme Learning hosts the district's reading assessments.",
        "executed_at": executed_at,
        "data_elements": ["student_name", "grades"],
        "provisions": provisions,
    })
}

pub fn duty<'a>(contract: &'a Value, kind: &str) -> &'a Value {
    contract["obligations"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} in {contract}"))
}

/// Registers the vendor and files a contract executed Friday 2026-09-04
/// missing `missing`; answers the filed contract.
pub async fn file(app: &TestApp, missing: &[u32]) -> Value {
    let (status, vendor) = app.post("/api/v1/vendors", ADMIN, &vendor()).await;
    let vendor_id = if status == 201 {
        vendor["id"].as_str().expect("an id").to_owned()
    } else {
        // Registered by an earlier filing of the same test.
        let (_, list) = app.get("/api/v1/vendors", VIEWER).await;
        list["vendors"][0]["id"].as_str().expect("an id").to_owned()
    };
    let (status, filed) = app
        .post(
            "/api/v1/contracts",
            ADMIN,
            &contract(&vendor_id, "2026-09-04", missing),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    filed
}

pub fn about<'a>(messages: &'a [Received], obligation_id: &str) -> Vec<&'a Received> {
    messages
        .iter()
        .filter(|m| {
            m.header("X-Breachd-Obligation")
                .is_some_and(|ids| ids.split(", ").any(|id| id == obligation_id))
        })
        .collect()
}

/// The reminder of the amendment duty names the contract and links its page.
pub fn assert_reminder_names_the_contract(reminder: &Received, contract_id: &str) {
    assert_eq!(
        reminder.header("X-Breachd-Kind").as_deref(),
        Some("reminder")
    );
    assert!(
        reminder.subject.contains(TITLE),
        "the subject names the contract: {}",
        reminder.subject
    );
    let body = reminder.body.replace("\r\n", "\n");
    assert!(body.contains(&format!("Contract:    {TITLE}\n")), "{body}");
    assert!(
        body.contains(&format!("Contract page: {PUBLIC}/contracts/{contract_id}")),
        "{body}"
    );
    assert!(
        body.contains("Board gives the contractor notice to amend"),
        "{body}"
    );
    for machine in ["board_requests_contract_amendment", "Incident", "/api/"] {
        assert!(!body.contains(machine), "{machine} in {body}");
        assert!(!reminder.subject.contains(machine), "{}", reminder.subject);
    }
}
