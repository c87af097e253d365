//! The law breachd ships, shown to people and checked: `breachd rules
//! list|show|check` and `GET /api/v1/rules`.

mod common;

use breachd::rules::RulePack;
use common::daemon::breachd;
use common::{spawn_app, VIEWER};

/// Every pack in config/rules/, as (code, name), by code: what breachd
/// embeds, whichever packs the branch carries.
fn shipped() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/rules");
    let mut packs: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("config/rules/")
        .map(|entry| entry.expect("a readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable pack");
            let pack = RulePack::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (pack.jurisdiction, pack.name)
        })
        .collect();
    packs.sort();
    packs
}

/// The shipped packs a district can name as its jurisdiction: every one but
/// the federal layer (US-FERPA), which every district gets beside its state's.
fn state_packs() -> Vec<(String, String)> {
    let federal: Vec<String> = RulePack::embedded_federal()
        .into_iter()
        .map(|pack| pack.jurisdiction)
        .collect();
    shipped()
        .into_iter()
        .filter(|(code, _)| !federal.contains(code))
        .collect()
}

#[test]
fn every_shipped_pack_passes_the_check() {
    let output = breachd()
        .args(["rules", "check", "config/rules"])
        .output()
        .expect("breachd runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let count = format!("{} packs", shipped().len());
    assert!(stdout.contains(&count), "{count}: {stdout}");
}

/// A pack whose second rule has no citation and overlaps the first.
const BAD_PACK: &str = r#"
jurisdiction = "US-ZZ"
name = "Nowhere"

[[kind]]
id = "contractor_notifies_board"
title = "Contractor notifies the board"
party = "contractor"
recipient = "the board"
completed_by = "board_notified"

[[rule]]
id = "zz/first"
kind = "contractor_notifies_board"
clock = "discovered"
within = "30d"
effective_from = "2020-01-01"
citation = "Nowhere Code § 1"
source_url = "https://example.org/1"
description = "First."
verified = true

[[rule]]
id = "zz/second"
kind = "contractor_notifies_board"
clock = "discovered"
within = "10d"
effective_from = "2021-01-01"
citation = ""
source_url = "https://example.org/2"
description = "Second."
verified = true
"#;

#[test]
fn the_check_names_the_rule_with_no_citation_and_the_overlap() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("us-zz.toml"), BAD_PACK).expect("the pack is written");
    let output = breachd()
        .args(["rules", "check"])
        .arg(dir.path())
        .output()
        .expect("breachd runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"rule "zz/second": names no citation"#),
        "{stderr}"
    );
    assert!(
        stderr.contains("covers the same kind, data and days"),
        "{stderr}"
    );
    assert!(stderr.contains("us-zz.toml"), "{stderr}");
}

#[test]
fn list_and_show_read_as_a_lawyer_would() {
    let output = breachd()
        .args(["rules", "list", "--jurisdiction", "US-NY"])
        .output()
        .expect("breachd runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.starts_with("New York (US-NY)"), "{stdout}");
    assert!(stdout.contains("8 NYCRR § 121.10"), "{stdout}");
    assert!(!stdout.contains("Connecticut"), "{stdout}");
    let unknown = breachd()
        .args(["rules", "list", "--jurisdiction", "US-ZZ"])
        .output()
        .expect("breachd runs");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("US-CT"));

    let show = breachd()
        .args(["rules", "show", "us-il/entity-notifies-residents/asap"])
        .output()
        .expect("breachd runs");
    let stdout = String::from_utf8_lossy(&show.stdout);
    assert!(show.status.success(), "{stdout}");
    assert!(stdout.contains("815 ILCS 530"), "{stdout}");
    assert!(stdout.contains("confirm with counsel"), "{stdout}");
}

#[tokio::test]
async fn the_api_lists_every_jurisdiction_with_its_verification() {
    let app = spawn_app().await;
    let (status, all) = app.get("/api/v1/rules", VIEWER).await;
    assert_eq!(status, 200, "{all}");
    let codes: Vec<&str> = all["jurisdictions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["code"].as_str())
        .collect();
    let expected: Vec<String> = shipped().into_iter().map(|(code, _)| code).collect();
    assert_eq!(codes, expected);
    for jurisdiction in all["jurisdictions"].as_array().unwrap() {
        for rule in jurisdiction["rules"].as_array().unwrap() {
            assert!(rule["verified"].is_boolean(), "{rule}");
            assert!(
                rule["citation"].as_str().is_some_and(|c| !c.is_empty()),
                "{rule}"
            );
            if rule["verified"] == false {
                assert!(
                    rule["note"].is_string(),
                    "an unverified rule says why: {rule}"
                );
            }
        }
    }
    let (status, one) = app.get("/api/v1/rules?jurisdiction=us-il", VIEWER).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["jurisdictions"].as_array().unwrap().len(), 1);
    let (status, problem) = app.get("/api/v1/rules?jurisdiction=US-ZZ", VIEWER).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "jurisdiction");
    app.stop().await;
}

#[tokio::test]
async fn the_rules_page_shows_every_jurisdiction_with_what_to_confirm() {
    let app = spawn_app().await;
    let signed = common::pages::sign_in(&app, VIEWER).await;
    let (status, html) = common::pages::get_page(&app, &signed, "/rules").await;
    assert_eq!(status, 200);
    assert!(html.contains("The rules breachd follows"));
    // The district's own jurisdiction (Connecticut, the default) first.
    let ct = html.find("Connecticut").expect("Connecticut is listed");
    let il = html.find("Illinois").expect("Illinois is listed");
    assert!(ct < il);
    assert!(html.contains("Conn. Gen. Stat."));
    assert!(html.contains("unverified"));
    for (code, name) in shipped() {
        assert!(html.contains(&name), "{code} ({name}) is on the rules page");
    }
    assert!(html.contains(r#"href="/rules" aria-current="page""#));
    app.stop().await;
}

/// `check-config` accepts a district in every shipped jurisdiction (in any
/// case) and, for a misspelt one, names the field and every code it could be.
#[test]
fn check_config_accepts_every_shipped_jurisdiction_and_lists_them_for_a_typo() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("breachd.toml");
    let check = |jurisdiction: &str| {
        std::fs::write(
            &config,
            format!(
                "[district]\njurisdiction = \"{jurisdiction}\"\ntimezone = \"America/New_York\"\n"
            ),
        )
        .unwrap();
        breachd()
            .args(["check-config", "--config"])
            .arg(&config)
            .output()
            .expect("breachd runs")
    };
    let packs = state_packs();
    for (code, _) in &packs {
        let output = check(&code.to_lowercase());
        assert!(
            output.status.success(),
            "{code}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = check("US-PN");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("district.jurisdiction"), "{stderr}");
    for (code, _) in &packs {
        assert!(stderr.contains(code.as_str()), "{code} is named: {stderr}");
    }
    // The federal layer is not a district's jurisdiction: naming it is
    // refused with the reason.
    let output = check("us-ferpa");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("name the district's state"), "{stderr}");
}
