//! How the pages word things: instants in the district's zone (with the
//! zone's abbreviation, so nobody wonders whose 23:59 it is), statuses as a
//! word plus a colour class (never colour alone), event and class names in
//! plain English, and local date-times typed into `datetime-local` inputs.

use crate::domain::ObligationStatus;
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// An instant as a page shows it: words for people, RFC 3339 for `<time>`.
#[derive(Debug, Clone, Serialize)]
pub struct LocalTime {
    /// "Tue 12 May 2026, 23:59:59 EDT"
    pub text: String,
    /// "2026-05-12T23:59:59-04:00"
    pub iso: String,
}

pub fn local(at: DateTime<Utc>, zone: Tz) -> LocalTime {
    let local = at.with_timezone(&zone);
    // Seconds only when they matter: end-of-day deadlines are 23:59:59.
    let pattern = if local.second() == 0 {
        "%a %-d %b %Y, %H:%M %Z"
    } else {
        "%a %-d %b %Y, %H:%M:%S %Z"
    };
    LocalTime {
        text: local.format(pattern).to_string(),
        // Whole seconds: HTML's `<time datetime>` takes at most three
        // fraction digits, and a clock's nanoseconds mean nothing here.
        iso: local.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
    }
}

/// The value a `datetime-local` input shows for an instant.
pub fn input_value(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads what a `datetime-local` input sent, as a time in the district's
/// zone. A time that happens twice (the hour repeated when daylight-saving
/// time ends) is read as the first of the two: the earlier start gives the
/// earlier deadline, which is breachd's rule wherever a reading is unclear.
/// A time that does not exist (the hour skipped in spring) is refused.
pub fn parse_input(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "is not a date and time (expected e.g. 2026-04-20T14:30)".to_owned())?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(at) => Ok(at.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, second) => Ok(first.min(second).with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "does not exist in {zone}: the clocks skip this hour when daylight-saving time starts"
        )),
    }
}

/// A status as shown: a word, and a CSS class that colours it.
#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub word: &'static str,
    pub class: &'static str,
}

/// Open obligations due within this long are flagged "due soon".
pub const SOON: chrono::Duration = chrono::Duration::hours(24);

pub fn status(
    status: ObligationStatus,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StatusView {
    let (word, class) = match status {
        ObligationStatus::Overdue => ("Overdue", "overdue"),
        ObligationStatus::Open if due.is_some_and(|due| due - now <= SOON) => ("Due soon", "soon"),
        ObligationStatus::Open => ("Open", "open"),
        ObligationStatus::Pending => ("Waiting", "pending"),
        ObligationStatus::OnHold => ("On hold", "pending"),
        ObligationStatus::Done => ("Done", "done"),
        ObligationStatus::Late => ("Done late", "late"),
        ObligationStatus::Waived => ("Waived", "waived"),
    };
    StatusView { word, class }
}

/// "board_notified" → "Board notified"; the events the packs ship get
/// wording that says who did what.
pub fn event_label(kind: &str) -> String {
    match kind {
        "discovered" => "Breach discovered or suspected".into(),
        "board_notified" => "Board received the notice".into(),
        "families_notified" => "Families notified".into(),
        "website_posted" => "Website notice posted".into(),
        "residents_notified" => "Residents notified".into(),
        "determined" => "Breach determined".into(),
        "recovered" => "Systems recovered".into(),
        "delay_requested" => "Law enforcement asked for a delay".into(),
        "delay_ended" => "Law enforcement delay ended".into(),
        "contract_executed" => "Contract executed".into(),
        "received" => "Request received".into(),
        "contract_notice_posted" => "Contract notice posted".into(),
        "contract_families_notified" => "Families emailed notice of the contract".into(),
        "contract_amendment_requested" => "Contractor asked to amend the contract".into(),
        other => sentence(other),
    }
}

/// A taxonomy element's name for a checkbox: "student_name" → "Student
/// name", with the usual acronyms in capitals ("ssn" → "SSN").
pub fn element_label(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .map(|word| match word {
            "ssn" | "id" | "gpa" | "iep" => word.to_ascii_uppercase(),
            other => other.to_owned(),
        })
        .collect();
    sentence(&words.join(" "))
}

/// "student_name" → "Student name".
pub fn sentence(identifier: &str) -> String {
    let spaced = identifier.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::timestamp::format_in_zone;
    use chrono_tz::America::New_York;

    #[test]
    fn a_time_element_gets_whole_seconds() {
        let at = DateTime::parse_from_rfc3339("2026-05-13T03:59:59.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local(at, New_York).iso, "2026-05-12T23:59:59-04:00");
    }

    #[test]
    fn local_times_name_their_zone() {
        let at = DateTime::parse_from_rfc3339("2026-05-13T03:59:59Z")
            .unwrap()
            .with_timezone(&Utc);
        let shown = local(at, New_York);
        assert_eq!(shown.text, "Tue 12 May 2026, 23:59:59 EDT");
        assert_eq!(shown.iso, "2026-05-12T23:59:59-04:00");
    }

    #[test]
    fn inputs_are_read_in_the_district_zone() {
        let at = parse_input("2026-04-18T09:00", New_York).unwrap();
        assert_eq!(format_in_zone(at, New_York), "2026-04-18T09:00:00-04:00");
        assert_eq!(input_value(at, New_York), "2026-04-18T09:00");
        // The repeated hour in November: the first (daylight) reading.
        let at = parse_input("2026-11-01T01:30", New_York).unwrap();
        assert_eq!(format_in_zone(at, New_York), "2026-11-01T01:30:00-04:00");
        // The skipped hour in March.
        assert!(parse_input("2026-03-08T02:30", New_York).is_err());
        assert!(parse_input("yesterday", New_York).is_err());
    }

    #[test]
    fn statuses_have_words() {
        let now = Utc::now();
        let soon = status(
            ObligationStatus::Open,
            Some(now + chrono::Duration::hours(3)),
            now,
        );
        assert_eq!((soon.word, soon.class), ("Due soon", "soon"));
        assert_eq!(status(ObligationStatus::Overdue, None, now).word, "Overdue");
        assert_eq!(sentence("student_name"), "Student name");
        assert_eq!(element_label("ssn"), "SSN");
        assert_eq!(element_label("student_id"), "Student ID");
        assert_eq!(event_label("board_notified"), "Board received the notice");
    }
}
