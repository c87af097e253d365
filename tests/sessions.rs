//! Sign-in sessions kept in the database: a copy of a signed-out cookie is
//! worthless, sessions end when idle and at their absolute lifetime, survive
//! a restart, are honoured by every instance on PostgreSQL, and an
//! administrator can end anyone's. Sign-ins and sign-outs are audited and
//! counted.

mod common;

use common::config::TestConfig;
use common::pages::*;
use common::postgres::PgTestDb;
use common::*;
use reqwest::header::{COOKIE, LOCATION};
use reqwest::Response;

async fn post_form(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> Response {
    client()
        .post(app.url(path))
        .header(COOKIE, cookie)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The action of the first "end this sign-in" form for `who` on the
/// sessions page (the page shows no ids as text; they are in form actions).
fn revoke_action_for(html: &str, who: &str) -> String {
    let row = html
        .split("<tr>")
        .find(|row| row.contains(&format!("<td>{who}</td>")))
        .unwrap_or_else(|| panic!("a row for {who} in {html}"));
    let marker = "action=\"";
    let start = row.find(marker).expect("a form in the row") + marker.len();
    row[start..start + row[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_signed_out_copy_a_tampered_cookie_and_ended_sessions_are_refused() {
    let app = spawn_app().await; // 2026-04-20T12:00-04:00
    let viewer = sign_in(&app, VIEWER).await;
    let value = viewer.cookie.split_once('=').unwrap().1.to_owned();
    let flipped = format!(
        "breachd_session={}{}",
        if value.starts_with('0') { '1' } else { '0' },
        &value[1..]
    );
    let tampered = Signed {
        cookie: flipped,
        csrf: viewer.csrf.clone(),
    };
    assert_eq!(get_page(&app, &tampered, "/").await.0, 303);

    // Sign-out needs the session's token, then ends the session itself: a
    // copy of the cookie kept by anyone no longer works.
    let refused = post_form(&app, &viewer.cookie, "/sign-out", &[("csrf", "00")]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(get_page(&app, &viewer, "/").await.0, 200);
    let out = post_form(&app, &viewer.cookie, "/sign-out", &[("csrf", &viewer.csrf)]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/sign-in");
    assert!(set_cookie(&out, "breachd_session")
        .unwrap()
        .contains("Max-Age=0"));
    let (status, _) = get_page(&app, &viewer, "/").await;
    assert_eq!(status, 303, "the signed-out cookie's copy is no session");
    let refused = post_form(&app, &viewer.cookie, "/sign-out", &[("csrf", &viewer.csrf)]).await;
    assert_eq!(refused.status(), 303, "signing out again changes nothing");

    // Idle for longer than auth.session_idle (2 hours): ended.
    let idle = sign_in(&app, VIEWER).await;
    app.advance_to("2026-04-20T13:59:00-04:00");
    assert_eq!(
        get_page(&app, &idle, "/").await.0,
        200,
        "used within 2 hours"
    );
    app.advance_to("2026-04-20T15:58:00-04:00");
    assert_eq!(
        get_page(&app, &idle, "/").await.0,
        200,
        "each use restarts the idle time"
    );
    app.advance_to("2026-04-20T17:59:00-04:00");
    assert_eq!(get_page(&app, &idle, "/").await.0, 303, "idle too long");

    // Used all the time, it still ends at auth.session_lifetime (12 hours).
    let busy = sign_in(&app, VIEWER).await; // 17:59
    for at in [
        "2026-04-20T19:29:00-04:00",
        "2026-04-20T20:59:00-04:00",
        "2026-04-20T22:29:00-04:00",
        "2026-04-20T23:59:00-04:00",
        "2026-04-21T01:29:00-04:00",
        "2026-04-21T02:59:00-04:00",
        "2026-04-21T04:29:00-04:00",
        "2026-04-21T05:58:00-04:00",
    ] {
        app.advance_to(at);
        assert_eq!(get_page(&app, &busy, "/").await.0, 200, "at {at}");
    }
    app.advance_to("2026-04-21T05:59:01-04:00");
    assert_eq!(get_page(&app, &busy, "/").await.0, 303, "12 hours are up");
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let app = spawn_app().await;
    let admin = sign_in(&app, ADMIN).await;
    let config = app.config.clone();
    let dir = app.stop().await;
    let app = spawn_app_in(&dir, at("2026-04-20T12:30:00-04:00"), &config).await;
    let (status, html) = get_page(&app, &admin, "/").await;
    assert_eq!(status, 200, "still signed in after the restart");
    assert_eq!(
        csrf_of(&html),
        admin.csrf,
        "and the forms' token is the same"
    );
}

#[tokio::test]
async fn an_administrator_ends_another_users_session() {
    let app = spawn_app().await;
    let admin = sign_in(&app, ADMIN).await;
    let viewer = sign_in(&app, VIEWER).await;
    let other_viewer = sign_in(&app, VIEWER).await;

    // A viewer sees only their own sign-ins, and may not end another's.
    let (status, own) = get_page(&app, &viewer, "/sessions").await;
    assert_eq!(status, 200);
    assert!(own.contains("Where you are signed in"), "{own}");
    assert!(!own.contains(">admin<"), "{own}");
    let (_, everyone) = get_page(&app, &admin, "/sessions").await;
    assert!(everyone.contains("Who is signed in"), "{everyone}");
    let admin_row = revoke_action_for(&everyone, "admin");
    let refused = post_form(&app, &viewer.cookie, &admin_row, &[("csrf", &viewer.csrf)]).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(get_page(&app, &admin, "/").await.0, 200);

    // The administrator ends the viewer's sign-in: that browser's next
    // page is the sign-in page; the administrator stays signed in.
    let viewer_row = revoke_action_for(&everyone, "viewer");
    let without_csrf = post_form(&app, &admin.cookie, &viewer_row, &[("csrf", "00")]).await;
    assert_eq!(without_csrf.status(), 403);
    let ended = post_form(&app, &admin.cookie, &viewer_row, &[("csrf", &admin.csrf)]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(ended.headers()[LOCATION], "/sessions");
    let ended_one = [viewer.cookie.clone(), other_viewer.cookie.clone()];
    let still = [
        get_page(&app, &viewer, "/").await.0,
        get_page(&app, &other_viewer, "/").await.0,
    ];
    assert!(
        still.contains(&303) && still.contains(&200),
        "exactly one of the viewer's two sign-ins ended: {still:?} {ended_one:?}"
    );
    assert_eq!(get_page(&app, &admin, "/").await.0, 200);

    // "Sign me out everywhere" ends every sign-in of that person.
    let remaining = if still[0] == 200 {
        &viewer
    } else {
        &other_viewer
    };
    let out = post_form(
        &app,
        &remaining.cookie,
        "/sessions/sign-out-everywhere",
        &[("csrf", &remaining.csrf)],
    )
    .await;
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/sign-in");
    assert_eq!(get_page(&app, remaining, "/").await.0, 303);

    // Sign-ins, failures and ends are counted.
    let failed = client()
        .post(app.url("/sign-in"))
        .form(&[("token", "wrong"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 401);
    // ... and audited, naming who and how, never the token.
    let store = breachd::store::connect(&format!(
        "sqlite://{}",
        app.dir.join("breachd.db").display()
    ))
    .await
    .unwrap();
    let entries = store.audit_entries(0, 1000).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "signed_in",
        "session_revoked",
        "sessions_ended",
        "sign_in_failed",
    ] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
    let revoked = entries
        .iter()
        .find(|e| e.action == "session_revoked")
        .unwrap();
    assert_eq!(revoked.actor, "admin", "the administrator who ended it");
    let text = serde_json::to_string(&entries).unwrap();
    for secret in [ADMIN, VIEWER, "wrong", &viewer.cookie[16..]] {
        assert!(!text.contains(secret), "{secret} is not in the audit log");
    }
    let metrics = app.get_text("/metrics").await;
    for event in ["signed_in", "sign_in_failed", "session_revoked"] {
        assert!(
            metrics.contains(&format!("breachd_access_total{{event=\"{event}\"")),
            "{event} counted: {metrics}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_are_shared_by_instances_on_postgresql() {
    PgTestDb::run(
        "sessions_are_shared_by_instances_on_postgresql",
        |url| async move {
            let config = TestConfig::new().database_url(&url);
            let one = spawn_app_with(
                "2026-04-20T12:00:00-04:00",
                &config.clone().instance_id("one"),
            )
            .await;
            let two = spawn_app_with("2026-04-20T12:00:00-04:00", &config.instance_id("two")).await;
            let viewer = sign_in(&one, VIEWER).await;
            let (status, html) = get_page(&two, &viewer, "/").await;
            assert_eq!(
                status, 200,
                "a sign-in on one instance is honoured by the other"
            );
            assert_eq!(csrf_of(&html), viewer.csrf);
            let out = post_form(&two, &viewer.cookie, "/sign-out", &[("csrf", &viewer.csrf)]).await;
            assert_eq!(out.status(), 303);
            assert_eq!(
                get_page(&one, &viewer, "/").await.0,
                303,
                "signed out on both"
            );
            one.stop().await;
            two.stop().await;
        },
    )
    .await;
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure() {
    let config =
        TestConfig::new().layer("[server]\npublic_url = \"https://breachd.example.org\"\n");
    let app = spawn_app_with("2026-04-20T12:00:00-04:00", &config).await;
    let response = client()
        .post(app.url("/sign-in"))
        .form(&[("token", VIEWER), ("next", "/")])
        .send()
        .await
        .unwrap();
    let cookie = set_cookie(&response, "breachd_session").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let plain = spawn_app().await;
    let response = client()
        .post(plain.url("/sign-in"))
        .form(&[("token", VIEWER), ("next", "/")])
        .send()
        .await
        .unwrap();
    let cookie = set_cookie(&response, "breachd_session").unwrap();
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP without a public https address: {cookie}"
    );
}
