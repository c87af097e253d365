//! `[notice]`: the board's notice to families: whether it needs approval,
//! its default wording, the size of each fan-out chunk, and the district's
//! letterhead for the paper letters.

use super::raw::RawNotice;
use super::{NoticeSettings, Problems};
use lettre::message::Mailbox;

/// `from` is `email.from`, the contact when `notice.contact` is empty; it is
/// `None` when that key is wrong (already a problem).
pub(crate) fn parse(
    raw: RawNotice,
    from: Option<&Mailbox>,
    problems: &mut Problems,
) -> Option<NoticeSettings> {
    for (key, text) in [
        ("notice.what_we_are_doing", &raw.what_we_are_doing),
        ("notice.what_families_can_do", &raw.what_families_can_do),
    ] {
        if text.trim().is_empty() {
            problems.push(key, "must not be empty".into());
        }
    }
    let chunk_size = u64::try_from(raw.chunk_size)
        .ok()
        .filter(|n| (1..=100_000).contains(n));
    if chunk_size.is_none() {
        problems.push("notice.chunk_size", "must be between 1 and 100000".into());
    }
    let contact = match raw.contact.trim() {
        "" => from?.to_string(),
        contact => contact.to_owned(),
    };
    let letterhead = letterhead(&raw.letterhead, problems);
    Some(NoticeSettings {
        letterhead,
        auto_send: raw.auto_send,
        what_we_are_doing: raw.what_we_are_doing.trim().to_owned(),
        what_families_can_do: raw.what_families_can_do.trim().to_owned(),
        contact,
        chunk_size: chunk_size?,
    })
}

/// The letterhead file, read and parsed now, so that a missing file or a
/// template error is a problem at start and not a failed print of letters.
fn letterhead(path: &str, problems: &mut Problems) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            problems.push(
                "notice.letterhead",
                format!("cannot read {path:?}: {error}"),
            );
            return None;
        }
    };
    let mut env = minijinja::Environment::new();
    if let Err(error) = env.add_template_owned("letterhead.html", source.clone()) {
        problems.push(
            "notice.letterhead",
            format!("{path:?} is not a valid template: {error}"),
        );
        return None;
    }
    Some(source)
}
