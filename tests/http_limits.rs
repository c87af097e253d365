//! The HTTP server against idle and trickling clients: the header-read
//! timeout cuts off a client that never finishes its request (or sits idle
//! on a kept-alive connection), and the connection cap closes idle
//! connections first, so that beside 1,100 idle connections under a
//! 1,024-descriptor limit `/livez` and the API still answer, within bounded
//! memory.

mod common;

use common::daemon::{breachd, free_port, Daemon};
use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; how long that took, or
/// None when it was still open at `deadline`.
async fn closed_within(stream: &mut TcpStream, deadline: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            // An answer (a 408 for headers that never ended): keep reading
            // until the close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_or_sits_idle_is_cut_off() {
    let config = TestConfig::new().layer("[server]\nheader_read_timeout = \"1s\"\n");
    let app = spawn_app_with("2026-04-20T12:00:00-04:00", &config).await;
    let address = app.base.trim_start_matches("http://").to_owned();

    // Silent from the start.
    let mut silent = TcpStream::connect(&address)
        .await
        .expect("the daemon listens");
    // Trickling a header a byte every 200 ms (slowloris), forever.
    let mut trickling = TcpStream::connect(&address)
        .await
        .expect("the daemon listens");
    let trickle = tokio::spawn(async move {
        let started = Instant::now();
        trickling
            .write_all(b"GET /livez HTTP/1.1\r\nHost: breachd\r\n")
            .await
            .expect("the first bytes are taken");
        for byte in b"X-Slow: ".iter().cycle() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if trickling.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return None;
            }
        }
        None
    });
    // Kept alive after one answer, then idle.
    let mut kept = TcpStream::connect(&address)
        .await
        .expect("the daemon listens");
    kept.write_all(b"GET /livez HTTP/1.1\r\nHost: breachd\r\n\r\n")
        .await
        .expect("the request is sent");
    let mut answer = [0u8; 512];
    let read = kept.read(&mut answer).await.expect("an answer");
    assert!(
        String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..read])
    );

    let silent_closed = closed_within(&mut silent, Duration::from_secs(10)).await;
    assert!(
        silent_closed.is_some_and(|took| took < Duration::from_secs(5)),
        "a silent connection was closed after {silent_closed:?}"
    );
    let kept_closed = closed_within(&mut kept, Duration::from_secs(10)).await;
    assert!(
        kept_closed.is_some_and(|took| took < Duration::from_secs(5)),
        "an idle kept-alive connection was closed after {kept_closed:?}"
    );
    let trickle_cut = trickle.await.expect("the trickling task ends");
    assert!(
        trickle_cut.is_some_and(|took| took < Duration::from_secs(6)),
        "a trickling client was cut off after {trickle_cut:?}"
    );
    // Everyone else is served as before.
    assert_eq!(
        app.client
            .get(app.url("/livez"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}

/// Resident memory of a process, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the daemon's /proc status reads");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS is in /proc/PID/status")
}

#[tokio::test]
async fn livez_and_the_api_answer_beside_1100_idle_connections_under_1024_descriptors() {
    if !std::path::Path::new("/usr/bin/prlimit").exists() {
        common::skip::skipped(
            "the connection flood under a descriptor limit",
            "prlimit (util-linux) is not installed",
        );
        return;
    }
    let home = tempfile::tempdir().expect("a temporary folder");
    let port = free_port();
    // A long header-read timeout, so that only the cap makes room.
    let config = TestConfig::new()
        .port(port)
        .layer("[server]\nheader_read_timeout = \"120s\"\n")
        .write(home.path());
    let daemon = Daemon::spawn(
        "flooded",
        format!("http://127.0.0.1:{port}"),
        home.path().join("daemon.log"),
        move || {
            let mut command = std::process::Command::new("/usr/bin/prlimit");
            command
                .arg("--nofile=1024:1024")
                .arg("--")
                .arg(breachd().get_program())
                .args(["serve", "--config"])
                .arg(&config)
                .env_remove("BREACHD_CONFIG")
                .env("RUST_LOG", "info");
            command
        },
    );
    daemon.wait_ready(Duration::from_secs(30)).await;
    let pid = daemon.pid().expect("the daemon runs");
    let before = resident_kib(pid);

    // 1,100 connections that never send a byte, and some that trickle.
    let address = format!("127.0.0.1:{port}");
    let mut flood = Vec::with_capacity(1_100);
    for n in 0..1_100 {
        let mut stream = TcpStream::connect(&address)
            .await
            .expect("the kernel takes the connection");
        if n % 10 == 0 {
            let _ = stream.write_all(b"GET /livez HTTP/1.1\r\nHost: b").await;
        }
        flood.push(stream);
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client builds");
    let started = Instant::now();
    let live = client
        .get(daemon.url("/livez"))
        .send()
        .await
        .unwrap_or_else(|error| panic!("/livez beside the flood: {error}\n{}", daemon.logs()));
    assert_eq!(live.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(10));
    let api = client
        .get(daemon.url("/api/v1/obligations"))
        .bearer_auth(VIEWER)
        .send()
        .await
        .expect("the API answers beside the flood");
    assert_eq!(api.status(), 200);
    let ready = client
        .get(daemon.url("/readyz"))
        .send()
        .await
        .expect("/readyz answers beside the flood");
    assert_eq!(ready.status(), 200);

    // The cap was fitted under the limit, and memory stayed bounded.
    assert!(
        daemon.logs().contains("open-file limit"),
        "the cap was lowered to fit 1,024 descriptors: {}",
        daemon.logs()
    );
    let after = resident_kib(pid);
    assert!(
        after.saturating_sub(before) < 64 * 1024,
        "resident memory grew from {before} KiB to {after} KiB"
    );
    drop(flood);
}

/// Sends `body` to `path` in four pieces 600 ms apart (a slow client's
/// upload, 1.8 s in all) and returns the answer's status line.
async fn trickled_post(app: &TestApp, path: &str, content_type: &str, body: &[u8]) -> String {
    let address = app.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the daemon listens");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: breachd\r\nAuthorization: Bearer {ADMIN}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("the head is sent");
    let piece = body.len().div_ceil(4);
    for (n, chunk) in body.chunks(piece).enumerate() {
        if n > 0 {
            // The slowness under test, not a wait for anything.
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        if stream.write_all(chunk).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_roster_upload_has_its_own_timeout_beyond_the_request_timeout() {
    let config =
        TestConfig::new().layer("[server]\nrequest_timeout = \"1s\"\nroster_timeout = \"30s\"\n");
    let app = spawn_app_with("2026-04-20T12:00:00-04:00", &config).await;
    let filed = app
        .file(&serde_json::json!({
            "title": "Vendor breach",
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-18T09:00:00-04:00",
            "board_notified_at": "2026-04-19T09:00:00-04:00",
            "data_elements": ["grades"]
        }))
        .await;
    let id = filed["id"].as_str().expect("an incident id");
    let roster = "student_id,student_name,guardian_name,guardian_email,language\n\
                  s1,Ann Lee,Pat Lee,pat@families.example,en\n\
                  s2,Bo Diaz,Sam Diaz,sam@families.example,es\n";
    let status = trickled_post(
        &app,
        &format!("/api/v1/incidents/{id}/roster"),
        "text/csv",
        roster.as_bytes(),
    )
    .await;
    assert!(status.contains(" 200 "), "a slow roster upload: {status}");
    // Any other request keeps the short limit.
    let report = serde_json::json!({
        "title": "Another breach",
        "discovered_at": "2026-04-18T09:00:00-04:00",
        "data_elements": ["grades"]
    })
    .to_string();
    let status = trickled_post(
        &app,
        "/api/v1/incidents",
        "application/json",
        report.as_bytes(),
    )
    .await;
    assert!(status.contains(" 408 "), "a slow filing: {status}");
    app.stop().await;
}
