//! The evidence as a printable page (`GET .../evidence?format=html`): the
//! compliance record a board secretary prints, in words, with every time in
//! the district's zone in a readable form. The JSON export is the source;
//! this only lays it out, one section per question an auditor asks (what
//! happened, what was owed, how each duty was met, what families were told,
//! what the log shows and whether it is intact).

use super::Evidence;
use chrono::DateTime;
use chrono_tz::Tz;
use minijinja::{AutoEscape, Environment};
use std::sync::LazyLock;

const RECORD: &str = include_str!("../../config/templates/evidence/record.html");

/// The template, parsed once; its filters take the zone from the record.
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("words", words);
    env.add_template("record.html", RECORD)
        .expect("the embedded evidence template parses: a unit test renders it");
    env
});

/// "incident.filed" → "Incident filed", "board_notified" → "Board notified".
fn words(text: String) -> String {
    let spaced = text.replace(['.', '_'], " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "Tue 12 May 2026, 11:59 PM EDT" for an RFC 3339 time; anything else as
/// it is.
fn when(text: &str, zone: Tz) -> String {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => {
            let local = at.with_timezone(&zone);
            local.format("%a %-d %b %Y, %-I:%M %p %Z").to_string()
        }
        Err(_) => text.to_owned(),
    }
}

/// The record as HTML.
pub fn render(evidence: &Evidence) -> Result<String, minijinja::Error> {
    let zone: Tz = evidence.timezone.parse().unwrap_or(Tz::UTC);
    // The zone is the record's own, so the filter is added per render on a
    // copy of the parsed environment (cheap: templates are shared).
    let mut env = TEMPLATES.clone();
    env.add_filter("when", move |text: String| when(&text, zone));
    env.get_template("record.html")?
        .render(minijinja::context! { e => evidence })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_names_read_as_words() {
        let zone: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            when("2026-05-12T23:59:59-04:00", zone),
            "Tue 12 May 2026, 11:59 PM EDT"
        );
        assert_eq!(when("not a time", zone), "not a time");
        assert_eq!(words("incident.filed".into()), "Incident filed");
        assert_eq!(words("board_notified".into()), "Board notified");
    }
}
