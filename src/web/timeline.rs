//! The incident page's timeline: an SVG chart, drawn on the server, of each
//! obligation's window from its clock start to its due time, the clock
//! events as markers, and a line at "now". This module only computes the
//! geometry; `timeline.html` draws it. Every bar's label says its status in
//! words, so the chart never relies on colour, and the same facts are in the
//! obligations table beside it for screen readers.

use super::format::{self, event_label};
use crate::store::{EventRecord, ObligationRecord};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 12.0;
const RIGHT: f64 = WIDTH - 12.0;
const TOP: f64 = 34.0;
const EVENT_ROW: f64 = 22.0;
const BAR_ROW: f64 = 46.0;
const TICKS: usize = 5;

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub width: f64,
    pub height: f64,
    pub now_x: f64,
    pub now_label: String,
    /// "start", "middle" or "end": keeps the "now" label inside the chart.
    pub now_anchor: &'static str,
    pub axis_y: f64,
    pub events: Vec<EventMark>,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    /// Obligations with no window yet (their clock has not started).
    pub not_charted: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EventMark {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub anchor: &'static str,
    pub label_x: f64,
}

#[derive(Debug, Serialize)]
pub struct Bar {
    pub label: String,
    pub label_y: f64,
    pub y: f64,
    pub x: f64,
    pub width: f64,
    /// The status's CSS class (bar colour).
    pub class: &'static str,
    /// For an overdue obligation: from the due time to now.
    pub late_x: Option<f64>,
    pub late_width: Option<f64>,
    /// Where it was completed, if it was.
    pub done_x: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    pub anchor: &'static str,
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Lays out the chart of `obligations` and `events` as of `now`.
pub fn layout(
    obligations: &[ObligationRecord],
    events: &[EventRecord],
    now: DateTime<Utc>,
    zone: Tz,
) -> Timeline {
    let charted: Vec<(&ObligationRecord, DateTime<Utc>, DateTime<Utc>)> = obligations
        .iter()
        .filter_map(|o| Some((o, o.clock_started_at?, o.due_at?)))
        .collect();
    let mut instants: Vec<DateTime<Utc>> = vec![now];
    instants.extend(events.iter().map(|e| e.at));
    for (o, start, due) in &charted {
        instants.extend([*start, *due]);
        instants.extend(o.completed_at);
    }
    // Both exist: `instants` holds at least `now`.
    let earliest = instants.iter().copied().min().unwrap_or(now);
    let latest = instants.iter().copied().max().unwrap_or(now);
    let span = (latest - earliest).max(Duration::hours(1));
    let pad = span / 25;
    let (t0, t1) = (earliest - pad, latest + pad);
    let total = (t1 - t0).num_seconds().max(1) as f64;
    let x =
        |at: DateTime<Utc>| round(LEFT + (at - t0).num_seconds() as f64 / total * (RIGHT - LEFT));
    let anchor_at = |x: f64| {
        if x > WIDTH * 0.6 {
            ("end", round(x - 9.0))
        } else {
            ("start", round(x + 9.0))
        }
    };

    let mut sorted_events: Vec<&EventRecord> = events.iter().collect();
    sorted_events.sort_by_key(|e| e.at);
    let marks: Vec<EventMark> = sorted_events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let ex = x(event.at);
            let (anchor, label_x) = anchor_at(ex);
            EventMark {
                x: ex,
                y: TOP + EVENT_ROW * i as f64 + 8.0,
                label: format!(
                    "{} · {}",
                    event_label(event.kind.as_str()),
                    short(event.at, zone, false)
                ),
                anchor,
                label_x,
            }
        })
        .collect();
    let bars_top = TOP + EVENT_ROW * marks.len() as f64 + 10.0;
    let bars: Vec<Bar> = charted
        .iter()
        .enumerate()
        .map(|(i, (o, start, due))| {
            let status = format::status(o.status(now), Some(*due), now);
            let row = bars_top + BAR_ROW * i as f64;
            let (bx, bend) = (x(*start), x(*due));
            let overdue = status.class == "overdue";
            Bar {
                label: format!(
                    "{} — {}, due {}",
                    o.title,
                    status.word.to_lowercase(),
                    short(*due, zone, true)
                ),
                label_y: row + 14.0,
                y: row + 20.0,
                x: bx,
                width: round((bend - bx).max(2.0)),
                class: status.class,
                late_x: overdue.then_some(bend),
                late_width: overdue.then(|| round((x(now) - bend).max(2.0))),
                done_x: o.completed_at.map(x),
            }
        })
        .collect();
    let axis_y = bars_top + BAR_ROW * bars.len() as f64 + 8.0;
    let with_time = t1 - t0 < Duration::days(3);
    let ticks = (0..TICKS)
        .map(|i| {
            let at = t0 + (t1 - t0) * i as i32 / (TICKS as i32 - 1);
            Tick {
                x: x(at),
                label: short(at, zone, with_time),
                anchor: match i {
                    0 => "start",
                    i if i == TICKS - 1 => "end",
                    _ => "middle",
                },
            }
        })
        .collect();
    let now_x = x(now);
    let (now_anchor, _) = anchor_at(now_x);
    Timeline {
        width: WIDTH,
        height: axis_y + 30.0,
        now_x,
        now_label: format!("now · {}", short(now, zone, true)),
        now_anchor,
        axis_y,
        events: marks,
        bars,
        ticks,
        not_charted: obligations
            .iter()
            .filter(|o| o.clock_started_at.is_none() || o.due_at.is_none())
            .map(|o| format!("{} (waits for: {})", o.title, event_label(o.clock.as_str())))
            .collect(),
    }
}

/// "12 May 23:59 EDT", or "12 May" for axis ticks of a long chart.
fn short(at: DateTime<Utc>, zone: Tz, with_time: bool) -> String {
    let local = at.with_timezone(&zone);
    if with_time {
        local.format("%-d %b %H:%M %Z").to_string()
    } else {
        local.format("%-d %b %Y").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn obligation(start: Option<&str>, due: Option<&str>) -> ObligationRecord {
        ObligationRecord {
            id: uuid::Uuid::nil(),
            subject: crate::domain::Subject::Incident(uuid::Uuid::nil()),
            kind: "k".into(),
            title: "Contractor notifies the board".into(),
            party: crate::domain::Party::Contractor,
            recipient: "the board".into(),
            clock: crate::domain::ClockEvent::discovered(),
            clock_started_at: start.map(at),
            due_at: due.map(at),
            due_kind: crate::rules::DueKind::Fixed,
            on_hold: false,
            rolled_due_at: None,
            sources: vec![],
            completed_at: None,
            completion_note: None,
            completed_by: None,
            waived_at: None,
            waive_reason: None,
            waived_by: None,
            updated_at: at("2026-04-01T00:00:00Z"),
        }
    }

    #[test]
    fn bars_run_from_clock_start_to_due_and_overdue_ones_reach_now() {
        let now = at("2026-04-20T12:00:00-04:00");
        let open = obligation(
            Some("2026-04-10T09:00:00-04:00"),
            Some("2026-05-10T23:59:59-04:00"),
        );
        let late = obligation(
            Some("2026-03-01T09:00:00-05:00"),
            Some("2026-03-31T23:59:59-04:00"),
        );
        let pending = obligation(None, None);
        let chart = layout(&[open, late, pending], &[], now, New_York);
        assert_eq!(chart.bars.len(), 2);
        assert_eq!(chart.not_charted.len(), 1);
        let (open, late) = (&chart.bars[0], &chart.bars[1]);
        assert!(open.x < chart.now_x && open.x + open.width > chart.now_x);
        assert!(open.label.contains("open"), "{}", open.label);
        assert_eq!(late.class, "overdue");
        let late_end = late.late_x.unwrap() + late.late_width.unwrap();
        assert!((late_end - chart.now_x).abs() < 0.2);
        assert!(chart
            .bars
            .iter()
            .all(|b| b.x >= LEFT && b.x + b.width <= RIGHT + 0.2));
        assert_eq!(chart.ticks.len(), TICKS);
    }

    #[test]
    fn nothing_to_chart_still_draws_now() {
        let now = at("2026-04-20T12:00:00-04:00");
        let chart = layout(&[], &[], now, New_York);
        assert!(chart.bars.is_empty());
        assert!(chart.now_x > LEFT && chart.now_x < RIGHT);
    }
}
