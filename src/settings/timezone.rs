//! `district.timezone`: only a geographic Area/Location name of the tz
//! database is accepted.
//!
//! Deadlines that end "at the end of the day" end at 23:59:59 in this zone,
//! so a zone that ignores daylight saving time moves half the year's
//! deadlines by an hour. The database's legacy names (`EST`, `EST5EDT`,
//! `US/Eastern`, `Etc/GMT+5`, `UTC`, …) are either fixed offsets or old
//! aliases; they are refused with the Area/Location name to use instead.

use chrono_tz::Tz;

/// The tz database's geographic areas; every other first component (or a
/// name without one) is a legacy, POSIX-style or fixed-offset name.
const AREAS: [&str; 10] = [
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

/// The Area/Location name that a legacy name stands for in the United States
/// and Canada, the districts breachd serves.
const REPLACEMENTS: [(&str, &str); 27] = [
    ("EST", "America/New_York"),
    ("EST5EDT", "America/New_York"),
    ("US/Eastern", "America/New_York"),
    ("US/Michigan", "America/Detroit"),
    ("US/East-Indiana", "America/Indiana/Indianapolis"),
    ("US/Indiana-Starke", "America/Indiana/Knox"),
    ("CST6CDT", "America/Chicago"),
    ("US/Central", "America/Chicago"),
    ("MST7MDT", "America/Denver"),
    ("US/Mountain", "America/Denver"),
    ("Navajo", "America/Denver"),
    ("MST", "America/Phoenix"),
    ("US/Arizona", "America/Phoenix"),
    ("PST8PDT", "America/Los_Angeles"),
    ("US/Pacific", "America/Los_Angeles"),
    ("US/Alaska", "America/Anchorage"),
    ("US/Aleutian", "America/Adak"),
    ("HST", "Pacific/Honolulu"),
    ("US/Hawaii", "Pacific/Honolulu"),
    ("US/Samoa", "Pacific/Pago_Pago"),
    ("Canada/Atlantic", "America/Halifax"),
    ("Canada/Central", "America/Winnipeg"),
    ("Canada/Eastern", "America/Toronto"),
    ("Canada/Mountain", "America/Edmonton"),
    ("Canada/Newfoundland", "America/St_Johns"),
    ("Canada/Pacific", "America/Vancouver"),
    ("Canada/Saskatchewan", "America/Regina"),
];

pub(crate) fn parse(name: &str) -> Result<Tz, String> {
    let zone = name.parse::<Tz>().map_err(|_| {
        format!("{name:?} is not an IANA time zone name such as \"America/New_York\"")
    })?;
    if is_geographic(name) {
        return Ok(zone);
    }
    let instead = match REPLACEMENTS.iter().find(|(legacy, _)| *legacy == name) {
        Some((_, replacement)) => format!("use {replacement:?}"),
        None => "use the district's Area/Location name, such as \"America/New_York\"".into(),
    };
    Err(format!(
        "{name:?} is a legacy or fixed-offset zone name, which may not follow \
         daylight saving time; {instead}"
    ))
}

fn is_geographic(name: &str) -> bool {
    match name.split_once('/') {
        Some((area, location)) => AREAS.contains(&area) && !location.is_empty(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geographic_names_are_accepted() {
        for name in [
            "America/New_York",
            "America/Chicago",
            "America/Kentucky/Louisville",
            "America/Indiana/Indianapolis",
            "America/Phoenix",
            "Pacific/Honolulu",
            "Europe/London",
        ] {
            assert_eq!(parse(name).map(|zone| zone.name()), Ok(name));
        }
    }

    #[test]
    fn legacy_and_fixed_offset_names_are_refused_with_the_name_to_use() {
        for (legacy, replacement) in [
            ("EST", "America/New_York"),
            ("EST5EDT", "America/New_York"),
            ("US/Eastern", "America/New_York"),
            ("CST6CDT", "America/Chicago"),
            ("US/Central", "America/Chicago"),
            ("MST7MDT", "America/Denver"),
            ("US/Mountain", "America/Denver"),
            ("PST8PDT", "America/Los_Angeles"),
            ("US/Pacific", "America/Los_Angeles"),
            ("HST", "Pacific/Honolulu"),
            ("US/Hawaii", "Pacific/Honolulu"),
            ("MST", "America/Phoenix"),
            ("US/Arizona", "America/Phoenix"),
        ] {
            let reason = parse(legacy).unwrap_err();
            assert!(
                reason.contains(&format!("use \"{replacement}\"")),
                "{legacy}: {reason}"
            );
        }
    }

    #[test]
    fn etc_and_utc_names_are_refused() {
        for name in ["Etc/GMT+5", "Etc/UTC", "UTC", "GMT", "Etc/GMT-10", "Cuba"] {
            let reason = parse(name).unwrap_err();
            assert!(
                reason.contains("legacy or fixed-offset"),
                "{name}: {reason}"
            );
            assert!(reason.contains("Area/Location"), "{name}: {reason}");
        }
    }

    #[test]
    fn every_replacement_is_itself_accepted() {
        for (legacy, replacement) in REPLACEMENTS {
            assert!(
                legacy.parse::<Tz>().is_ok(),
                "{legacy} is not in the database"
            );
            assert!(parse(replacement).is_ok(), "{replacement}");
        }
    }

    #[test]
    fn an_unknown_name_is_still_refused_as_such() {
        assert!(parse("America/New_Yrok")
            .unwrap_err()
            .contains("is not an IANA time zone name"));
    }
}
