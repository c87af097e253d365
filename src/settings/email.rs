//! `[email]`: how breachd's messages leave (files or SMTP), from whom, and
//! how fast.

use super::raw::RawEmail;
use super::values::{optional_dir, parse_mailbox};
use super::{EmailSettings, EmailTransport, Problems, StallAfter};
use crate::duration::parse_std_duration;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) fn parse(raw: RawEmail, problems: &mut Problems) -> Option<EmailSettings> {
    let transport = match raw.transport.as_str() {
        "file" => Some(EmailTransport::File),
        "smtp" => Some(EmailTransport::Smtp),
        other => {
            problems.push(
                "email.transport",
                format!("{other:?} is not \"file\" or \"smtp\""),
            );
            None
        }
    };
    let from = problems.parse("email.from", parse_mailbox(&raw.from));
    if transport == Some(EmailTransport::Smtp)
        && !(raw.url.starts_with("smtp://") || raw.url.starts_with("smtps://"))
    {
        problems.push("email.url", "must start with smtp:// or smtps://".into());
    }
    let max_connections = problems.parse(
        "email.max_connections",
        u32::try_from(raw.max_connections)
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| "must be between 1 and 1000".to_owned()),
    );
    let rate_per_second = problems.parse(
        "email.rate_per_second",
        u32::try_from(raw.rate_per_second).map_err(|_| "must be 0 (unlimited) or more".to_owned()),
    );
    let quota = |key: &str, value: Option<i64>, problems: &mut Problems| match value {
        None => Some(None),
        Some(n) => problems
            .parse(
                key,
                u32::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
                    "must be a whole number of messages, 1 or more (leave it out for no limit)"
                        .to_owned()
                }),
            )
            .map(Some),
    };
    let max_per_minute = quota("email.max_per_minute", raw.max_per_minute, problems);
    let max_per_day = quota("email.max_per_day", raw.max_per_day, problems);
    if raw.dir.trim().is_empty() {
        problems.push("email.dir", "must not be empty".into());
    }
    let timeout = problems.parse("email.timeout", parse_std_duration(&raw.timeout));
    let step = |key: &str, text: &str, problems: &mut Problems| {
        problems.parse(
            key,
            parse_std_duration(text).and_then(|limit| {
                if limit.is_zero() {
                    Err("must be more than 0s".to_owned())
                } else {
                    Ok(limit)
                }
            }),
        )
    };
    let connect_timeout = step("email.connect_timeout", &raw.connect_timeout, problems);
    let greeting_timeout = step("email.greeting_timeout", &raw.greeting_timeout, problems);
    let reply_timeout = step("email.reply_timeout", &raw.reply_timeout, problems);
    let data_timeout = step("email.data_timeout", &raw.data_timeout, problems);
    let stall_after = problems.parse(
        "email.stall_after",
        parse_stall_after(&raw.stall_after, data_timeout),
    );
    let max_parked_connections = problems.parse(
        "email.max_parked_connections",
        u32::try_from(raw.max_parked_connections)
            .ok()
            .filter(|n| *n <= MAX_PARKED)
            .ok_or_else(|| format!("must be between 0 (no parking) and {MAX_PARKED}")),
    );
    let password = match raw.password_file.trim() {
        "" => std::env::var_os("CREDENTIALS_DIRECTORY")
            .map(|dir| PathBuf::from(dir).join("smtp-password"))
            .filter(|path| path.exists())
            .and_then(|path| problems.parse("email.password_file", read_secret(&path))),
        path => problems.parse("email.password_file", read_secret(Path::new(path))),
    }
    .map(super::Secret::new);
    let templates = optional_dir("email.templates", &raw.templates, problems);
    let bounce_address = match raw.bounce_address.trim() {
        "" => Some(None),
        text => problems.parse("email.bounce_address", bounce_address(text).map(Some)),
    };
    Some(EmailSettings {
        transport: transport?,
        from: from?,
        dir: PathBuf::from(raw.dir),
        url: raw.url,
        max_connections: max_connections?,
        rate_per_second: rate_per_second?,
        max_per_minute: max_per_minute?,
        max_per_day: max_per_day?,
        timeout: timeout?,
        connect_timeout: connect_timeout?,
        greeting_timeout: greeting_timeout?,
        reply_timeout: reply_timeout?,
        data_timeout: data_timeout?,
        stall_after: stall_after?,
        max_parked_connections: max_parked_connections?,
        password,
        templates,
        bounce_address: bounce_address?,
    })
}

/// Parked connections at most: each holds a socket (a file descriptor), and
/// the systemd unit's `LimitNOFILE=8192` must leave room for the database,
/// the HTTP connections and the active SMTP ones.
const MAX_PARKED: u32 = 4096;

/// `"auto"`, or a wait shorter than `email.data_timeout` (a longer one
/// could never park anything: the step gives up first).
fn parse_stall_after(text: &str, data_timeout: Option<Duration>) -> Result<StallAfter, String> {
    if text.trim() == "auto" {
        return Ok(StallAfter::Auto);
    }
    let after = parse_std_duration(text).map_err(|error| format!("{error}, or \"auto\""))?;
    match data_timeout {
        Some(limit) if after >= limit => Err(format!(
            "must be shorter than email.data_timeout ({limit:?}), or \"auto\""
        )),
        _ => Ok(StallAfter::After(after)),
    }
}

/// The length of the token `email::verp` adds after the `+`: 22 bytes
/// (the message's id and a 48-bit MAC) in unpadded base32.
pub const VERP_TOKEN_LEN: usize = 36;

/// A bare address whose local part has no `+` of its own: breachd adds
/// `+<token>` to it for each message (VERP), and a second `+` would leave
/// the bounce mailbox's server unable to tell where the tag starts.
fn bounce_address(text: &str) -> Result<lettre::Address, String> {
    let address: lettre::Address = text.parse().map_err(|_| {
        format!("{text:?} is not a bare email address such as \"bounces@district.org\"")
    })?;
    if address.user().contains('+') {
        return Err(format!(
            "{text:?} already has a \"+\" in its local part: breachd adds \"+<token>\" itself"
        ));
    }
    // RFC 5321 § 4.5.3.1.1: a local part is at most 64 octets, and the tag
    // takes 37 of them.
    if address.user().len() > 64 - 1 - VERP_TOKEN_LEN {
        return Err(format!(
            "{text:?}: the local part is too long to carry breachd's \"+<token>\""
        ));
    }
    Ok(address)
}

pub(crate) fn read_secret(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|text| text.trim_end_matches(['\r', '\n']).to_owned())
        .map_err(|error| format!("{}: {error}", path.display()))
}
