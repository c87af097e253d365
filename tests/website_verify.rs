//! The website notice seen at its public address (`publish.verify`): with a
//! real web server (Python's `http.server`) serving `publish.dir` on
//! loopback, the website duty completes only once the page is fetched with
//! the content breachd published; while the server is down it stays open
//! and the notice API and the incident page say why; every fetch is in the
//! evidence. And `/notices/` is served from the database, by any instance.

mod common;

use common::pages::{get_page, sign_in};
use common::skip::skipped;
use common::*;
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn incident() -> Value {
    json!({
        "title": "Gradebook vendor breach",
        "description": "An unauthorized party accessed the vendor's gradebook export.",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

/// A loopback port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `python3 -m http.server` serving `dir` on `port`, stopped when dropped.
struct WebServer(Child);

impl WebServer {
    /// None when Python is not installed (the test is then skipped).
    fn start(dir: &Path, port: u16) -> Option<WebServer> {
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1"])
            .arg(port.to_string())
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = WebServer(child);
        // Up once it accepts a connection: a deadline, not a fixed sleep.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "http.server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls the notice until `done` says so, within a deadline.
async fn wait_notice(app: &TestApp, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, notice) = app
            .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
            .await;
        assert_eq!(status, 200, "{notice}");
        if done(&notice) {
            return notice;
        }
        assert!(Instant::now() < deadline, "{what}: {notice}");
        app.wake.wake();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn website_status(app: &TestApp, id: &str) -> String {
    let (_, incident) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
    obligation(&incident, "board_posts_website_notice")["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Files the incident, imports a one-family roster and approves the notice.
async fn approve(app: &TestApp) -> String {
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let roster = "student_id,student_name,guardian_name,guardian_email,language\n\
                  s1,Ann Example,Pat Example,pat@families.example,en\n";
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .unwrap();
    let (status, counts) = split(response).await;
    assert_eq!(status, 200, "{counts}");
    let (status, approval) = app
        .post(
            &format!("/api/v1/incidents/{id}/notice/approve"),
            ADMIN,
            &json!({}),
        )
        .await;
    assert_eq!(status, 202, "{approval}");
    id
}

#[tokio::test]
async fn the_website_duty_waits_until_the_page_is_seen_at_its_address() {
    if !Path::new("/usr/bin/python3").exists() {
        skipped(
            "the_website_duty_waits_until_the_page_is_seen_at_its_address",
            "/usr/bin/python3 is not installed",
        );
        return;
    }
    let port = free_port();
    let config = TestConfig::new().no_escalation().layer(&format!(
        "[publish]\nverify = true\nverify_retry = \"1m\"\nbase_url = \"http://127.0.0.1:{port}\"\n"
    ));
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config).await;
    let id = approve(&app).await;
    let page_url = format!("http://127.0.0.1:{port}/notice-{id}.html");

    // Nothing serves the site yet: the fetch is refused, the duty stays
    // open, and the notice says why and when it tries again.
    let notice = wait_notice(&app, &id, "a first, refused check", |n| {
        !n["website"]["last_check"].is_null()
    })
    .await;
    let website = &notice["website"];
    assert_eq!(website["state"], "checking", "{website}");
    assert_eq!(website["last_check"]["matched"], false, "{website}");
    assert_eq!(website["last_check"]["http_status"], Value::Null);
    assert_eq!(website["last_check"]["url"], page_url.as_str());
    let summary = website["summary"].as_str().unwrap();
    assert!(
        summary.contains(&format!("could not be reached at {page_url}"))
            && summary.contains("connection refused")
            && summary.contains("Trying again at"),
        "{summary}"
    );
    assert_eq!(website_status(&app, &id).await, "open");
    // The incident page says the same, in plain words.
    let signed = sign_in(&app, ADMIN).await;
    let (status, html) = get_page(&app, &signed, &format!("/incidents/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("could not be reached at") && html.contains("connection refused"),
        "{html}"
    );

    // A web server serving publish.dir comes up; once the check's time
    // comes round it sees the page and the duty is done.
    let Some(_server) = WebServer::start(&app.dir.join("site"), port) else {
        skipped(
            "the_website_duty_waits_until_the_page_is_seen_at_its_address",
            "python3 -m http.server did not start",
        );
        return;
    };
    let next_at = website["last_check"]["next_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let next =
        chrono::DateTime::parse_from_rfc3339(&next_at).unwrap() + chrono::Duration::seconds(1);
    app.advance_to(&next.to_rfc3339());
    let notice = wait_notice(&app, &id, "the page seen", |n| {
        n["website"]["state"] == "seen"
    })
    .await;
    assert_eq!(notice["website"]["checks"], 2, "{notice}");
    assert_eq!(notice["website"]["last_check"]["http_status"], 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while website_status(&app, &id).await != "done" {
        assert!(Instant::now() < deadline, "the website duty completes");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // The evidence carries both fetches, as JSON and as CSV in the zip.
    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200, "{evidence}");
    let checks = evidence["publication"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{evidence}");
    assert_eq!(checks[0]["matched"], false);
    assert_eq!(checks[1]["matched"], true);
    assert_eq!(checks[1]["body_sha256"], checks[1]["expected_sha256"]);
    let zip = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence?format=zip")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec())).unwrap();
    let mut csv = String::new();
    archive
        .by_name("website-checks.csv")
        .expect("website-checks.csv in the zip")
        .read_to_string(&mut csv)
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two fetches: {csv}");
    assert!(
        lines[0].starts_with("checked_at,url,http_status,body_sha256"),
        "{csv}"
    );
    assert!(
        lines[1].contains("connection refused") && lines[1].contains(",no,"),
        "{csv}"
    );
    assert!(
        lines[2].contains(",200,") && lines[2].contains(",yes,"),
        "{csv}"
    );
    let mut deliveries = String::new();
    archive
        .by_name("deliveries.csv")
        .expect("deliveries.csv in the zip")
        .read_to_string(&mut deliveries)
        .unwrap();
    assert!(
        deliveries.starts_with("delivery_id,recipient,delivery_status"),
        "{deliveries}"
    );
    assert!(archive.by_name("website-notice.html").is_ok());
    app.stop().await;
}

#[tokio::test]
async fn notices_are_served_from_the_database_by_every_instance() {
    let app = spawn_app_with(
        "2026-04-21T12:00:00-04:00",
        &TestConfig::new().no_escalation(),
    )
    .await;
    let id = approve(&app).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while website_status(&app, &id).await != "done" {
        assert!(Instant::now() < deadline, "the website duty completes");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let page = format!("/notices/notice-{id}.html");
    let written = std::fs::read_to_string(app.dir.join("site").join(format!("notice-{id}.html")))
        .expect("the page is written to publish.dir too");

    // With verify off, the duty was done on the local write, and the notice
    // says so plainly.
    let (_, notice) = app
        .get(&format!("/api/v1/incidents/{id}/notice"), VIEWER)
        .await;
    assert_eq!(notice["website"]["state"], "not_checked", "{notice}");
    assert!(
        notice["website"]["summary"]
            .as_str()
            .unwrap()
            .contains("does not check that it is online"),
        "{notice}"
    );

    // A vendor with a signed agreement: the public list of agreements is
    // rewritten at once, in the folder and in the database.
    let vendor = json!({
        "name": "Acme Learning, Inc.",
        "services": "Student information system",
        "data_elements": ["grades"],
        "agreement": {"kind": "dpa", "status": "signed", "signed_at": "2025-08-01"}
    });
    let (status, created) = app.post("/api/v1/vendors", ADMIN, &vendor).await;
    assert_eq!(status, 201, "{created}");

    // The folder gone (another instance never had it): the site still
    // answers, from the database, byte for byte.
    std::fs::remove_dir_all(app.dir.join("site")).unwrap();
    let agreements = app.get_text("/notices/agreements/").await;
    assert!(agreements.contains("Acme Learning"), "{agreements}");
    let agreements_feed = app.get_text("/notices/agreements/feed.atom").await;
    assert!(
        agreements_feed.contains("Acme Learning"),
        "{agreements_feed}"
    );
    let section = common::pages::client()
        .get(app.url("/notices/agreements"))
        .send()
        .await
        .unwrap();
    assert_eq!(section.status(), 308);
    assert_eq!(section.headers()["location"], "/notices/agreements/");
    let response = app.client.get(app.url(&page)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html")));
    let etag = response.headers().get("etag").cloned().expect("an ETag");
    assert_eq!(response.text().await.unwrap(), written);
    let index = app.get_text("/notices/").await;
    assert!(index.contains(&format!("notice-{id}.html")), "{index}");
    let feed = app.get_text("/notices/feed.atom").await;
    assert!(feed.contains(&format!("urn:uuid:{id}")), "{feed}");
    let unchanged = app
        .client
        .get(app.url(&page))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);
    let redirect = common::pages::client()
        .get(app.url("/notices"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/notices/");

    // A second instance on the same database, with a publish.dir of its
    // own that it never wrote to, serves the same page.
    let other_site = app.dir.join("other-site");
    let second = spawn_app_in(
        &app.dir,
        at("2026-04-21T12:00:00-04:00"),
        &TestConfig::new()
            .no_escalation()
            .instance_id("second")
            .layer(&format!(
                "[publish]\ndir = {:?}\n",
                other_site.display().to_string()
            )),
    )
    .await;
    let response = second.client.get(second.url(&page)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), written);
    assert!(!other_site.join(format!("notice-{id}.html")).exists());
    second.stop().await;
    app.stop().await;
}
