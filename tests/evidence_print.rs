//! The printable compliance record: the evidence as a page a board
//! secretary prints, in words and the district's time, printed to PDF by a
//! real headless Chromium and counted by `pdfinfo` (poppler-utils).

mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn incident() -> serde_json::Value {
    json!({
        "title": "Gradebook vendor breach",
        "description": "An unauthorized party downloaded the vendor's gradebook export.",
        "contractor": "Vendor Inc.",
        "discovered_at": "2026-04-19T09:00:00-04:00",
        "board_notified_at": "2026-04-20T08:00:00-04:00",
        "data_elements": ["student_name", "grades"]
    })
}

#[tokio::test]
async fn the_record_reads_in_words_and_prints_to_pdf() {
    let app = spawn_app_at("2026-04-21T12:00:00-04:00").await;
    let filed = app.file(&incident()).await;
    let id = filed["id"].as_str().unwrap();
    let response = app
        .client
        .get(app.url(&format!("/api/v1/incidents/{id}/evidence?format=html")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let page = response.text().await.unwrap();
    for expected in [
        "Breach notification record",
        "Gradebook vendor breach",
        // Times in the district's zone, readable.
        "Mon 20 Apr 2026, 8:00 AM EDT",
        // Duties in words with their law.
        "Contractor notifies the board of education",
        "Conn. Gen. Stat.",
        "Incident filed",
        "none was changed or removed",
    ] {
        assert!(page.contains(expected), "{expected} missing:\n{page}");
    }
    for machine in ["contractor_notifies_board", "/api/v1", "board_notified"] {
        assert!(!page.contains(machine), "{machine} in the record");
    }
    // A viewer cannot read it; a bad format is named.
    let (status, _) = app
        .get(
            &format!("/api/v1/incidents/{id}/evidence?format=html"),
            VIEWER,
        )
        .await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .get(
            &format!("/api/v1/incidents/{id}/evidence?format=pdf"),
            ADMIN,
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("format"))
    );

    if !Path::new(CHROMIUM).exists() || Command::new("pdfinfo").arg("-v").output().is_err() {
        common::skip::skipped(
            "printing the compliance record",
            "chromium or pdfinfo is not installed: apt-get install chromium poppler-utils",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("record.html");
    let pdf = dir.path().join("record.pdf");
    std::fs::write(&html, &page).unwrap();
    let printed = tokio::task::spawn_blocking({
        let (html, pdf, profile) = (html.clone(), pdf.clone(), dir.path().join("profile"));
        move || {
            Command::new(CHROMIUM)
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .arg(format!("--print-to-pdf={}", pdf.display()))
                .arg(format!("file://{}", html.display()))
                .output()
                .expect("chromium runs")
        }
    })
    .await
    .unwrap();
    assert!(
        pdf.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 = info
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in\n{info}"));
    assert!((1..=10).contains(&pages), "{pages} pages:\n{info}");
}
