//! The deadline board (`/`): every open and overdue obligation across
//! incidents, overdue first, then soonest due, with what is due, to whom,
//! when (in the district's zone), how long is left or how late it is, its
//! status in words and colour, and its operative citation. Below it, the
//! obligations still waiting for their clock event, so that a duty nobody
//! has started the clock on is not forgotten either. Administrators also
//! see the work breachd stopped retrying (dead jobs), so that a reminder or
//! a publication that keeps failing is not silently missing.

use super::format::{self, LocalTime, StatusView};
use super::User;
use crate::domain::ObligationStatus;
use crate::state::AppState;
use crate::store::{ObligationFilter, ObligationRecord, ObligationWithIncident};
use crate::views::time_left;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Rows per page: a phone shows a page quickly, and a thousand open duties
/// are five pages, not one 700 KiB page.
const PAGE_ROWS: i64 = 200;
const PENDING_LIMIT: i64 = 500;

#[derive(Serialize)]
struct Row {
    /// The subject's staff page: its incident's or its request's.
    page: String,
    incident_title: String,
    obligation_id: String,
    title: String,
    recipient: String,
    party: String,
    status: StatusView,
    due: Option<LocalTime>,
    time_left: Option<String>,
    citation: Option<String>,
    citation_url: Option<String>,
    /// How many other sources the obligation lists (shown on its incident).
    other_sources: usize,
    /// What the obligation waits for, in words.
    clock: String,
    /// Set for a duty the law gives no fixed time: it is due now.
    no_fixed_time: bool,
    /// For the families' notice: how many affected students no email,
    /// letter or exception has covered yet.
    unreached: Option<usize>,
}

#[derive(Serialize)]
struct BoardPage {
    now: LocalTime,
    rows: Vec<Row>,
    overdue: i64,
    soon: usize,
    /// Open and overdue in all, on every page.
    open_total: i64,
    /// 1-based; `pages` in all.
    page: i64,
    pages: i64,
    pending: Vec<Row>,
    /// Administrators only: jobs parked as dead, most recent first.
    dead: Vec<DeadRow>,
    /// Families' duties completed before a bounce came back: letters owed.
    follow_ups: Vec<FollowUpRow>,
}

/// A follow-up in words: the incident by title and how many letters.
#[derive(Serialize)]
struct FollowUpRow {
    incident_id: String,
    incident_title: String,
    letters_needed: usize,
}

/// A dead job in words: the work, its incident by title, when it stopped,
/// the last error (no ids shown; the link carries the incident's).
#[derive(Serialize)]
struct DeadRow {
    work: String,
    incident_id: Option<String>,
    incident_title: Option<String>,
    died: Option<LocalTime>,
    last_error: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct BoardQuery {
    page: Option<String>,
}

/// The source whose due time is the operative one (the earliest), or the
/// first while the clock has not started.
pub fn operative_source(record: &ObligationRecord) -> Option<&crate::rules::SourcePlan> {
    record
        .sources
        .iter()
        .filter(|s| s.due_at.is_some())
        .min_by_key(|s| s.due_at)
        .or_else(|| record.sources.first())
}

/// A rule pack's source URL, if it is a web address: packs are operator
/// data, and a `javascript:` URL must never become a link.
pub fn web_url(url: Option<&str>) -> Option<String> {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(str::to_owned)
}

fn row(item: &ObligationWithIncident, now: DateTime<Utc>, zone: Tz) -> Row {
    let record = &item.obligation;
    let status = record.status(now);
    let source = operative_source(record);
    Row {
        page: record.subject.page_path(),
        incident_title: item.incident_title.clone(),
        obligation_id: record.id.to_string(),
        title: record.title.clone(),
        recipient: record.recipient.clone(),
        party: record.party.to_string(),
        status: format::status(status, record.due_at, now),
        due: record.due_at.map(|due| format::local(due, zone)),
        time_left: record
            .due_at
            .filter(|_| !status.is_settled())
            .map(|due| time_left(due - now)),
        citation: source.map(|s| s.citation.clone()),
        citation_url: source.and_then(|s| web_url(s.source_url.as_deref())),
        other_sources: record.sources.len().saturating_sub(1),
        clock: if record.on_hold {
            "the end of a law-enforcement delay".to_owned()
        } else {
            format::event_label(record.clock.as_str())
        },
        no_fixed_time: record.undated() == crate::domain::Undated::NoFixedTime,
        unreached: None,
    }
}

/// Fills in the unreached students of each open families' notice, reading
/// which incidents have a roster once and each such incident's coverage once.
async fn add_unreached(state: &AppState, rows: &mut [Row], open: &[ObligationWithIncident]) {
    let engine = &state.settings.engine;
    let families = |item: &ObligationWithIncident| {
        engine.is_own_work(&item.obligation.kind, crate::rules::OwnWork::FamilyNotice)
    };
    let incidents: Vec<uuid::Uuid> = open
        .iter()
        .filter(|item| families(item))
        .filter_map(|item| item.obligation.subject.incident())
        .collect();
    // The board still shows when coverage cannot be read; the incident page
    // names the problem.
    let counts = match state.cases.unreached_by_incident(incidents).await {
        Ok(counts) => counts,
        Err(error) => {
            tracing::warn!(error = %error, "reading coverage for the board failed");
            return;
        }
    };
    for (row, item) in rows.iter_mut().zip(open) {
        if families(item) {
            row.unreached = item
                .obligation
                .subject
                .incident()
                .and_then(|incident| counts.get(&incident).copied());
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    axum::extract::Query(query): axum::extract::Query<BoardQuery>,
) -> Response {
    let now = state.cases.now();
    let zone = state.settings.timezone;
    let filter = |statuses: Vec<ObligationStatus>, limit: i64, offset: i64| ObligationFilter {
        statuses,
        due_before: None,
        incident_id: None,
        now,
        limit,
        offset,
    };
    let counts = match state.cases.obligation_counts().await {
        Ok(counts) => counts,
        Err(error) => return user.internal(&state, error),
    };
    let count = |status: ObligationStatus| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let overdue = count(ObligationStatus::Overdue);
    let open_total = overdue + count(ObligationStatus::Open);
    let pages = ((open_total + PAGE_ROWS - 1) / PAGE_ROWS).max(1);
    // A page past the last shows the last.
    let page = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let open = state
        .cases
        .obligations(&filter(
            vec![ObligationStatus::Open, ObligationStatus::Overdue],
            PAGE_ROWS,
            (page - 1) * PAGE_ROWS,
        ))
        .await;
    let soon = state
        .cases
        .obligations(&ObligationFilter {
            due_before: Some(now + format::SOON),
            ..filter(vec![ObligationStatus::Open], PAGE_ROWS * 25, 0)
        })
        .await;
    let pending = state
        .cases
        .obligations(&filter(
            vec![ObligationStatus::Pending, ObligationStatus::OnHold],
            PENDING_LIMIT,
            0,
        ))
        .await;
    let (open, soon, pending) = match (open, soon, pending) {
        (Ok(open), Ok(soon), Ok(pending)) => (open, soon, pending),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            return user.internal(&state, error)
        }
    };
    // The store answers overdue first, then soonest due, across pages.
    let mut rows: Vec<Row> = open.iter().map(|item| row(item, now, zone)).collect();
    add_unreached(&state, &mut rows, &open).await;
    let dead = if user.session.role == crate::auth::Role::Admin {
        match state.cases.jobs(true).await {
            Ok(listed) => listed
                .into_iter()
                .map(|listed| DeadRow {
                    work: listed.job.kind.in_words().to_owned(),
                    incident_id: listed.job.incident_id.map(|id| id.to_string()),
                    incident_title: listed.incident_title,
                    died: listed.job.finished_at.map(|at| format::local(at, zone)),
                    last_error: listed.job.last_error,
                })
                .collect(),
            Err(error) => return user.internal(&state, error),
        }
    } else {
        Vec::new()
    };
    // The board still shows when they cannot be read; the incident page
    // lists each student.
    let follow_ups = match state.cases.follow_ups().await {
        Ok(owed) => owed
            .into_iter()
            .map(|f| FollowUpRow {
                incident_id: f.incident_id.to_string(),
                incident_title: f.incident_title,
                letters_needed: f.letters_needed,
            })
            .collect(),
        Err(error) => {
            tracing::warn!(error = %error, "reading the bounce follow-ups for the board failed");
            Vec::new()
        }
    };
    let page = BoardPage {
        follow_ups,
        now: format::local(now, zone),
        overdue,
        soon: soon.len(),
        open_total,
        page,
        pages,
        rows,
        pending: pending.iter().map(|item| row(item, now, zone)).collect(),
        dead,
    };
    user.page(&state, StatusCode::OK, "board.html", "board", &page)
}
