//! `[publish]`: where the website notices are written, the public URL
//! they are served at, and whether breachd checks that the public sees them
//! there before it counts the website duty done.

use super::raw::RawPublish;
use super::values::optional_dir;
use super::Problems;
use crate::duration::parse_std_duration;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) struct Publish {
    pub(crate) dir: PathBuf,
    /// Without a trailing slash, so links join with one.
    pub(crate) base_url: String,
    pub(crate) templates: Option<PathBuf>,
    pub(crate) verify: bool,
    pub(crate) verify_retry: Duration,
}

/// The check's first wait after a miss: long enough for a web server's cache
/// or a sync job to catch up, short enough to see a fixed site soon. It
/// doubles on each miss up to an hour (`scheduler::backoff`).
const RETRY_RANGE: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(3600));

pub(crate) fn parse(raw: RawPublish, problems: &mut Problems) -> Publish {
    if raw.dir.trim().is_empty() {
        problems.push("publish.dir", "must not be empty".into());
    }
    match reqwest::Url::parse(&raw.base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        _ => problems.push(
            "publish.base_url",
            format!("{:?} is not an http(s) URL", raw.base_url),
        ),
    }
    let verify_retry = problems
        .parse(
            "publish.verify_retry",
            parse_std_duration(&raw.verify_retry),
        )
        .filter(|retry| {
            let ok = (RETRY_RANGE.0..=RETRY_RANGE.1).contains(retry);
            if !ok {
                problems.push(
                    "publish.verify_retry",
                    "must be between 100ms and 1h".into(),
                );
            }
            ok
        })
        .unwrap_or(Duration::from_secs(60));
    Publish {
        verify: raw.verify,
        verify_retry,
        templates: optional_dir("publish.templates", &raw.templates, problems),
        dir: PathBuf::from(raw.dir),
        base_url: raw.base_url.trim_end_matches('/').to_owned(),
    }
}
