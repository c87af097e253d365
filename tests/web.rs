//! The web pages over plain HTTP (reqwest, no browser): sessions, CSRF and
//! roles first — a request without a valid session, with a bad CSRF token or
//! from a role that may not act changes nothing — then the forms' behaviour
//! (what was typed is kept, times are read in the district's zone, a double
//! submit files once) and the board's order. The browser tests
//! (tests/browser.rs) walk the same pages as a person would.

mod common;

use common::pages::*;
use common::*;
use reqwest::header::{COOKIE, LOCATION};
use reqwest::Response;
use serde_json::{json, Value};

async fn post_form(
    app: &TestApp,
    cookie: Option<&str>,
    path: &str,
    form: &[(&str, &str)],
) -> Response {
    let mut request = client().post(app.url(path)).form(form);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

fn report() -> Value {
    json!({
        "title": "SIS vendor unauthorized access",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-10T15:00:00-04:00",
        "data_elements": ["student_name", "ssn"],
        "affected_students": 120
    })
}

async fn incident_count(app: &TestApp) -> usize {
    let (status, body) = app.get("/api/v1/incidents", VIEWER).await;
    assert_eq!(status, 200);
    body["incidents"].as_array().unwrap().len()
}

/// The filed incident's id and its contractor_notifies_board obligation id.
async fn filed(app: &TestApp) -> (String, String) {
    let incident = app.file(&report()).await;
    let obligation = obligation(&incident, "contractor_notifies_board")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (incident["id"].as_str().unwrap().to_owned(), obligation)
}

async fn obligation_status(app: &TestApp, id: &str) -> String {
    let (status, body) = app.get(&format!("/api/v1/obligations/{id}"), VIEWER).await;
    assert_eq!(status, 200);
    body["status"].as_str().unwrap().to_owned()
}

async fn events_of(app: &TestApp, id: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    assert_eq!(status, 200);
    body["events"].clone()
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_the_stylesheet_is_public() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/incidents/new",
        "/incidents/00000000-0000-0000-0000-000000000000",
    ] {
        let response = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        let location = response.headers()[LOCATION].to_str().unwrap();
        assert!(location.starts_with("/sign-in?next=/"), "{location}");
    }
    let css = client()
        .get(app.url("/assets/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let sign_in = client().get(app.url("/sign-in")).send().await.unwrap();
    assert_eq!(sign_in.status(), 200);
    assert!(sign_in.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(sign_in
        .text()
        .await
        .unwrap()
        .contains("<label for=\"token\">"));
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_limited_cookie() {
    let app = spawn_app().await;
    let refused = post_form(&app, None, "/sign-in", &[("token", "not-a-token")]).await;
    assert_eq!(refused.status(), 401);
    assert!(set_cookie(&refused, "breachd_session").is_none());
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("That token is not valid"));

    let response = post_form(
        &app,
        None,
        "/sign-in",
        &[("token", ADMIN), ("next", "/incidents/new")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/incidents/new");
    let cookie = set_cookie(&response, "breachd_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert!(
        !cookie.contains(ADMIN),
        "the token itself is never in the cookie"
    );

    // Behind a TLS-terminating proxy the cookie is Secure.
    let over_tls = client()
        .post(app.url("/sign-in"))
        .header("x-forwarded-proto", "https")
        .form(&[("token", ADMIN)])
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&over_tls, "breachd_session")
        .unwrap()
        .contains("; Secure"));

    // `next` never leads off the site.
    let offsite = post_form(
        &app,
        None,
        "/sign-in",
        &[("token", ADMIN), ("next", "//evil.example/")],
    )
    .await;
    assert_eq!(offsite.headers()[LOCATION], "/");
}

#[tokio::test]
async fn a_post_without_a_session_changes_nothing() {
    let app = spawn_app().await;
    let (incident, obligation) = filed(&app).await;
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/obligations/{obligation}/complete"),
            vec![("note", "x")],
        ),
        (
            format!("/obligations/{obligation}/waive"),
            vec![("reason", "x")],
        ),
        (
            format!("/incidents/{incident}/events"),
            vec![("kind", "board_notified"), ("at", "2026-04-20T10:00")],
        ),
        (format!("/incidents/{incident}/notice/approve"), vec![]),
        (
            "/incidents/new".to_owned(),
            vec![
                ("title", "t"),
                ("discovered_at", "2026-04-18T09:00"),
                ("data_elements", "grades"),
            ],
        ),
    ];
    for (path, form) in &attempts {
        // No cookie at all, and a cookie signed by nobody.
        for cookie in [None, Some("breachd_session=v1.admin.61.9999999999.00.00")] {
            let response = post_form(&app, cookie, path, form).await;
            assert_eq!(response.status(), 403, "{path} with {cookie:?}");
        }
    }
    assert_eq!(obligation_status(&app, &obligation).await, "open");
    assert_eq!(
        events_of(&app, &incident).await.as_object().unwrap().len(),
        1
    );
    assert_eq!(incident_count(&app).await, 1);
}

#[tokio::test]
async fn a_bad_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let (incident, obligation) = filed(&app).await;
    let admin = sign_in(&app, ADMIN).await;
    let other = sign_in(&app, ADMIN).await;
    assert_ne!(admin.csrf, other.csrf, "each session has its own token");
    let complete = format!("/obligations/{obligation}/complete");
    let events = format!("/incidents/{incident}/events");
    for csrf in [None, Some(""), Some("00"), Some(other.csrf.as_str())] {
        let mut form = vec![("note", "sent by the vendor")];
        form.extend(csrf.map(|c| ("csrf", c)));
        let response = post_form(&app, Some(&admin.cookie), &complete, &form).await;
        assert_eq!(response.status(), 403, "complete with csrf {csrf:?}");
        let mut form = vec![("kind", "board_notified"), ("at", "2026-04-20T10:00")];
        form.extend(csrf.map(|c| ("csrf", c)));
        let response = post_form(&app, Some(&admin.cookie), &events, &form).await;
        assert_eq!(response.status(), 403, "event with csrf {csrf:?}");
        let response = post_form(
            &app,
            Some(&admin.cookie),
            "/incidents/new",
            &[
                ("csrf", csrf.unwrap_or_default()),
                ("title", "t"),
                ("discovered_at", "2026-04-18T09:00"),
                ("data_elements", "grades"),
            ],
        )
        .await;
        assert_eq!(response.status(), 403, "file with csrf {csrf:?}");
    }
    assert_eq!(obligation_status(&app, &obligation).await, "open");
    assert_eq!(
        events_of(&app, &incident).await.as_object().unwrap().len(),
        1
    );
    assert_eq!(incident_count(&app).await, 1);

    // The same request with the right token works: the refusals were the
    // token's doing.
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &complete,
        &[("csrf", &admin.csrf), ("note", "sent by the vendor")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(obligation_status(&app, &obligation).await, "done");
}

#[tokio::test]
async fn roles_decide_what_a_session_may_do() {
    let app = spawn_app().await;
    let (incident, obligation) = filed(&app).await;
    let viewer = sign_in(&app, VIEWER).await;
    let (status, page) = get_page(&app, &viewer, &format!("/incidents/{incident}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("approve-form"),
        "a viewer sees no approve button"
    );
    assert!(
        !page.contains("/complete\""),
        "a viewer sees no complete form"
    );
    assert!(!page.contains("event-form"), "a viewer sees no event form");
    let (status, _) = get_page(&app, &viewer, "/incidents/new").await;
    assert_eq!(status, 403);
    let (status, _) = get_page(&app, &viewer, &format!("/incidents/{incident}/roster")).await;
    assert_eq!(status, 403);
    for (path, form) in [
        (format!("/incidents/{incident}/notice/approve"), vec![]),
        (format!("/obligations/{obligation}/complete"), vec![]),
        (
            format!("/obligations/{obligation}/waive"),
            vec![("reason", "x")],
        ),
        (
            format!("/incidents/{incident}/events"),
            vec![("kind", "board_notified"), ("at", "2026-04-20T10:00")],
        ),
    ] {
        let mut form = form;
        form.push(("csrf", &viewer.csrf));
        let response = post_form(&app, Some(&viewer.cookie), &path, &form).await;
        assert_eq!(response.status(), 403, "viewer {path}");
    }
    let reporter = sign_in(&app, REPORTER).await;
    let (_, page) = get_page(&app, &reporter, &format!("/incidents/{incident}")).await;
    assert!(page.contains("event-form") && !page.contains("approve-form"));
    let response = post_form(
        &app,
        Some(&reporter.cookie),
        &format!("/obligations/{obligation}/complete"),
        &[("csrf", &reporter.csrf)],
    )
    .await;
    assert_eq!(response.status(), 403, "a reporter does not complete");
    assert_eq!(obligation_status(&app, &obligation).await, "open");
    assert_eq!(
        events_of(&app, &incident).await.as_object().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn tampered_expired_and_signed_out_sessions_are_no_sessions() {
    let app = spawn_app().await;
    let viewer = sign_in(&app, VIEWER).await;
    let promoted = Signed {
        cookie: viewer.cookie.replacen(".viewer.", ".admin.", 1),
        csrf: viewer.csrf.clone(),
    };
    let (status, _) = get_page(&app, &promoted, "/").await;
    assert_eq!(status, 303);

    // Sign-out needs the session's token, then removes the cookie.
    let refused = post_form(&app, Some(&viewer.cookie), "/sign-out", &[("csrf", "00")]).await;
    assert_eq!(refused.status(), 403);
    let out = post_form(
        &app,
        Some(&viewer.cookie),
        "/sign-out",
        &[("csrf", &viewer.csrf)],
    )
    .await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/sign-in");
    assert!(set_cookie(&out, "breachd_session")
        .unwrap()
        .contains("Max-Age=0"));

    // Twelve hours later the cookie is worthless, whatever the browser does.
    let (status, _) = get_page(&app, &viewer, "/").await;
    assert_eq!(
        status, 200,
        "stateless: the copy still works until it expires"
    );
    app.advance_to("2026-04-21T00:00:01-04:00");
    let (status, _) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 303);
}

fn report_form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf", csrf),
        ("idempotency_key", "0123456789abcdef0123456789abcdef"),
    ];
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn the_report_form_keeps_what_was_typed_and_names_each_bad_field() {
    let app = spawn_app().await;
    let reporter = sign_in(&app, REPORTER).await;
    let form = report_form(
        &reporter.csrf,
        &[
            ("title", "Vendor <b>leak</b>"),
            ("contractor", "Vendor Inc."),
            ("own_systems", "true"),
            ("discovered_at", ""),
            ("board_notified_at", "2026-03-08T02:30"),
            ("data_elements", "grades"),
            ("other_elements", "cafeteria badge hash\nphoto"),
            ("affected_students", "many"),
            ("action", "file"),
        ],
    );
    let response = post_form(&app, Some(&reporter.cookie), "/incidents/new", &form).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    for id in [
        "discovered_at-error",
        "board_notified_at-error",
        "own_systems-error",
        "affected_students-error",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("is required"));
    assert!(page.contains("does not exist in America&#x2f;New_York"));
    // Kept, and escaped.
    assert!(page.contains("value=\"Vendor &lt;b&gt;leak&lt;&#x2f;b&gt;\""));
    assert!(!page.contains("<b>leak</b>"));
    assert!(page.contains("value=\"many\""));
    assert!(page.contains("value=\"grades\" checked"));
    assert!(page.contains("cafeteria badge hash\nphoto</textarea>"));
    // The typed names are classified: one unknown and flagged, one alias.
    assert!(page.contains("is not in the taxonomy"));
    assert!(page.contains("is photograph"));
    assert_eq!(incident_count(&app).await, 0);
}

#[tokio::test]
async fn a_preview_stores_nothing_and_a_filing_reads_times_in_the_district_zone() {
    let app = spawn_app().await;
    let reporter = sign_in(&app, REPORTER).await;
    let fields = [
        ("title", "Gradebook vendor breach"),
        ("contractor", "Vendor Inc."),
        ("discovered_at", "2026-04-18T09:00"),
        ("data_elements", "grades"),
        ("data_elements", "student_name"),
        ("other_elements", "lunch pin codes"),
        ("affected_students", "1,200"),
    ];
    let mut preview = report_form(&reporter.csrf, &fields);
    preview.push(("action", "preview"));
    let response = post_form(&app, Some(&reporter.cookie), "/incidents/new", &preview).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("would start (not filed yet)"));
    assert!(page.contains("Contractor notifies the board"));
    assert!(page.contains("Needs review"));
    assert_eq!(incident_count(&app).await, 0);

    let mut file = report_form(&reporter.csrf, &fields);
    file.push(("action", "file"));
    let response = post_form(&app, Some(&reporter.cookie), "/incidents/new", &file).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let id = location
        .strip_prefix("/incidents/")
        .and_then(|rest| rest.strip_suffix("#deadlines"))
        .expect("redirected to the incident's deadlines")
        .to_owned();
    let flash = cookie_pair(&set_cookie(&response, "breachd_flash").unwrap());
    let (status, body) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    assert_eq!(status, 200);
    assert_eq!(body["events"]["discovered"], "2026-04-18T09:00:00-04:00");
    assert_eq!(body["affected_students"], 1200);
    assert_eq!(
        body["classification"]["needs_review"],
        json!(["lunch pin codes"])
    );
    assert_eq!(
        obligation(&body, "contractor_notifies_board")["due_at"],
        "2026-05-18T23:59:59-04:00"
    );

    // The incident page shows the message once, then the deadlines.
    let page = client()
        .get(app.url(&format!("/incidents/{id}")))
        .header(COOKIE, format!("{}; {flash}", reporter.cookie))
        .send()
        .await
        .unwrap();
    assert!(set_cookie(&page, "breachd_flash")
        .unwrap()
        .contains("Max-Age=0"));
    let page = page.text().await.unwrap();
    assert!(page.contains("Report filed."));
    assert!(page.contains("Mon 18 May 2026, 23:59:59 EDT"));
    assert!(page.contains("<svg"));

    // Sending the same form again (a double click) files nothing new.
    let again = post_form(&app, Some(&reporter.cookie), "/incidents/new", &file).await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()[LOCATION].to_str().unwrap(), location);
    assert_eq!(incident_count(&app).await, 1);
}

#[tokio::test]
async fn the_board_puts_overdue_first_and_says_so_in_words() {
    let app = spawn_app().await;
    app.file(&report()).await;
    let mut old = report();
    old["title"] = json!("Old transport vendor breach");
    old["discovered_at"] = json!("2026-03-01T09:00:00-05:00");
    app.file(&old).await;
    let viewer = sign_in(&app, VIEWER).await;
    let (status, page) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 200);
    let overdue = page.find("Old transport vendor breach").unwrap();
    let open = page.find("SIS vendor unauthorized access").unwrap();
    assert!(overdue < open, "overdue first");
    assert!(page.contains("badge-overdue\">Overdue</span>"));
    assert!(page.contains("overdue</strong>"));
    assert!(page.contains("Conn. Gen. Stat."));
    assert!(page.contains("Tue 31 Mar 2026, 23:59:59 EDT"));
    assert!(
        !page.contains("File a new report"),
        "a viewer files nothing"
    );
}

#[tokio::test]
async fn events_settlements_and_approval_from_the_incident_page() {
    let app = spawn_app().await;
    let (incident, obligation) = filed(&app).await;
    let admin = sign_in(&app, ADMIN).await;
    let path = format!("/incidents/{incident}");

    // An event in the future is refused next to its field, the typed time kept.
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("{path}/events"),
        &[
            ("csrf", &admin.csrf),
            ("kind", "board_notified"),
            ("at", "2026-04-25T10:00"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"at-error\""));
    assert!(page.contains("value=\"2026-04-25T10:00\""));

    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("{path}/events"),
        &[
            ("csrf", &admin.csrf),
            ("kind", "board_notified"),
            ("at", "2026-04-20T10:00"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        events_of(&app, &incident).await["board_notified"],
        "2026-04-20T10:00:00-04:00"
    );
    assert_eq!(obligation_status(&app, &obligation).await, "done");

    // Waiving needs a reason; the refusal keeps the page and says why.
    let (_, body) = app
        .get(&format!("/api/v1/incidents/{incident}"), VIEWER)
        .await;
    let website = common::obligation(&body, "board_posts_website_notice")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("/obligations/{website}/waive"),
        &[("csrf", &admin.csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("id=\"reason-error\""));
    assert_eq!(obligation_status(&app, &website).await, "open");
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("/obligations/{website}/waive"),
        &[
            ("csrf", &admin.csrf),
            ("reason", "Counsel advised: no website posting"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(obligation_status(&app, &website).await, "waived");

    // Approval wants its confirmation: without it, nothing is approved.
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("{path}/notice/approve"),
        &[("csrf", &admin.csrf)],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()[LOCATION].to_str().unwrap(),
        format!("{path}/notice#notice-approve")
    );
    let (_, notice) = app
        .get(&format!("/api/v1/incidents/{incident}/notice"), VIEWER)
        .await;
    assert_eq!(notice["state"], "draft");
    // Confirmed, it shows its outcome in words: no roster yet.
    let response = post_form(
        &app,
        Some(&admin.cookie),
        &format!("{path}/notice/approve"),
        &[("csrf", &admin.csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()[LOCATION].to_str().unwrap(),
        format!("{path}#family-notice")
    );
    let flash = cookie_pair(&set_cookie(&response, "breachd_flash").unwrap());
    let page = client()
        .get(app.url(&path))
        .header(COOKIE, format!("{}; {flash}", admin.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("The notice was not approved: import the roster of affected students first."),
        "{page}"
    );
    assert!(
        !page.contains("/api/v1"),
        "no API route in the page's words"
    );
}

/// A multipart body as a browser sends it.
fn multipart(csrf: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----breachdtestboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"roster.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_roster_upload_checks_the_token_and_shows_the_outcome() {
    let app = spawn_app().await;
    let (incident, _) = filed(&app).await;
    let admin = sign_in(&app, ADMIN).await;
    let path = format!("/incidents/{incident}/roster");
    let (status, page) = get_page(&app, &admin, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let csv = b"student_id,student_name,guardian_name,guardian_email,language\nS1,Ann Example,Pat Example,pat@example.org,en\n";
    let send = |csrf: &str| {
        let (content_type, body) = multipart(csrf, csv);
        client()
            .post(app.url(&path))
            .header(COOKIE, &admin.cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(send("00").await.unwrap().status(), 403);
    let response = send(&admin.csrf).await.unwrap();
    let status = response.status().as_u16();
    let page = response.text().await.unwrap();
    // A valid roster: imported, and its summary shown.
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Import summary"), "{page}");
    assert!(!page.contains("pat@example.org"), "no personal data echoed");
}
