//! Whether the public sees the website notice: the state of the check at
//! `publish.base_url` (`publish.verify`) with a sentence a person reads,
//! and each fetch as kept for the evidence.

use super::{maybe_time, time};
use crate::domain::timestamp::readable_in_zone;
use crate::store::{NoticeRecord, WebsiteCheckRecord};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

/// Where the website notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebsiteState {
    /// Not published yet: it is, once the notice is approved.
    NotPublished,
    /// Published; breachd is fetching it at its public address and the
    /// website duty stays open until it is seen there.
    Checking,
    /// Seen at its public address with the content published.
    Seen,
    /// Published; `publish.verify` is off, so the website duty was counted
    /// done when the files were written.
    NotChecked,
}

/// The website notice's state for the API and the incident page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebsiteStatus {
    pub state: WebsiteState,
    /// Whether breachd checks the public address (`publish.verify`).
    pub verify: bool,
    /// The notice page's public address, once published.
    pub url: Option<String>,
    /// The state in plain words, in the district's time zone: "The notice
    /// page could not be reached at …: connection refused. Trying again at …".
    pub summary: String,
    /// The latest fetch, when there was one.
    pub last_check: Option<WebsiteCheck>,
    /// How many fetches were made.
    #[schema(minimum = 0)]
    pub checks: u64,
}

/// One fetch of the notice page at its public address.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebsiteCheck {
    #[schema(format = DateTime)]
    pub checked_at: String,
    pub url: String,
    /// The HTTP status, or null when nothing answered.
    pub http_status: Option<i64>,
    /// SHA-256 (hex) of the page served.
    pub body_sha256: Option<String>,
    /// SHA-256 (hex) of the page breachd published.
    pub expected_sha256: String,
    /// The page served was the page published.
    pub matched: bool,
    /// Why not, in plain words.
    pub problem: Option<String>,
    /// When the check tries again.
    #[schema(format = DateTime)]
    pub next_at: Option<String>,
    /// The instance that fetched it.
    pub instance: String,
}

pub fn website_check(check: &WebsiteCheckRecord, zone: Tz) -> WebsiteCheck {
    WebsiteCheck {
        checked_at: time(check.checked_at, zone),
        url: check.url.clone(),
        http_status: check.http_status,
        body_sha256: check.body_sha256.clone(),
        expected_sha256: check.expected_sha256.clone(),
        matched: check.matched,
        problem: check.error.clone(),
        next_at: maybe_time(check.next_at, zone),
        instance: check.instance.clone(),
    }
}

/// The website notice's state from the notice, whether checking is on, and
/// the checks made (oldest first).
pub fn website_status(
    notice: &NoticeRecord,
    verify: bool,
    checks: &[WebsiteCheckRecord],
    zone: Tz,
) -> WebsiteStatus {
    let url = notice.published_url.clone();
    let last = checks.last();
    let (state, summary) = match (notice.published_at, url.as_deref(), last) {
        (None, _, _) | (_, None, _) => (
            WebsiteState::NotPublished,
            "The website notice is published when the notice is approved.".to_owned(),
        ),
        // Seen once is seen: a check is kept only for the page last published.
        (Some(_), Some(url), Some(check)) if check.matched => (
            WebsiteState::Seen,
            format!(
                "The notice page was seen online at {url} on {}, as published.",
                readable_in_zone(check.checked_at, zone)
            ),
        ),
        (Some(at), Some(url), _) if !verify && last.is_none() => (
            WebsiteState::NotChecked,
            format!(
                "The website notice was written on {} for {url}. breachd does not check that \
                 it is online there (checking is turned off in the settings), so the website \
                 duty was counted done when it was written.",
                readable_in_zone(at, zone)
            ),
        ),
        (Some(_), Some(url), Some(check)) => {
            let problem = check.error.as_deref().unwrap_or("it did not match");
            let again = match check.next_at {
                Some(next) => format!(" Trying again at {}.", readable_in_zone(next, zone)),
                None => String::new(),
            };
            let when = readable_in_zone(check.checked_at, zone);
            let what = if check.http_status.is_none() {
                format!("The notice page could not be reached at {url} ({when}): {problem}.")
            } else {
                format!("The notice page at {url} was not the one published ({when}): {problem}.")
            };
            (
                WebsiteState::Checking,
                format!("{what}{again} The website duty stays open until the page is seen there."),
            )
        }
        (Some(_), Some(url), None) => (
            WebsiteState::Checking,
            format!(
                "Checking that the notice page is online at {url}; the website duty stays open \
                 until it is seen there."
            ),
        ),
    };
    WebsiteStatus {
        state,
        verify,
        url,
        summary,
        last_check: last.map(|check| website_check(check, zone)),
        checks: checks.len() as u64,
    }
}
