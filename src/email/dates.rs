//! Dates in the guardian's language: "November 29, 2026", "29 de noviembre
//! de 2026".
//!
//! Month and day names come from chrono's locale data (`unstable-locales`,
//! glibc's tables), not from a table of our own; only the order of the parts
//! is chosen here, for the languages whose notices ship. Another language
//! gets its locale's own date form where chrono knows one, English
//! otherwise.

use chrono::{Locale, NaiveDate};

/// The date as a notice in `language` (a primary subtag) writes it.
pub fn long_date(date: NaiveDate, language: &str) -> String {
    match language {
        "en" => date.format("%B %-d, %Y").to_string(),
        // Spanish writes the first of the month as "1", like every day.
        "es" => date
            .format_localized("%-d de %B de %Y", Locale::es_ES)
            .to_string(),
        other => match locale(other) {
            Some(locale) => date.format_localized("%x", locale).to_string(),
            None => long_date(date, "en"),
        },
    }
}

/// The language's locale in its own country where one exists ("fr" →
/// fr_FR), else the first of its locales chrono has.
fn locale(language: &str) -> Option<Locale> {
    let own = format!("{language}_{}", language.to_ascii_uppercase());
    Locale::try_from(own.as_str()).ok().or_else(|| {
        [
            "US", "ES", "MX", "BR", "CN", "VN", "PH", "IN", "SA", "RU", "HT", "SO", "KR", "JP",
        ]
        .iter()
        .find_map(|country| Locale::try_from(format!("{language}_{country}").as_str()).ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    #[test]
    fn english_and_spanish_long_dates() {
        assert_eq!(long_date(day(2026, 11, 29), "en"), "November 29, 2026");
        assert_eq!(
            long_date(day(2026, 11, 29), "es"),
            "29 de noviembre de 2026"
        );
        assert_eq!(long_date(day(2026, 1, 1), "es"), "1 de enero de 2026");
    }

    #[test]
    fn another_language_uses_its_locale_or_english() {
        let date = day(2026, 11, 29);
        let french = long_date(date, "fr");
        assert!(french.contains("2026") && french.contains("29"), "{french}");
        assert_eq!(long_date(date, "xx"), "November 29, 2026");
    }
}
