//! Proof of notice, student by student, on a real SMTP server: the
//! families' obligation completes only when every affected student is
//! reached by email, sent a paper letter or excepted, at the time the last
//! one was, and it is late if that is after its due time.

mod common;

use common::smtp::{Received, SmtpServer};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const FAMILIES: &str = "board_notifies_families";

fn plain_roster() -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/roster/plain-small.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the shared small roster is readable")
}

/// Due (Connecticut, two business days after the board's notice) on
/// 2026-04-22 at 23:59:59 local.
fn incident() -> Value {
    json!({
        "title": "Gradebook vendor breach",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

fn config(smtp: &SmtpServer) -> TestConfig {
    TestConfig::new()
        .smtp(&smtp.url())
        .max_connections(4)
        .no_escalation()
}

fn kind(message: &Received) -> Option<String> {
    message.header("X-Breachd-Kind")
}

/// Files the incident, imports `roster`, approves the notice; the id.
async fn start_fan_out(app: &TestApp, roster: String) -> String {
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().expect("an incident id").to_owned();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/roster")))
        .bearer_auth(ADMIN)
        .header("content-type", "text/csv")
        .body(roster)
        .send()
        .await
        .expect("the roster upload answers");
    assert_eq!(response.status(), 200);
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

/// The families' obligation once `done` says so, within 30 s.
async fn families_when(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, incident) = app.get(&format!("/api/v1/incidents/{id}"), VIEWER).await;
        let families = obligation(&incident, FAMILIES).clone();
        if done(&families) {
            return families;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the families' obligation never got there: {families}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_student_reached_completes_the_families_obligation_when_the_last_was() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config(&smtp)).await;
    let id = start_fan_out(&app, plain_roster()).await;
    let families = families_when(&app, &id, |o| o["status"] != "open").await;
    assert_eq!(families["status"], "done", "{families}");
    assert_eq!(families["completed_at"], "2026-04-21T12:00:00-04:00");
    let (status, letters) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    assert_eq!(status, 200, "{letters}");
    assert_eq!(letters["students"], json!([]));
    assert_eq!(letters["summary"]["students"], 40);
    assert_eq!(letters["summary"]["reached"], 40);
    assert_eq!(letters["summary"]["unreached"], 0);
}

#[tokio::test]
async fn a_refused_family_keeps_the_obligation_open_until_its_letter_is_mailed() {
    let smtp = SmtpServer::start();
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config(&smtp)).await;
    let mut roster = plain_roster();
    roster.push_str("stu0000099,Kid99 Fam99,Parent99 Fam99,reject-parent99@families.example,en\n");
    roster.push_str("stu0000098,Kid98 Fam98,Parent98 Fam98,,en\n");
    let id = start_fan_out(&app, roster).await;

    // The privacy officer's failure report is planned after the fan-out
    // judged coverage: by then the obligation must still be open.
    smtp.wait_for("the failure report", |messages| {
        messages
            .iter()
            .any(|m| kind(m).as_deref() == Some("delivery-failure"))
    })
    .await;
    let families = families_when(&app, &id, |_| true).await;
    assert_eq!(families["status"], "open", "{families}");
    let (_, letters) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    let needing: Vec<(&str, &str)> = letters["students"]
        .as_array()
        .expect("a list of students")
        .iter()
        .map(|s| {
            (
                s["student_id"].as_str().unwrap_or_default(),
                s["reason"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        needing,
        [
            ("stu0000098", "no_reachable_guardian"),
            ("stu0000099", "every_message_failed"),
        ],
        "{letters}"
    );
    assert_eq!(
        letters["students"][1]["guardians"],
        json!(["Parent99 Fam99"])
    );
    assert_eq!(letters["summary"]["reached"], 40);
    assert_eq!(letters["summary"]["unreached"], 2);

    // Bad records are refused naming the field, and store nothing.
    let mailed = format!("/api/v1/incidents/{id}/letters/mailed");
    let (status, _) = app.post(&mailed, VIEWER, &json!({"all": true})).await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .post(
            &mailed,
            ADMIN,
            &json!({"students": ["stu0000099", "nobody", "stu0000000"], "at": "2026-04-21T11:30:00-04:00"}),
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("the bad fields")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["students[1]", "students[2]"], "{problem}");
    let (status, problem) = app
        .post(
            &mailed,
            ADMIN,
            &json!({"students": ["stu0000099"], "at": "2026-04-30T13:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 422, "a letter mailed in the future: {problem}");
    let (_, unchanged) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    assert_eq!(unchanged["summary"]["unreached"], 2, "{unchanged}");

    // One family has no address at all: an exception, with its reason.
    let (status, letters) = app
        .post(
            &format!("/api/v1/incidents/{id}/letters/exception"),
            ADMIN,
            &json!({"students": ["stu0000098"], "reason": "The family has left the district; no address is known."}),
        )
        .await;
    assert_eq!(status, 200, "{letters}");
    assert_eq!(letters["summary"]["exception"], 1);
    assert_eq!(
        families_when(&app, &id, |_| true).await["status"],
        "open",
        "one student is still unreached"
    );

    // The letter goes out after the due time: the obligation is late, at
    // the letter's date.
    app.clock.set(at("2026-04-23T10:00:00-04:00"));
    let (status, letters) = app
        .post(
            &mailed,
            ADMIN,
            &json!({"all": true, "at": "2026-04-23T09:30:00-04:00"}),
        )
        .await;
    assert_eq!(status, 200, "{letters}");
    assert_eq!(letters["students"], json!([]));
    assert_eq!(letters["recorded"][1]["student_id"], "stu0000099");
    assert_eq!(letters["recorded"][1]["coverage"], "letter_mailed");
    assert_eq!(
        letters["summary"]["completed_at"],
        "2026-04-23T09:30:00-04:00"
    );
    let families = families_when(&app, &id, |o| {
        o["status"] != "open" && o["status"] != "overdue"
    })
    .await;
    assert_eq!(families["status"], "late", "{families}");
    assert_eq!(families["completed_at"], "2026-04-23T09:30:00-04:00");

    // The evidence carries the proof, student by student.
    let (status, evidence) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        evidence["coverage"]["summary"]["letter_mailed"], 1,
        "{evidence}"
    );
    let bytes = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence?format=zip")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .expect("the evidence answers")
        .bytes()
        .await
        .expect("the zip's bytes");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name(name).expect("the file is in the zip"),
            &mut text,
        )
        .expect("UTF-8 CSV");
        text
    };
    let students = read("students.csv");
    assert_eq!(students.lines().count(), 43, "a header and 42 students");
    assert!(
        students.contains(
            "stu0000099,Kid99 Fam99,letter_mailed,2026-04-23T09:30:00-04:00,every_message_failed"
        ),
        "{students}"
    );
    assert_eq!(
        read("letters-mailed.csv"),
        "student_id,student_name,mailed_at\nstu0000099,Kid99 Fam99,2026-04-23T09:30:00-04:00\n"
    );
    assert!(
        read("exceptions.csv").contains("The family has left the district; no address is known.")
    );
}

/// Prints the letters with headless Chromium and counts the PDF's pages.
#[tokio::test]
async fn the_paper_letters_print_one_per_page() {
    const CHROMIUM: &str = "/usr/bin/chromium";
    if !std::path::Path::new(CHROMIUM).exists() || which("pdfinfo").is_none() {
        common::skip::skipped(
            "the_paper_letters_print_one_per_page",
            "chromium or pdfinfo is not installed: apt-get install chromium poppler-utils",
        );
        return;
    }
    let smtp = SmtpServer::start();
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config(&smtp)).await;
    // The plain CSV with the optional address columns: one family has an
    // address, the others leave them empty.
    let mut roster: String = plain_roster()
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let extra = if index == 0 {
                ",address_line1,address_line2,city,state,postal_code"
            } else {
                ",,,,,"
            };
            format!("{line}{extra}\n")
        })
        .collect();
    roster.push_str("stu0000099,Kid99 Fam99,Parent99 Fam99,reject-parent99@families.example,es,12 Elm Street,Apt 3,Hartford,CT,06103\n");
    roster.push_str("stu0000098,Kid98 Fam98,Parent98 Fam98,,en,,,,,\n");
    roster.push_str("stu0000097,Kid97 Fam97,Parent97 Fam97,not-an-address,en,,,,,\n");
    let id = start_fan_out(&app, roster).await;
    smtp.wait_for("the failure report", |messages| {
        messages
            .iter()
            .any(|m| kind(m).as_deref() == Some("delivery-failure"))
    })
    .await;
    let (_, letters) = app
        .get(&format!("/api/v1/incidents/{id}/letters"), VIEWER)
        .await;
    let with_address = letters["students"]
        .as_array()
        .expect("the students needing a letter")
        .iter()
        .find(|s| s["student_id"] == "stu0000099")
        .expect("the refused family's student");
    assert_eq!(
        with_address["address"],
        json!({"line1": "12 Elm Street", "line2": "Apt 3", "city": "Hartford", "state": "CT", "postal_code": "06103"})
    );
    let response = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/letters?format=html")))
        .bearer_auth(VIEWER)
        .send()
        .await
        .expect("the letters answer");
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("the letters' text");
    assert!(html.contains("@page"), "{html}");
    assert!(html.contains("Parent99 Fam99"), "{html}");
    assert!(html.contains("Kid98 Fam98"), "{html}");
    assert!(
        html.contains("Parent99 Fam99<br>12 Elm Street<br>Apt 3<br>Hartford, CT 06103"),
        "{html}"
    );
    assert!(
        html.contains("The roster gave no mailing address"),
        "{html}"
    );
    assert!(
        html.contains(r#"lang="es""#) && html.contains("Aviso"),
        "the Spanish-speaking family's letter is in Spanish: {html}"
    );
    let dir = tempfile::tempdir().expect("a scratch folder");
    let page = dir.path().join("letters.html");
    let pdf = dir.path().join("letters.pdf");
    std::fs::write(&page, &html).expect("the letters are written");
    let args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--no-pdf-header-footer".to_owned(),
        format!("--user-data-dir={}", dir.path().join("profile").display()),
        format!("--print-to-pdf={}", pdf.display()),
        format!("file://{}", page.display()),
    ];
    let printed = tokio::task::spawn_blocking(move || {
        std::process::Command::new(CHROMIUM).args(&args).output()
    });
    let printed = tokio::time::timeout(Duration::from_secs(90), printed)
        .await
        .expect("chromium prints within 90 s")
        .expect("the printing task ends")
        .expect("chromium runs");
    assert!(
        pdf.exists(),
        "chromium printed nothing: {}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo runs");
    let info = String::from_utf8_lossy(&info.stdout);
    let pages = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .map(|n| n.trim().parse::<u32>().expect("a page count"));
    assert_eq!(pages, Some(3), "one page per letter: {info}");
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.exists())
    })
}

/// The incident page lists the students needing a letter to administrators
/// (not to viewers), the board counts them, and the page's form records a
/// letter that completes the duty.
#[tokio::test]
async fn the_incident_page_lists_unreached_students_and_records_a_letter() {
    use common::pages::{get_page, sign_in};
    let smtp = SmtpServer::start();
    let app = spawn_app_with("2026-04-21T12:00:00-04:00", &config(&smtp)).await;
    let mut roster = plain_roster();
    roster.push_str("stu0000099,Kid99 Fam99,Parent99 Fam99,reject-parent99@families.example,en\n");
    let id = start_fan_out(&app, roster).await;
    smtp.wait_for("the failure report", |messages| {
        messages
            .iter()
            .any(|m| kind(m).as_deref() == Some("delivery-failure"))
    })
    .await;
    let admin = sign_in(&app, ADMIN).await;
    let (status, page) = get_page(&app, &admin, &format!("/incidents/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Kid99 Fam99"), "{page}");
    assert!(page.contains("every email to the family failed"), "{page}");
    assert!(
        page.contains("1</strong> student is not yet reached"),
        "{page}"
    );
    let (_, board) = get_page(&app, &admin, "/").await;
    assert!(board.contains("1 student not yet reached"), "{board}");
    let viewer = sign_in(&app, VIEWER).await;
    let (_, page_for_viewer) = get_page(&app, &viewer, &format!("/incidents/{id}")).await;
    assert!(
        !page_for_viewer.contains("Kid99"),
        "names are for administrators"
    );
    let (status, letters) = get_page(&app, &admin, &format!("/incidents/{id}/letters")).await;
    assert_eq!(status, 200);
    assert!(letters.contains("Parent99 Fam99"), "{letters}");

    let response = common::pages::client()
        .post(app.url(&format!("/incidents/{id}/letters/mailed")))
        .header(reqwest::header::COOKIE, &admin.cookie)
        .form(&[
            ("csrf", admin.csrf.as_str()),
            ("student", "stu0000099"),
            ("at", "2026-04-21T11:45"),
        ])
        .send()
        .await
        .expect("the form answers");
    assert_eq!(response.status(), 303);
    let families = families_when(&app, &id, |o| o["status"] != "open").await;
    assert_eq!(families["status"], "done", "{families}");
    assert_eq!(
        families["completed_at"], "2026-04-21T12:00:00-04:00",
        "the last student covered was reached by email at 12:00"
    );
}
