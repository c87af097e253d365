//! `GET /api/v1/incidents/{id}/evidence` (admin): everything a board needs
//! to prove compliance for one incident, as one JSON document, or with
//! `?format=zip` as a zip holding that document and a copy of the website
//! notice. The audit chain is verified as part of the export.

use super::auth::Admin;
use super::params::{parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::{evidence, ServiceError};
use crate::site::PublicNotice;
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
        `format=zip`, a zip holding `evidence.json` and a copy of the website notice. The whole audit \
        chain is verified as part of the export.",
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
    let document = evidence::document(&state.cases, id)
        .await
        .map_err(|error| match error {
            ServiceError::NotFound => Problem::not_found("incident"),
            other => other.into(),
        })?;
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
    let page = std::fs::read(
        state
            .settings
            .publish_dir
            .join(format!("{}.html", PublicNotice::slug_for(id))),
    )
    .ok();
    let bytes = tokio::task::spawn_blocking(move || archive(&document, page.as_deref()))
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

fn archive(document: &views::Evidence, notice_page: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("evidence.json", options)?;
    writer.write_all(serde_json::to_string_pretty(document)?.as_bytes())?;
    if let Some(page) = notice_page {
        writer.start_file("website-notice.html", options)?;
        writer.write_all(page)?;
    }
    Ok(writer.finish()?.into_inner())
}
