//! `/api/v1/vendors/{id}/consent-campaigns` and `/api/v1/consent-campaigns`:
//! parental consent for a vendor that will not sign (admin starts and
//! records; every role reads). The roster comes as a multipart part beside
//! the fields the email needs.

use super::auth::{Admin, Caller, Permission};
use super::body::JsonBody;
use super::params::parse_id;
use super::problem::Problem;
use super::AppState;
use crate::cases::consent::input;
use crate::views::{self, ConsentCampaignList, ConsentCampaignStarted, ConsentCampaignView};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tokio::io::AsyncWriteExt;

/// The largest roster a campaign takes: ten thousand guardians is about
/// a megabyte of plain CSV.
pub const MAX_ROSTER_BYTES: usize = 16 * 1024 * 1024;

/// The parts of a campaign's upload: the roster spooled to disk, the fields
/// as given.
pub(super) struct Upload {
    pub(super) roster: Option<(tempfile::NamedTempFile, String)>,
    pub(super) privacy_policy_url: Option<String>,
    pub(super) description: Option<String>,
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Roster too large").detail(format!(
        "a consent campaign's roster may be at most {} MiB",
        MAX_ROSTER_BYTES / (1024 * 1024)
    ))
}

pub(super) async fn receive(mut multipart: Multipart) -> Result<Upload, Problem> {
    let mut upload = Upload {
        roster: None,
        privacy_policy_url: None,
        description: None,
    };
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| Problem::field("roster", e.body_text()))?
    {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("roster") => {
                let upload_name = field
                    .file_name()
                    .map(|name| name.rsplit(['/', '\\']).next().unwrap_or(name).trim())
                    .filter(|name| !name.is_empty() && name.len() <= 200)
                    .unwrap_or("roster.csv")
                    .to_owned();
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
                let mut size = 0;
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        Problem::field("roster", e.body_text())
                    }
                })? {
                    size += chunk.len();
                    if size > MAX_ROSTER_BYTES {
                        return Err(too_large());
                    }
                    file.write_all(&chunk)
                        .await
                        .map_err(|_| Problem::internal())?;
                }
                file.flush().await.map_err(|_| Problem::internal())?;
                upload.roster = Some((spool, upload_name));
            }
            Some(part @ ("privacy_policy_url" | "description")) => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| Problem::field(part, "must be UTF-8 text"))?;
                if part == "description" {
                    upload.description = Some(text);
                } else {
                    upload.privacy_policy_url = Some(text);
                }
            }
            Some(other) => {
                return Err(Problem::field(
                    other,
                    "unknown part; expected \"roster\", \"privacy_policy_url\" and \"description\"",
                ))
            }
            None => {}
        }
    }
    Ok(upload)
}

#[utoipa::path(
    post,
    path = "/api/v1/vendors/{id}/consent-campaigns",
    tag = "vendors",
    operation_id = "start_consent_campaign",
    summary = "Ask guardians' consent for a vendor that refused to sign (admin)",
    description = "multipart/form-data with the parts `roster` (the plain roster CSV of the students to onboard, \
        at most 16 MiB and 10,000 guardian addresses), `privacy_policy_url` and `description` (what the vendor \
        will receive, in words for families). Only for a vendor whose agreement is `refused`. Each guardian is \
        emailed a consent request with a single-use link; bad rows are listed with their line, as the incident \
        roster's are.",
    params(("id" = String, Path, description = "The vendor's id")),
    responses(
        (status = 201, description = "Started; the requests are being sent", body = ConsentCampaignStarted,
            headers(("Location" = String, description = "The campaign's URL"))),
        (status = 403, description = "Only an admin starts a campaign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such vendor", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The vendor's agreement is not refused, or `server.public_url` is not set; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The roster is over 16 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field or part, or not a roster; nothing stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Result<Response, Problem> {
    let id = parse_id(&id, "vendor")?;
    let upload = receive(multipart).await?;
    let parsed = input::parse_campaign(
        upload.privacy_policy_url.as_deref(),
        upload.description.as_deref(),
    );
    let (fields, roster) = match (parsed, upload.roster) {
        (Ok(fields), Some(roster)) => (fields, roster),
        (parsed, roster) => {
            let mut errors = parsed.err().unwrap_or_default();
            if roster.is_none() {
                errors.insert(
                    0,
                    crate::domain::FieldError::new(
                        "roster",
                        "is required: the plain roster CSV of the students to onboard",
                    ),
                );
            }
            return Err(Problem::invalid(errors));
        }
    };
    let (spool, upload_name) = roster;
    let started = state
        .cases
        .start_consent_campaign(id, fields, spool.path(), &upload_name, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "vendor"))?;
    let campaign_id = started.standing.campaign.id;
    let answer = ConsentCampaignStarted {
        campaign: views::consent_campaign(&started.standing, state.settings.timezone),
        import: views::consent_roster_import(&started.report),
    };
    let mut response = (StatusCode::CREATED, Json(answer)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/consent-campaigns/{campaign_id}"))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(
    get,
    path = "/api/v1/vendors/{id}/consent-campaigns",
    tag = "vendors",
    operation_id = "list_consent_campaigns",
    summary = "A vendor's consent campaigns, newest first (every role)",
    description = "Each with every student's standing (`consented`, `declined`: any guardian's decline wins, \
        `no_answer`) and `onboardable`, the consented students only.",
    params(("id" = String, Path, description = "The vendor's id")),
    responses(
        (status = 200, description = "The campaigns", body = ConsentCampaignList),
        (status = 404, description = "No such vendor", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConsentCampaignList>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "vendor")?;
    let standings = state
        .cases
        .consent_campaigns(id)
        .await
        .map_err(|e| Problem::from_service(e, "vendor"))?;
    Ok(Json(ConsentCampaignList {
        campaigns: standings
            .iter()
            .map(|s| views::consent_campaign(s, state.settings.timezone))
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/consent-campaigns/{id}",
    tag = "vendors",
    operation_id = "get_consent_campaign",
    summary = "One consent campaign with every student's standing (every role)",
    params(("id" = String, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "The campaign", body = ConsentCampaignView),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ConsentCampaignView>, Problem> {
    caller.require(Permission::Read)?;
    let id = parse_id(&id, "consent campaign")?;
    let standing = state
        .cases
        .consent_campaign(id)
        .await
        .map_err(|e| Problem::from_service(e, "consent campaign"))?;
    Ok(Json(views::consent_campaign(
        &standing,
        state.settings.timezone,
    )))
}

#[utoipa::path(
    post,
    path = "/api/v1/consent-campaigns/{id}/answers",
    tag = "vendors",
    operation_id = "record_consent_answer",
    summary = "Record a guardian's answer received another way (admin)",
    description = "`{\"student_id\": \"S1001\", \"answer\": \"consented\"|\"declined\", \"received\": \
        \"paper\"|\"phone\"|\"email\"|\"in_person\"}`. Kept beside the answers given through the link, never \
        replacing one: a decline by any guardian wins. Audited.",
    params(("id" = String, Path, description = "The campaign's id")),
    responses(
        (status = 200, description = "Recorded; the campaign as it now stands", body = ConsentCampaignView),
        (status = 403, description = "Only an admin records answers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field, or a student not on the campaign's roster; nothing stored", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ConsentCampaignView>, Problem> {
    let id = parse_id(&id, "consent campaign")?;
    let answer = input::parse_staff_answer(&body.value).map_err(Problem::invalid)?;
    let standing = state
        .cases
        .record_consent_answer(id, answer, &caller.name)
        .await
        .map_err(|e| Problem::from_service(e, "consent campaign"))?;
    Ok(Json(views::consent_campaign(
        &standing,
        state.settings.timezone,
    )))
}
