//! `/api/v1/incidents/{id}/roster`, `/notice`, `/notice/approve` and
//! `/deliveries`: the board's notice to families.

use super::auth::{Admin, Caller, Permission};
use super::params::{paging, parse_id, Params};
use super::problem::Problem;
use super::AppState;
use crate::cases::notices;
use crate::domain::FieldError;
use crate::store::EmailStatus;
use crate::views;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

/// The incident, or a 404 problem naming it.
async fn incident_or_404(
    cases: &crate::cases::Context,
    id: uuid::Uuid,
) -> Result<crate::store::IncidentRecord, Problem> {
    cases
        .incident_record(id)
        .await?
        .ok_or_else(|| Problem::not_found("incident"))
}

/// The largest roster accepted (a million guardians is about 100 MB).
pub const ROSTER_LIMIT: u64 = crate::roster::UPLOAD_LIMIT;

/// Streams the upload to a temporary file (the roster is never held in
/// memory), then imports it.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/roster",
    tag = "notices",
    operation_id = "import_roster",
    summary = "Import the affected students and their guardians (admin)",
    description = "The body is a OneRoster 1.1/1.2 CSV bundle (zip) or a CSV with the header \
        `student_id,student_name,guardian_name,guardian_email,language`, up to 2 GiB. A file that is not a \
        roster is rejected whole (422) and nothing is stored; otherwise bad rows are listed with their line \
        and reason. `Content-Disposition: attachment; filename=...` names the file in those rows.",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    request_body(description = "The roster file", content(
        (String = "text/csv"),
        ("application/zip"),
    )),
    responses(
        (status = 200, description = "Imported: counts and rejected rows", body = views::RosterAnswer),
        (status = 403, description = "Only an administrator imports rosters", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The notice was already approved, or a roster uploaded later for this incident was imported first", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The roster is over 2 GiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a roster: bad zip, not UTF-8, missing columns", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_roster(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<views::RosterAnswer>, Problem> {
    let id = parse_id(&id, "incident")?;
    let spool = tempfile::NamedTempFile::new().map_err(|error| {
        tracing::error!(
            error = format!("{error:#}"),
            "cannot create a temporary file for a roster"
        );
        Problem::internal()
    })?;
    let mut file = tokio::fs::File::create(spool.path())
        .await
        .map_err(|_| Problem::internal())?;
    let mut stream = body.into_data_stream();
    let mut size: u64 = 0;
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "The upload was interrupted"))?;
        size += chunk.len() as u64;
        if size > ROSTER_LIMIT {
            return Err(
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Roster too large")
                    .detail(format!("the limit is {ROSTER_LIMIT} bytes")),
            );
        }
        file.write_all(&chunk)
            .await
            .map_err(|_| Problem::internal())?;
    }
    file.flush().await.map_err(|_| Problem::internal())?;
    drop(file);
    let name = upload_name(&headers);
    let answer = notices::import_roster(&state.cases, id, spool.path(), &name, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    Ok(Json(answer))
}

/// The file name from `Content-Disposition`, else by content type.
fn upload_name(headers: &HeaderMap) -> String {
    let from_disposition = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("filename=").nth(1))
        .map(|name| name.trim_matches(['"', ' ', ';']).to_owned())
        .filter(|name| !name.is_empty() && !name.contains(['/', '\\']));
    from_disposition.unwrap_or_else(|| {
        let zip = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("zip"));
        if zip { "roster.zip" } else { "roster.csv" }.to_owned()
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/roster",
    tag = "notices",
    operation_id = "get_roster",
    summary = "The latest roster import and the students to send a paper letter (every role)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "The roster's state", body = views::RosterState),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn roster(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<views::RosterState>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    incident_or_404(&state.cases, id).await?;
    let (import, unreachable) = state.cases.roster(id).await?;
    Ok(Json(views::roster_state(
        import,
        unreachable,
        state.settings.timezone,
    )))
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/notice",
    tag = "notices",
    operation_id = "get_notice",
    summary = "The notice to families; what the draft would say before it is drafted (every role)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "The notice", body = views::Notice),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<views::Notice>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    let incident = incident_or_404(&state.cases, id).await?;
    let notice = match state.cases.notice(id).await? {
        Some(notice) => notice,
        // Not drafted yet (the families' clock has not started): show what
        // the draft would say.
        None => notices::draft(&incident, &state.settings, state.cases.now()),
    };
    let mut view = views::notice(&notice, state.settings.timezone);
    view.website = Some(state.cases.website_status(id, &notice).await?);
    Ok(Json(view))
}

#[utoipa::path(
    post,
    path = "/api/v1/incidents/{id}/notice/approve",
    tag = "notices",
    operation_id = "approve_notice",
    summary = "Approve the notice: send it to every guardian and publish the website notice (admin)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id")),
    responses(
        (status = 202, description = "Approved; the messages are queued", body = views::Approval),
        (status = 200, description = "It was approved before; the first answer", body = views::Approval),
        (status = 403, description = "Only an administrator approves", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No roster was imported yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not approved, nothing planned: the draft still holds a placeholder, the roster has no guardian address, or a message template or the website page does not render (each failure under `template`, naming the template, the variant and the error)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<views::Approval>), Problem> {
    let id = parse_id(&id, "incident")?;
    let approval = notices::approve(&state.cases, id, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "incident"))?;
    let status = if approval.already_approved {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(approval)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `queued`, `sent`, `deferred`, `failed` or `bounced`; all when omitted.
    status: Option<String>,
    /// The `next_after` of the previous page: rows after this address.
    after: Option<String>,
    /// At most this many, 0 to 1000 (default 100).
    #[param(value_type = Option<u32>)]
    limit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{id}/deliveries",
    tag = "notices",
    operation_id = "list_deliveries",
    summary = "The family notice's deliveries, one row per recipient, by address (every role)",
    params(("id" = uuid::Uuid, Path, description = "The incident's id"), DeliveriesQuery),
    responses(
        (status = 200, description = "The deliveries", body = views::Deliveries),
        (status = 404, description = "No such incident", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Params(query): Params<DeliveriesQuery>,
) -> Result<Json<views::Deliveries>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "incident")?;
    let mut errors = Vec::new();
    let status = match query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(text) => match EmailStatus::parse(text) {
            Ok(status) => Some(status),
            Err(_) => {
                errors.push(FieldError::new(
                    "status",
                    "must be queued, sent, deferred, failed or bounced",
                ));
                None
            }
        },
    };
    let (limit, _) = paging(query.limit.as_deref(), None, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    incident_or_404(&state.cases, id).await?;
    let rows = state
        .cases
        .deliveries(id, status, query.after.as_deref(), limit)
        .await?;
    let counts = state.cases.delivery_counts(id).await?;
    let bounces = state.cases.bounces(id).await?;
    Ok(Json(views::deliveries(
        &rows,
        &counts,
        &bounces,
        state.settings.timezone,
    )))
}

/// What `/notices/` answers for a file that is not there: before the first
/// notice is published, a page saying there is none yet rather than a bare
/// 404 (a parent following a link, or a web server's health check, sees
/// that the site works); any other missing file is a 404 page.
pub async fn not_published(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::{Html, IntoResponse};
    // The folder itself, asked for as `/notices/` or its index.
    let path = uri.path();
    let index = path.ends_with('/') || path.ends_with("/index.html");
    let (status, heading, text) = if index {
        (
            StatusCode::OK,
            "Data security notices",
            "No notice has been published. When one is, it is listed here.",
        )
    } else {
        (
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such notice. The list of notices is at the address of this folder.",
        )
    };
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading}</title></head><body><main><h1>{heading}</h1><p>{text}</p></main></body></html>\n"
    );
    (status, Html(page)).into_response()
}
