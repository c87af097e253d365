//! Recording the board's notice to amend a contract missing a required
//! provision and the contractor's amendment, on the in-process daemon: the
//! notice completes the amendment duty (on time or late), the amendment
//! clears "void if not amended" (and waives a notice still owed once
//! nothing is missing); bad bodies are refused naming each field and store
//! nothing, through the API and the contract page's forms alike.

mod common;

use common::contracts::{config, duty, file, TUESDAY};
use common::{pages, spawn_app_with, ADMIN, REPORTER, VIEWER};
use serde_json::{json, Value};

#[tokio::test]
async fn the_notice_to_amend_completes_the_duty_and_the_amendment_clears_void_if_not_amended() {
    let app = spawn_app_with(TUESDAY, &config(None)).await;
    let filed = file(&app, &[7]).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    assert_eq!(filed["void_if_not_amended"], true);
    assert_eq!(filed["amendment_requested_at"], Value::Null);

    let (status, recorded) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:00:00-04:00", "note": "Emailed the vendor's counsel."}),
        )
        .await;
    assert_eq!(status, 200, "{recorded}");
    let amend = duty(&recorded, "board_requests_contract_amendment");
    assert_eq!(amend["status"], "done", "{amend}");
    assert_eq!(amend["completed_at"], "2026-09-08T09:00:00-04:00");
    assert_eq!(
        recorded["amendment_requested_at"],
        "2026-09-08T09:00:00-04:00"
    );
    assert_eq!(recorded["void_if_not_amended"], true, "until amended");
    let (status, problem) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:30:00-04:00"}),
        )
        .await;
    assert_eq!(status, 409, "recorded once: {problem}");

    let (status, amended) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment"),
            ADMIN,
            &json!({"amended_at": "2026-09-08", "provisions": {"7": true}}),
        )
        .await;
    assert_eq!(status, 200, "{amended}");
    assert_eq!(amended["void_if_not_amended"], false);
    assert_eq!(amended["missing_provisions"], json!([]));
    assert_eq!(amended["amended_at"], "2026-09-08");
    assert_eq!(amended["amended_provisions"], json!([7]));
    assert_eq!(amended["provisions"]["7"], true);
    let (_, read) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
    // The answer is the contract as read (its posting duty aside, which the
    // publication may complete meanwhile).
    for key in [
        "amended_at",
        "amended_provisions",
        "provisions",
        "missing_provisions",
        "void_if_not_amended",
        "amendment_requested_at",
        "amendment_request_note",
    ] {
        assert_eq!(read[key], amended[key], "{key}");
    }
    let (status, problem) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment"),
            ADMIN,
            &json!({"amended_at": "2026-09-08", "provisions": {"7": true}}),
        )
        .await;
    assert_eq!(status, 409, "nothing is missing any more: {problem}");
    let (status, problem) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:30:00-04:00"}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");

    let signed = pages::sign_in(&app, VIEWER).await;
    let (_, html) = pages::get_page(&app, &signed, &format!("/contracts/{id}")).await;
    assert!(html.contains("Amended on September 8, 2026"), "{html}");
    assert!(!html.contains("Void if not amended"), "{html}");
    assert!(!html.contains("<strong>missing</strong>"), "{html}");

    app.stop().await;
}

#[tokio::test]
async fn a_late_notice_is_late_and_an_amendment_with_nothing_missing_waives_a_notice_still_owed() {
    let app = spawn_app_with(TUESDAY, &config(None)).await;
    let late = file(&app, &[7]).await;
    let partly = file(&app, &[2, 11]).await;
    app.advance_to("2026-09-25T12:00:00-04:00");

    // Due at the end of 2026-09-21; sent on the 23rd: late.
    let id = late["id"].as_str().expect("an id");
    let (status, recorded) = app
        .post(
            &format!("/api/v1/contracts/{id}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-23T10:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 200, "{recorded}");
    assert_eq!(
        duty(&recorded, "board_requests_contract_amendment")["status"],
        "late"
    );

    // Amended in two steps, with no notice recorded: once nothing is
    // missing, the notice still owed is waived as moot.
    let id = partly["id"].as_str().expect("an id");
    let path = format!("/api/v1/contracts/{id}/amendment");
    let (status, first) = app
        .post(
            &path,
            ADMIN,
            &json!({"amended_at": "2026-09-15", "provisions": {"2": true, "11": false}}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["void_if_not_amended"], true);
    assert_eq!(first["missing_provisions"][0]["number"], 11);
    assert_eq!(
        duty(&first, "board_requests_contract_amendment")["status"],
        "overdue"
    );
    let (status, second) = app
        .post(
            &path,
            ADMIN,
            &json!({"amended_at": "2026-09-24", "provisions": {"11": true}}),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["void_if_not_amended"], false);
    assert_eq!(second["amended_at"], "2026-09-24");
    assert_eq!(second["amended_provisions"], json!([2, 11]));
    let amend = duty(&second, "board_requests_contract_amendment");
    assert_eq!(amend["status"], "waived", "{amend}");
    assert!(amend["waive_reason"]
        .as_str()
        .is_some_and(|r| r.contains("September 24, 2026")));
    app.stop().await;
}

fn fields_named(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors in {problem}"))
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn bad_bodies_are_refused_naming_the_field_and_store_nothing() {
    let app = spawn_app_with(TUESDAY, &config(None)).await;
    let filed = file(&app, &[7]).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    let request = format!("/api/v1/contracts/{id}/amendment-request");
    let amendment = format!("/api/v1/contracts/{id}/amendment");
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (&request, json!({}), vec!["sent_at"]),
        (
            &request,
            json!({"sent_at": "yesterday", "colour": "blue"}),
            vec!["sent_at", "colour"],
        ),
        (
            &request,
            json!({"sent_at": "2026-09-08T09:00:00"}),
            vec!["sent_at"],
        ),
        (
            &request,
            json!({"sent_at": "2026-09-10T09:00:00-04:00"}),
            vec!["sent_at"],
        ),
        (
            &request,
            json!({"sent_at": "2026-09-03T09:00:00-04:00"}),
            vec!["sent_at"],
        ),
        (
            &request,
            json!({"sent_at": "2026-09-08T09:00:00-04:00", "note": 7}),
            vec!["note"],
        ),
        (&request, json!([1]), vec!["body"]),
        (
            &amendment,
            json!({"provisions": {"7": true}}),
            vec!["amended_at"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08T10:00:00-04:00", "provisions": {"7": true}}),
            vec!["amended_at"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-30", "provisions": {"7": true}}),
            vec!["amended_at"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-01", "provisions": {"7": true}}),
            vec!["amended_at"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08"}),
            vec!["provisions"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08", "provisions": {}}),
            vec!["provisions"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08", "provisions": {"12": true, "7": "yes"}}),
            vec!["provisions.12", "provisions.7"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08", "provisions": {"1": false, "7": true}}),
            vec!["provisions.1"],
        ),
        (
            &amendment,
            json!({"amended_at": "2026-09-08", "provisions": {"7": false}}),
            vec!["provisions"],
        ),
    ];
    for (path, body, expected) in cases {
        let (status, problem) = app.post(path, ADMIN, &body).await;
        assert_eq!(status, 422, "{body} at {path}: {problem}");
        let named = fields_named(&problem);
        for field in expected {
            assert!(
                named.contains(&field.to_owned()),
                "{field} not named for {body}: {problem}"
            );
        }
    }
    // Only an admin records them; an unknown contract is 404.
    for token in [VIEWER, REPORTER] {
        let (status, _) = app
            .post(
                &request,
                token,
                &json!({"sent_at": "2026-09-08T09:00:00-04:00"}),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = app
            .post(
                &amendment,
                token,
                &json!({"amended_at": "2026-09-08", "provisions": {"7": true}}),
            )
            .await;
        assert_eq!(status, 403);
    }
    let (status, _) = app
        .post(
            "/api/v1/contracts/00000000-0000-0000-0000-000000000000/amendment-request",
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 404);
    let (_, read) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
    assert_eq!(
        read["amendment_requested_at"],
        Value::Null,
        "nothing stored: {read}"
    );
    assert_eq!(read["amended_at"], Value::Null);
    assert_eq!(read["void_if_not_amended"], true);
    assert_eq!(
        duty(&read, "board_requests_contract_amendment")["status"],
        "open"
    );

    // A contract that misses nothing has nothing to amend.
    let complete = file(&app, &[]).await;
    let cid = complete["id"].as_str().expect("an id");
    let (status, problem) = app
        .post(
            &format!("/api/v1/contracts/{cid}/amendment-request"),
            ADMIN,
            &json!({"sent_at": "2026-09-08T09:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_records_both_from_the_contract_page_and_a_refusal_saves_nothing() {
    let app = spawn_app_with(TUESDAY, &config(None)).await;
    let filed = file(&app, &[7]).await;
    let id = filed["id"].as_str().expect("an id").to_owned();
    let page = format!("/contracts/{id}");

    let viewer = pages::sign_in(&app, VIEWER).await;
    let (_, html) = pages::get_page(&app, &viewer, &page).await;
    assert!(!html.contains("Record the notice to amend"), "admins only");
    let admin = pages::sign_in(&app, ADMIN).await;
    let (status, html) = pages::get_page(&app, &admin, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Record the notice to amend"), "{html}");
    assert!(html.contains("Record the contractor's amendment"), "{html}");

    let send = |action: &str, fields: Vec<(&'static str, String)>, csrf: &str| {
        let mut fields = fields;
        fields.push(("csrf", csrf.to_owned()));
        pages::client()
            .post(app.url(&format!("{page}/{action}")))
            .header(reqwest::header::COOKIE, &admin.cookie)
            .form(&fields)
            .send()
    };
    // A time that is not one: refused beside the field, nothing saved.
    let response = send(
        "amendment-request",
        vec![("sent_at", "next week".into()), ("note", "by post".into())],
        &admin.csrf,
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("a page");
    assert!(html.contains("id=\"sent_at-error\""), "{html}");
    assert!(html.contains("Nothing was saved"), "{html}");
    assert!(
        html.contains(">by post</textarea>"),
        "what was typed is kept: {html}"
    );
    // In the future: the API's reason, beside the field.
    let response = send(
        "amendment-request",
        vec![("sent_at", "2026-09-10T09:00".into())],
        &admin.csrf,
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .expect("a page")
        .contains("must not be in the future"));
    // Without this session's token: refused.
    let response = send(
        "amendment-request",
        vec![("sent_at", "2026-09-08T09:00".into())],
        "00",
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 403);
    let (_, read) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
    assert_eq!(
        read["amendment_requested_at"],
        Value::Null,
        "nothing stored"
    );

    let response = send(
        "amendment-request",
        vec![("sent_at", "2026-09-08T09:00".into())],
        &admin.csrf,
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"].to_str().expect("a location"),
        page
    );
    let (_, read) = app.get(&format!("/api/v1/contracts/{id}"), VIEWER).await;
    assert_eq!(read["amendment_requested_at"], "2026-09-08T09:00:00-04:00");

    // The amendment: no provision ticked is refused; ticking 7 saves it.
    let response = send(
        "amendment",
        vec![("amended_at", "2026-09-08".into())],
        &admin.csrf,
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .expect("a page")
        .contains("id=\"provisions-error\""));
    let response = send(
        "amendment",
        vec![
            ("amended_at", "2026-09-08".into()),
            ("provision", "7".into()),
        ],
        &admin.csrf,
    )
    .await
    .expect("sent");
    assert_eq!(response.status(), 303);
    let (_, html) = pages::get_page(&app, &viewer, &page).await;
    assert!(html.contains("Amended on September 8, 2026"), "{html}");
    assert!(html.contains("notice to amend on"), "{html}");
    app.stop().await;
}
