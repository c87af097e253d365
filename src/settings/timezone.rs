//! `district.timezone`: an IANA time zone name.

use chrono_tz::Tz;

pub(crate) fn parse(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("{name:?} is not an IANA time zone name such as \"America/New_York\""))
}
