//! `GET /api/v1/incidents/{id}/evidence` (admin): everything a board needs
//! to prove compliance for one incident, as one JSON document, or with
//! `?format=zip` as a zip holding that document, a copy of the website
//! notice, and as CSV files the per-student proof of notice, every delivery
//! attempt and every check of the website notice at its public address. The audit chain
//! is verified as part of the export.

use super::auth::Admin;
use super::params::{parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::evidence;
use crate::domain::coverage::{Coverage, CoverageReport};
use crate::views;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::io::Write;

#[derive(Debug, Deserialize)]
pub struct EvidenceQuery {
    format: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/evidence",
    tag = "incidents",
    operation_id = "incident_evidence",
    summary = "Everything a board needs to prove compliance for one incident (admin)",
    description = "The incident's timeline from the audit log, its obligations with their sources, the \
        notice's approval, a summary of deliveries and the publication, as one JSON document; with \
        `format=zip`, a zip holding `evidence.json`, a copy of the website notice (`website-notice.html`) \
        and CSV files: `students.csv`, `letters-mailed.csv` and `exceptions.csv` (with a roster), \
        `deliveries.csv` (each family-notice delivery attempt: time, instance, SMTP reply) and \
        `website-checks.csv` (each fetch of the notice page at its public address: time, URL, HTTP \
        status, SHA-256, match). The whole audit chain is verified as part of the export.",
    params(
        ("id" = uuid::Uuid, Path, description = "The incident's id"),
        ("format" = Option<String>, Query, description = "`json` (the default), `zip`, or `html` (a printable record)"),
    ),
    responses(
        (status = 200, description = "The evidence", content(
            (views::Evidence = "application/json"),
            ("application/zip"),
            ("text/html"),
        )),
        (status = 403, description = "Only an administrator exports evidence", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad `format`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn evidence(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    Params(query): Params<EvidenceQuery>,
) -> Result<Response, Problem> {
    let id = parse_id(&id, "incident")?;
    let (zip, html) = match query.format.as_deref() {
        None | Some("json") => (false, false),
        Some("zip") => (true, false),
        Some("html") => (false, true),
        Some(_) => return Err(Problem::field("format", "must be json, zip or html")),
    };
    let (document, coverage) = evidence::document(&state.cases, id)
        .await
        .map_err(|error| Problem::from_service(error, "incident"))?;
    let zone = state.settings.timezone;
    if html {
        let page = views::evidence_html::render(&document).map_err(|error| {
            tracing::error!(
                error = format!("{error:#}"),
                "rendering the evidence page failed"
            );
            Problem::internal()
        })?;
        return Ok(axum::response::Html(page).into_response());
    }
    if !zip {
        return Ok(axum::Json(document).into_response());
    }
    let attachments = evidence::attachments(&state.cases, id)
        .await
        .map_err(|error| Problem::from_service(error, "incident"))?;
    let bytes =
        tokio::task::spawn_blocking(move || archive(&document, &attachments, &coverage, zone))
            .await
            .map_err(|_| Problem::internal())?
            .map_err(|error| {
                tracing::error!(
                    error = format!("{error:#}"),
                    "writing the evidence zip failed"
                );
                Problem::internal()
            })?;
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"evidence-{id}.zip\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

fn archive(
    document: &views::Evidence,
    attachments: &evidence::Attachments,
    coverage: &CoverageReport,
    zone: chrono_tz::Tz,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("evidence.json", options)?;
    writer.write_all(serde_json::to_string_pretty(document)?.as_bytes())?;
    if !coverage.students.is_empty() {
        for (name, bytes) in coverage_csv(coverage, zone)? {
            writer.start_file(name, options)?;
            writer.write_all(&bytes)?;
        }
    }
    for (name, bytes) in super::evidence_csv::delivery_and_website_csv(
        &attachments.attempts,
        document.publication.as_ref(),
        zone,
    )? {
        writer.start_file(name, options)?;
        writer.write_all(&bytes)?;
    }
    if !document.bounces.is_empty() {
        writer.start_file("bounces.csv", options)?;
        writer.write_all(&bounces_csv(&document.bounces)?)?;
    }
    if let Some(page) = &attachments.notice_page {
        writer.start_file("website-notice.html", options)?;
        writer.write_all(page)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// The bounces as CSV: the address, the DSN's status and text, when it was
/// read and whether it came after the families' duty was complete.
fn bounces_csv(bounces: &[views::EvidenceBounce]) -> anyhow::Result<Vec<u8>> {
    let mut rows = csv::Writer::from_writer(Vec::new());
    rows.write_record([
        "address",
        "status",
        "diagnostic",
        "bounced_at",
        "after_completion",
    ])?;
    for b in bounces {
        rows.write_record([
            b.address.as_str(),
            b.bounce.status.as_str(),
            b.bounce.diagnostic.as_deref().unwrap_or_default(),
            b.bounce.bounced_at.as_str(),
            if b.bounce.after_completion {
                "yes"
            } else {
                "no"
            },
        ])?;
    }
    Ok(rows.into_inner()?)
}

/// The per-student proof as CSV, for a spreadsheet: every student's
/// coverage, the letters mailed, the exceptions with their reasons.
fn coverage_csv(
    coverage: &CoverageReport,
    zone: chrono_tz::Tz,
) -> anyhow::Result<[(&'static str, Vec<u8>); 3]> {
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| crate::domain::timestamp::format_in_zone(at, zone))
            .unwrap_or_default()
    };
    let mut students = csv::Writer::from_writer(Vec::new());
    students.write_record([
        "student_id",
        "student_name",
        "coverage",
        "covered_at",
        "letter_reason",
    ])?;
    let mut mailed = csv::Writer::from_writer(Vec::new());
    mailed.write_record(["student_id", "student_name", "mailed_at"])?;
    let mut exceptions = csv::Writer::from_writer(Vec::new());
    exceptions.write_record(["student_id", "student_name", "recorded_at", "reason"])?;
    for student in &coverage.students {
        let covered_at = when(student.covered_at);
        students.write_record([
            student.student_id.as_str(),
            student.name.as_str(),
            student.state.as_str(),
            covered_at.as_str(),
            student.letter_reason.map_or("", |r| r.as_str()),
        ])?;
        match student.state {
            Coverage::LetterMailed => mailed.write_record([
                student.student_id.as_str(),
                student.name.as_str(),
                covered_at.as_str(),
            ])?,
            Coverage::Exception => exceptions.write_record([
                student.student_id.as_str(),
                student.name.as_str(),
                covered_at.as_str(),
                student.exception_reason.as_deref().unwrap_or_default(),
            ])?,
            _ => {}
        }
    }
    Ok([
        ("students.csv", students.into_inner()?),
        ("letters-mailed.csv", mailed.into_inner()?),
        ("exceptions.csv", exceptions.into_inner()?),
    ])
}
