//! `[bounces]`: the mailbox delivery status notifications come back to,
//! read over IMAP (docs/configuration.md, docs/email.md "Bounces").
//!
//! `imap_url` is `imap://user@host:port/MAILBOX` (143 and STARTTLS-less
//! plain IMAP: loopback or a trusted network only) or
//! `imaps://user@host:port/MAILBOX` (993, TLS); the mailbox defaults to
//! INBOX. The password comes from `password_file`, never from the URL, so
//! that a configuration file or a log line that shows the URL shows no
//! secret.

use super::email::read_secret;
use super::raw::RawBounces;
use super::{Problems, Secret};
use crate::duration::parse_std_duration;
use std::path::Path;
use std::time::Duration;

/// Whether the IMAP connection is wrapped in TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    /// `imaps://`: TLS from the first byte.
    Tls,
    /// `imap://`: plain text (a server on loopback or a trusted network).
    Plain,
}

#[derive(Debug, Clone)]
pub struct BounceSettings {
    pub security: ImapSecurity,
    pub host: String,
    pub port: u16,
    pub user: String,
    /// From `password_file`; never printed.
    pub password: Secret,
    pub mailbox: String,
    /// How often the mailbox is read.
    pub poll: Duration,
}

/// `Some(None)` when `imap_url` is empty (bounces are not read);
/// `bounce_address_set` is whether `email.bounce_address` is (None when
/// `[email]` itself was refused).
pub(crate) fn parse(
    raw: RawBounces,
    bounce_address_set: Option<bool>,
    problems: &mut Problems,
) -> Option<Option<BounceSettings>> {
    let text = raw.imap_url.trim();
    if text.is_empty() {
        return Some(None);
    }
    let url = problems.parse("bounces.imap_url", imap_url(text));
    let poll = problems.parse(
        "bounces.poll",
        parse_std_duration(&raw.poll).and_then(|poll| {
            if poll < Duration::from_secs(1) {
                Err("must be at least 1s".to_owned())
            } else {
                Ok(poll)
            }
        }),
    );
    let password = match raw.password_file.trim() {
        "" => {
            problems.push(
                "bounces.password_file",
                "must name the file holding the bounce mailbox's password when bounces.imap_url is set"
                    .into(),
            );
            None
        }
        path => problems.parse("bounces.password_file", read_secret(Path::new(path))),
    };
    if bounce_address_set == Some(false) {
        problems.push(
            "email.bounce_address",
            "must be set when bounces.imap_url is: without it a bounce cannot name its message"
                .into(),
        );
    }
    let (security, host, port, user, mailbox) = url?;
    Some(Some(BounceSettings {
        security,
        host,
        port,
        user,
        password: Secret::new(password?),
        mailbox,
        poll: poll?,
    }))
}

type ImapUrl = (ImapSecurity, String, u16, String, String);

fn imap_url(text: &str) -> Result<ImapUrl, String> {
    let url = reqwest::Url::parse(text).map_err(|_| {
        format!("{text:?} is not a URL such as \"imaps://bounces@mail.district.org/INBOX\"")
    })?;
    let (security, default_port) = match url.scheme() {
        "imaps" => (ImapSecurity::Tls, 993),
        "imap" => (ImapSecurity::Plain, 143),
        other => return Err(format!("the scheme {other:?} is not imap:// or imaps://")),
    };
    if url.password().is_some() {
        return Err("must not carry the password (put it in bounces.password_file)".to_owned());
    }
    let user = percent_decoded(url.username())?;
    if user.is_empty() {
        return Err("must name the mailbox's user, as in imaps://USER@host/INBOX".to_owned());
    }
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| "must name the IMAP server's host".to_owned())?
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    let mailbox = match percent_decoded(url.path().trim_start_matches('/'))? {
        path if path.is_empty() => "INBOX".to_owned(),
        path => path,
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err("takes no query or fragment".to_owned());
    }
    Ok((
        security,
        host,
        url.port().unwrap_or(default_port),
        user,
        mailbox,
    ))
}

fn percent_decoded(text: &str) -> Result<String, String> {
    form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| format!("{text:?} is not percent-encoded text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parts_of_an_imap_url() {
        let (security, host, port, user, mailbox) =
            imap_url("imaps://bounces%40district.org@mail.district.org/Bounces").unwrap();
        assert_eq!(security, ImapSecurity::Tls);
        assert_eq!(host, "mail.district.org");
        assert_eq!(port, 993);
        assert_eq!(user, "bounces@district.org");
        assert_eq!(mailbox, "Bounces");
        let (security, _, port, user, mailbox) = imap_url("imap://b+x@127.0.0.1:1143").unwrap();
        assert_eq!((security, port), (ImapSecurity::Plain, 1143));
        assert_eq!((user.as_str(), mailbox.as_str()), ("b+x", "INBOX"));
    }

    #[test]
    fn refuses_what_is_not_an_imap_mailbox() {
        for (url, words) in [
            ("https://mail.example.org", "not imap:// or imaps://"),
            (
                "imaps://mail.example.org/INBOX",
                "must name the mailbox's user",
            ),
            (
                "imaps://u:secret@mail.example.org",
                "must not carry the password",
            ),
            ("imap://u@h/INBOX?x=1", "no query"),
            ("not a url", "is not a URL"),
        ] {
            let error = imap_url(url).unwrap_err();
            assert!(error.contains(words), "{url}: {error}");
        }
    }
}
