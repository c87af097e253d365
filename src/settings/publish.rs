//! `[publish]`: where the website notices are written and the public URL
//! they are served at.

use super::raw::RawPublish;
use super::values::optional_dir;
use super::Problems;
use std::path::PathBuf;

pub(crate) struct Publish {
    pub(crate) dir: PathBuf,
    /// Without a trailing slash, so links join with one.
    pub(crate) base_url: String,
    pub(crate) templates: Option<PathBuf>,
}

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
    Publish {
        templates: optional_dir("publish.templates", &raw.templates, problems),
        dir: PathBuf::from(raw.dir),
        base_url: raw.base_url.trim_end_matches('/').to_owned(),
    }
}
