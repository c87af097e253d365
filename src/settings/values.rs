//! Value parsers that more than one section uses, so that a date, a mailbox
//! or a template folder is refused with the same words wherever it appears.

use super::Problems;
use chrono::NaiveDate;
use lettre::message::Mailbox;
use std::path::{Path, PathBuf};

pub(crate) fn parse_mailbox(text: &str) -> Result<Mailbox, String> {
    text.trim().parse::<Mailbox>().map_err(|_| {
        format!("{text:?} is not an email address such as \"Name <user@example.org>\"")
    })
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date \"YYYY-MM-DD\""))
}

/// An optional folder of templates: empty means the embedded ones; a path
/// that is not a folder is a problem (a typo would otherwise silently fall
/// back to the embedded templates).
pub(crate) fn optional_dir(key: &str, text: &str, problems: &mut Problems) -> Option<PathBuf> {
    match text.trim() {
        "" => None,
        dir if Path::new(dir).is_dir() => Some(PathBuf::from(dir)),
        dir => {
            problems.push(key, format!("{dir:?} is not a folder"));
            None
        }
    }
}
