//! Every incident, open or closed (`/incidents`): searchable by title or
//! vendor and by the date it was filed, newest first, each with its state in
//! words ("Overdue" when any duty is) and its next deadline. The deadline
//! board shows what is due; this page is where a closed incident is found.

use super::format::{self, LocalTime, StatusView};
use super::User;
use crate::state::AppState;
use crate::store::{IncidentStatusFilter, IncidentSummary};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Incidents read for one listing; a district files a handful a year.
const LISTED: i64 = 2000;

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    /// `open`, `closed` or empty (every incident).
    status: Option<String>,
    /// Words to find in the title or the vendor's name.
    q: Option<String>,
    /// Filed on or after this date (YYYY-MM-DD, the district's zone).
    from: Option<String>,
    /// Filed on or before this date.
    to: Option<String>,
}

#[derive(Serialize)]
struct Row {
    id: String,
    title: String,
    vendor: Option<String>,
    filed: LocalTime,
    state: StatusView,
    next_due: Option<LocalTime>,
}

#[derive(Serialize)]
struct IncidentsPage {
    status: String,
    q: String,
    from: String,
    to: String,
    /// A date that could not be read, in words.
    problem: Option<String>,
    rows: Vec<Row>,
}

fn date(text: Option<&str>, label: &str, problem: &mut Option<String>) -> Option<NaiveDate> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            *problem = Some(format!(
                "The {label} date is not a date such as 2026-04-20."
            ));
            None
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(search): Query<Search>,
) -> Response {
    let now = state.cases.now();
    let zone = state.settings.timezone;
    let status = match search.status.as_deref() {
        Some("open") => Some(IncidentStatusFilter::Open),
        Some("closed") => Some(IncidentStatusFilter::Closed),
        _ => None,
    };
    let mut problem = None;
    let from = date(search.from.as_deref(), "from", &mut problem);
    let to = date(search.to.as_deref(), "to", &mut problem);
    let words: Vec<String> = search
        .q
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    let listed = match state.cases.incidents(status, LISTED, 0).await {
        Ok(listed) => listed,
        Err(error) => return user.internal(&state, error),
    };
    let matches = |summary: &IncidentSummary| {
        let incident = &summary.incident;
        let haystack = format!(
            "{} {}",
            incident.title.to_lowercase(),
            incident.contractor.as_deref().unwrap_or("").to_lowercase()
        );
        let filed = incident.created_at.with_timezone(&zone).date_naive();
        words.iter().all(|word| haystack.contains(word))
            && from.is_none_or(|from| filed >= from)
            && to.is_none_or(|to| filed <= to)
    };
    let rows = listed
        .iter()
        .filter(|summary| matches(summary))
        .map(|summary| {
            let incident = &summary.incident;
            let overdue = summary.unsettled > 0 && summary.next_due_at.is_some_and(|due| due < now);
            let state = if summary.unsettled == 0 {
                StatusView {
                    word: "Closed",
                    class: "done",
                }
            } else if overdue {
                StatusView {
                    word: "Overdue",
                    class: "overdue",
                }
            } else {
                StatusView {
                    word: "Open",
                    class: "open",
                }
            };
            Row {
                id: incident.id.to_string(),
                title: incident.title.clone(),
                vendor: incident.contractor.clone(),
                filed: format::local(incident.created_at, zone),
                state,
                next_due: summary
                    .next_due_at
                    .filter(|_| summary.unsettled > 0)
                    .map(|due| format::local(due, zone)),
            }
        })
        .collect();
    let page = IncidentsPage {
        status: search.status.unwrap_or_default(),
        q: search.q.unwrap_or_default(),
        from: search.from.unwrap_or_default(),
        to: search.to.unwrap_or_default(),
        problem,
        rows,
    };
    user.page(&state, StatusCode::OK, "incidents.html", "incidents", &page)
}
