//! `[log]`: the log's format and its tracing filter.

use super::raw::RawLog;
use super::{LogFormat, Problems};

pub(crate) struct Log {
    pub(crate) format: LogFormat,
    pub(crate) level: String,
}

pub(crate) fn parse(raw: RawLog, problems: &mut Problems) -> Option<Log> {
    let format = match raw.format.as_str() {
        "auto" => Some(LogFormat::Auto),
        "human" => Some(LogFormat::Human),
        "json" => Some(LogFormat::Json),
        other => {
            problems.push(
                "log.format",
                format!("{other:?} is not auto, human or json"),
            );
            None
        }
    };
    if tracing_subscriber::EnvFilter::try_new(&raw.level).is_err() {
        problems.push(
            "log.level",
            format!("{:?} is not a tracing filter such as \"info\"", raw.level),
        );
    }
    Some(Log {
        format: format?,
        level: raw.level,
    })
}
