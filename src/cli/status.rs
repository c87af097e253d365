//! `breachd status`: the open duties at a glance, for a person at a terminal.
//!
//! The API's listing is the source; this module only words it: a summary line
//! first ("2 overdue, 1 due within 24 hours, 5 open"), then one short block per
//! duty with its title, the incident, the due time in the district's zone in a
//! readable form, the time left, and the incident's id to copy into other
//! commands. `--json` prints the API's answer unchanged.

use super::{answer, api_token, base_url, text};
use crate::words::count;
use anyhow::Context;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

pub(super) async fn status(
    config: Option<&Path>,
    url: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let token = api_token()?;
    let base = base_url(config, url);
    // Every page, not the first thousand.
    let client = reqwest::Client::new();
    let mut all: Vec<Value> = Vec::new();
    let mut offset = 0_i64;
    let mut listing = loop {
        let url =
            format!("{base}/api/v1/obligations?status=overdue,open&limit=1000&offset={offset}");
        let response = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .with_context(|| format!("reaching {url}"))?;
        let page = answer(response).await?;
        all.extend(page["obligations"].as_array().cloned().unwrap_or_default());
        match page["next_offset"].as_i64() {
            Some(next) if next > offset => offset = next,
            _ => break page,
        }
    };
    listing["obligations"] = Value::Array(all);
    if let Some(object) = listing.as_object_mut() {
        object.remove("next_offset");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&listing)?);
    } else {
        print!("{}", summary(&listing));
    }
    Ok(ExitCode::SUCCESS)
}

/// The listing in words: the summary line, then a block per duty.
fn summary(listing: &Value) -> String {
    let zone: Option<Tz> = listing["timezone"].as_str().and_then(|z| z.parse().ok());
    let now = listing["now"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(Utc::now);
    let obligations = listing["obligations"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if obligations.is_empty() {
        return "Nothing is open: every duty is met or waived.\n".to_owned();
    }
    let due = |o: &Value| {
        o["due_at"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
    };
    let overdue = obligations
        .iter()
        .filter(|o| o["status"] == "overdue")
        .count();
    let soon = obligations
        .iter()
        .filter(|o| o["status"] != "overdue")
        .filter(|o| due(o).is_some_and(|at| at.with_timezone(&Utc) - now <= Duration::hours(24)))
        .count();
    let open = obligations.len() - overdue;
    let mut out = format!("{overdue} overdue, {soon} due within 24 hours, {open} open\n");
    for obligation in obligations {
        out.push('\n');
        let flag = if obligation["status"] == "overdue" {
            "OVERDUE: "
        } else {
            ""
        };
        out.push_str(&format!("{flag}{}\n", text(obligation, "title")));
        out.push_str(&format!("  for {}\n", text(obligation, "incident_title")));
        let when = match due(obligation) {
            Some(at) => format!(
                "due {} ({})",
                readable(at, zone),
                time_left(at.with_timezone(&Utc) - now)
            ),
            None => match obligation["due_kind"].as_str() {
                Some("as_soon_as_practicable") => {
                    "due as soon as practicable (the law sets no fixed time)".to_owned()
                }
                Some("relative") => "due with the duty it is tied to".to_owned(),
                _ => "no due time yet".to_owned(),
            },
        };
        out.push_str(&format!("  {when}\n"));
        out.push_str(&format!(
            "  incident id {}\n",
            text(obligation, "incident_id")
        ));
    }
    out
}

/// "Sun 10 May 2026, 11:59 PM EDT" in the district's zone, or with the
/// offset the daemon gave where its zone is unknown (an older daemon).
fn readable(at: DateTime<FixedOffset>, zone: Option<Tz>) -> String {
    const FORMAT: &str = "%a %-d %b %Y, %-I:%M %p";
    match zone {
        Some(zone) => {
            let local = at.with_timezone(&zone);
            format!("{} {}", local.format(FORMAT), local.format("%Z"))
        }
        None => format!("{} (UTC{})", at.format(FORMAT), at.format("%:z")),
    }
}

/// "28 days 11 hours left", "5 hours 12 minutes overdue".
fn time_left(remaining: Duration) -> String {
    let (magnitude, suffix) = if remaining < Duration::zero() {
        (-remaining, "overdue")
    } else {
        (remaining, "left")
    };
    let days = magnitude.num_days().unsigned_abs();
    let hours = (magnitude.num_hours() % 24).unsigned_abs();
    let minutes = (magnitude.num_minutes() % 60).unsigned_abs();
    let text = if days > 0 {
        format!(
            "{} {}",
            count(days, "day", "days"),
            count(hours, "hour", "hours")
        )
    } else if hours > 0 {
        format!(
            "{} {}",
            count(hours, "hour", "hours"),
            count(minutes, "minute", "minutes")
        )
    } else {
        count(minutes, "minute", "minutes")
    };
    format!("{text} {suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_summary_counts_and_words_each_duty() {
        let listing = json!({
            "now": "2026-05-10T12:00:00-04:00",
            "timezone": "America/New_York",
            "obligations": [
                {"title": "Board notifies families", "incident_title": "Vendor breach",
                 "incident_id": "a1", "status": "overdue", "due_kind": "fixed",
                 "due_at": "2026-05-09T23:59:59-04:00", "kind": "board_notifies_families"},
                {"title": "Contractor notifies the board", "incident_title": "Vendor breach",
                 "incident_id": "a1", "status": "open", "due_kind": "fixed",
                 "due_at": "2026-05-10T23:59:59-04:00", "kind": "contractor_notifies_board"},
                {"title": "District notifies residents", "incident_title": "Ransomware",
                 "incident_id": "b2", "status": "open", "due_kind": "as_soon_as_practicable",
                 "due_at": null, "kind": "entity_notifies_residents"},
            ]
        });
        let text = summary(&listing);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "1 overdue, 1 due within 24 hours, 2 open");
        assert!(text.contains("OVERDUE: Board notifies families"), "{text}");
        assert!(
            text.contains("due Sun 10 May 2026, 11:59 PM EDT (11 hours 59 minutes left)"),
            "{text}"
        );
        assert!(text.contains("due as soon as practicable"), "{text}");
        assert!(text.contains("incident id b2"), "{text}");
        // The machine's kind names are for scripts (`--json`), not people.
        assert!(!text.contains("contractor_notifies_board"), "{text}");
    }

    #[test]
    fn nothing_open_says_so() {
        let listing = json!({"now": "2026-05-10T12:00:00-04:00", "obligations": []});
        assert!(summary(&listing).starts_with("Nothing is open"));
    }

    #[test]
    fn an_unknown_zone_keeps_the_offset() {
        let at = DateTime::parse_from_rfc3339("2026-05-10T23:59:59-04:00").unwrap();
        assert_eq!(readable(at, None), "Sun 10 May 2026, 11:59 PM (UTC-04:00)");
        assert_eq!(
            time_left(Duration::minutes(-312)),
            "5 hours 12 minutes overdue"
        );
        assert_eq!(time_left(Duration::hours(25)), "1 day 1 hour left");
    }
}
