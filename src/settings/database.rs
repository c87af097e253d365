//! `[database]`: which store the daemon opens, and how.

use super::raw::RawDatabase;
use super::{DatabaseSettings, Problems};

/// The connections the daemon needs at once at the least: the scheduler's
/// batch, the fan-out's recorder and feeder, and the API.
const MIN_CONNECTIONS: i64 = 4;

pub(crate) fn parse(raw: RawDatabase, problems: &mut Problems) -> (String, DatabaseSettings) {
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
    if !(MIN_CONNECTIONS..=1_000).contains(&raw.max_connections) {
        problems.push(
            "database.max_connections",
            format!("must be between {MIN_CONNECTIONS} and 1000"),
        );
    }
    let durable = match raw.sqlite_synchronous.trim() {
        "full" => true,
        "normal" => false,
        other => {
            problems.push(
                "database.sqlite_synchronous",
                format!("{other:?} must be \"full\" or \"normal\""),
            );
            true
        }
    };
    let options = DatabaseSettings {
        max_connections: u32::try_from(raw.max_connections.clamp(MIN_CONNECTIONS, 1_000))
            .unwrap_or(16),
        sqlite_durable: durable,
    };
    (url, options)
}
