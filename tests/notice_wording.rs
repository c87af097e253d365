//! What the family notice says, read as a parent reads it: placeholders an
//! administrator must fill before approval, the text written per language
//! with its dates in that language, who discovered the breach and when the
//! district learned of it, and the website's public title.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const ROSTER: &str = "student_id,student_name,guardian_name,guardian_email,language
s1,Ana Example,Pat Example,pat@families.example,en
s2,Beto Ejemplo,Rosa Ejemplo,rosa@families.example,es-MX
";

fn incident() -> Value {
    json!({
        "title": "INTERNAL: gradebook export ticket 4411",
        "description": "An unauthorized party downloaded the vendor's gradebook export.",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

async fn put_notice(app: &TestApp, id: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .put(app.url(&format!("/api/v1/incidents/{id}/notice")))
        .bearer_auth(ADMIN)
        .json(body)
        .send()
        .await
        .expect("request sent");
    split(response).await
}

fn to<'a>(messages: &'a [Received], address: &str) -> &'a Received {
    messages
        .iter()
        .find(|m| m.to[0] == address)
        .unwrap_or_else(|| panic!("no message to {address}"))
}

#[tokio::test]
async fn placeholders_block_approval_and_each_language_reads_its_own_text() {
    let smtp = SmtpServer::start();
    let config = TestConfig::new()
        .smtp(&smtp.url())
        .no_escalation()
        // The shipped default's shape: a sentence that depends on facts.
        .layer(
            r#"[notice]
what_we_are_doing = "We are working with the company. [FILL IN: whom the district told; or delete this]""#,
        );
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config).await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(ROSTER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The draft names what is left to fill, and approval refuses it,
    // naming the field; nothing is planned.
    let (_, draft) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(
        draft["placeholders"][0]["field"], "what_we_are_doing",
        "{draft}"
    );
    assert_eq!(
        draft["public_title"], "Notice of a data security incident involving Vendor Inc.",
        "the default public title names the vendor, not the internal title"
    );
    let approve = format!("/api/v1/incidents/{id}/notice/approve");
    let (status, problem) = app.post(&approve, ADMIN, &json!({})).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "what_we_are_doing");
    assert!(
        problem["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("[FILL IN: whom the district told; or delete this]"),
        "{problem}"
    );
    let (_, still) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(still["state"], "draft");

    // A malformed variant is refused whole, each bad part named.
    let (status, problem) = put_notice(
        &app,
        &id,
        &json!({"what_we_are_doing": "We ended the contract.",
                "languages": {"ES": {}, "es": {"what_happend": "x", "contact": ""}}}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for expected in [
        "languages.ES",
        "languages.es.what_happend",
        "languages.es.contact",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} not named: {problem}"
        );
    }
    let (_, unchanged) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(
        unchanged["what_we_are_doing"], draft["what_we_are_doing"],
        "a refused edit stores nothing"
    );

    // Filled in, with a public title and Spanish text for three fields
    // (the contact falls back to English).
    let (status, edited) = put_notice(
        &app,
        &id,
        &json!({
            "what_we_are_doing": "We ended the contract and told the State Police.",
            "public_title": "Notice about our gradebook vendor",
            "languages": {"es": {
                "what_happened": "Una persona no autorizada descargó la exportación de calificaciones del proveedor.",
                "what_we_are_doing": "Terminamos el contrato e informamos a la Policía Estatal.",
                "what_families_can_do": "Comuníquese con nosotros si tiene preguntas."
            }}
        }),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["placeholders"], json!([]));
    assert_eq!(
        edited["languages"]["es"]["what_we_are_doing"],
        "Terminamos el contrato e informamos a la Policía Estatal."
    );
    let (status, approval) = app.post(&approve, ADMIN, &json!({})).await;
    assert_eq!(status, 202, "{approval}");

    let messages = smtp
        .wait_for("two family notices", |m| {
            m.iter()
                .filter(|m| m.header("X-Breachd-Kind").as_deref() == Some("family-notice"))
                .count()
                >= 2
        })
        .await;
    let english = to(&messages, "pat@families.example");
    for expected in [
        "Vendor Inc. discovered the incident on April 19, 2026. We learned of it on April 20, 2026.",
        "We ended the contract and told the State Police.",
        "- Student information (not directory information): grades",
    ] {
        assert!(english.body.contains(expected), "{expected}: {}", english.body);
    }
    let spanish = to(&messages, "rosa@families.example");
    for expected in [
        "Vendor Inc. descubrió el incidente el 19 de abril de 2026. Nos enteramos el 20 de abril de 2026.",
        "Una persona no autorizada descargó la exportación de calificaciones del proveedor.",
        "Terminamos el contrato e informamos a la Policía Estatal.",
        "- Información de directorio: nombre del estudiante",
        "calificaciones",
    ] {
        assert!(spanish.body.contains(expected), "{expected}: {}", spanish.body);
    }
    // Not one of the English sentences the administrator translated.
    for english_sentence in [
        "downloaded the vendor's gradebook export",
        "We ended the contract",
        "April",
        "grades",
    ] {
        assert!(
            !spanish.body.contains(english_sentence),
            "{english_sentence} in the Spanish notice: {}",
            spanish.body
        );
    }

    // The website page carries the public title, never the internal one.
    let site = app.dir.join("site");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let page = loop {
        let page = std::fs::read_dir(&site)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|file| std::fs::read_to_string(file.path()).ok())
            .find(|text| text.contains("What information was involved"));
        if let Some(page) = page {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no notice page in {site:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(page.contains("Notice about our gradebook vendor"), "{page}");
    assert!(!page.contains("INTERNAL"), "{page}");
}

#[tokio::test]
async fn a_public_title_can_be_reset_to_its_default() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let (status, edited) = put_notice(&app, &id, &json!({"public_title": "Ours"})).await;
    assert_eq!(
        (status, edited["public_title"].as_str()),
        (200, Some("Ours"))
    );
    let (status, reset) = put_notice(&app, &id, &json!({"public_title": null})).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(
        reset["public_title"],
        "Notice of a data security incident involving Vendor Inc."
    );
    let (status, problem) = put_notice(&app, &id, &json!({"public_title": "x".repeat(301)})).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "public_title");
}

#[tokio::test]
async fn the_preview_shows_each_audience_and_a_test_reaches_only_a_contact() {
    let smtp = SmtpServer::start();
    let config = TestConfig::new().smtp(&smtp.url()).no_escalation();
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config).await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let (status, _) = put_notice(
        &app,
        &id,
        &json!({"languages": {"es": {"what_happened": "Alguien descargó la exportación."}}}),
    )
    .await;
    assert_eq!(status, 200);

    let (status, english) = app
        .get(&format!("/api/v1/incidents/{id}/notice/preview"), VIEWER)
        .await;
    assert_eq!(status, 200, "{english}");
    let emails = english["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 2, "one child and several: {english}");
    assert!(
        emails[0]["body"]
            .as_str()
            .unwrap()
            .contains("your child, [child's name]"),
        "{english}"
    );
    assert!(
        emails[1]["body"]
            .as_str()
            .unwrap()
            .contains("your children: [first child's name], [second child's name]"),
        "{english}"
    );
    assert_eq!(
        english["website"]["title"],
        "Notice of a data security incident involving Vendor Inc."
    );
    assert_eq!(english["english_fallback"], json!([]));

    let (status, spanish) = app
        .get(
            &format!("/api/v1/incidents/{id}/notice/preview?language=es"),
            VIEWER,
        )
        .await;
    assert_eq!(status, 200, "{spanish}");
    let body = spanish["emails"][0]["body"].as_str().unwrap();
    assert!(body.contains("Alguien descargó la exportación."), "{body}");
    assert!(body.contains("19 de abril de 2026"), "{body}");
    // The preview says which parts still read English.
    assert_eq!(
        spanish["english_fallback"],
        json!(["what_we_are_doing", "what_families_can_do", "contact"])
    );
    let (status, problem) = app
        .get(
            &format!("/api/v1/incidents/{id}/notice/preview?language=12"),
            VIEWER,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("language"))
    );

    // A test goes only to a configured contact, never to anyone else.
    let test = format!("/api/v1/incidents/{id}/notice/test");
    let (status, problem) = app
        .post(&test, ADMIN, &json!({"to": "pat@families.example"}))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "to");
    let (status, problem) = app
        .post(&test, VIEWER, &json!({"to": "privacy@example.org"}))
        .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(
        problem["detail"], "the viewer role may not do this: it takes an administrator",
        "the refusal names the role needed"
    );
    let (status, sent) = app
        .post(
            &test,
            ADMIN,
            &json!({"to": "privacy@example.org", "language": "es"}),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let messages = smtp
        .wait_for("the test message", |m| {
            m.iter()
                .any(|m| m.header("X-Breachd-Kind").as_deref() == Some("notice-test"))
        })
        .await;
    assert_eq!(messages.len(), 1, "only the test, to one address");
    assert_eq!(messages[0].to, ["privacy@example.org"]);
    assert!(
        messages[0].subject.starts_with("[TEST] Aviso"),
        "{}",
        messages[0].subject
    );
    assert!(messages[0]
        .body
        .contains("Alguien descargó la exportación."));
    // Nothing was approved or planned by a test.
    let (_, notice) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(notice["state"], "draft");
}
