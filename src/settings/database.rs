//! `[database]`: which store the daemon opens.

use super::raw::RawDatabase;
use super::Problems;

/// The URL, trimmed; only the two stores breachd has are accepted.
pub(crate) fn parse(raw: RawDatabase, problems: &mut Problems) -> String {
    let url = raw.url.trim().to_owned();
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        problems.push(
            "database.url",
            format!("{url:?} must start with sqlite:// or postgres://"),
        );
    }
    url
}
