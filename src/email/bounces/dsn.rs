//! Reading a delivery status notification (RFC 3464): the MIME with
//! mail-parser, then the `message/delivery-status` part's blocks of
//! `field: value` lines (one per message, then one per recipient) with
//! mail-parser's header parser, and the VERP addresses that name breachd's
//! message (`email::verp`).
//!
//! Pure: bytes in, what the DSN says out. Nothing here trusts the DSN's
//! claims about which message it returns; the caller keeps only those a
//! valid VERP token names.

use mail_parser::{MessageParser, MimeHeaders, PartType};

/// The status of one recipient, from its per-recipient block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientStatus {
    /// `Final-Recipient`'s address (the `rfc822;` type removed).
    pub final_recipient: Option<String>,
    pub original_recipient: Option<String>,
    pub action: Action,
    /// RFC 3463's code, e.g. `5.1.1`.
    pub status: String,
    /// `Diagnostic-Code`'s text (the `smtp;` type removed), unfolded.
    pub diagnostic: Option<String>,
}

/// RFC 3464 § 2.3.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The message could not be delivered: a bounce.
    Failed,
    /// Still being tried: not a bounce.
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}

impl Action {
    fn parse(text: &str) -> Option<Self> {
        let word = text.split(['(', ' ', '\t']).next().unwrap_or("");
        match word.to_ascii_lowercase().as_str() {
            "failed" => Some(Action::Failed),
            "delayed" => Some(Action::Delayed),
            "delivered" => Some(Action::Delivered),
            "relayed" => Some(Action::Relayed),
            "expanded" => Some(Action::Expanded),
            _ => None,
        }
    }
}

/// What a DSN says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dsn {
    pub recipients: Vec<RecipientStatus>,
    /// Header values and fields that may carry the envelope sender of the
    /// returned message (our VERP address): the DSN's own To, Delivered-To,
    /// X-Original-To and Envelope-To, the per-message Original-Envelope-Id,
    /// and every header of the returned message or headers.
    pub sender_hints: Vec<String>,
}

/// The longest diagnostic text kept: a remote server's reply is a line or
/// two; a longer one is cut.
const MAX_DIAGNOSTIC: usize = 1000;

/// The DSN in `raw`, or None when it is not one (no delivery-status part).
pub fn parse(raw: &[u8]) -> Option<Dsn> {
    let message = MessageParser::default().parse(raw)?;
    let mut dsn = Dsn::default();
    for name in ["To", "Delivered-To", "X-Original-To", "Envelope-To"] {
        dsn.sender_hints
            .extend(raw_values(message.headers(), raw_of(&message), name));
    }
    let mut found = false;
    for part in &message.parts {
        let Some(content_type) = part.content_type() else {
            continue;
        };
        let (ctype, subtype) = (
            content_type.ctype().to_ascii_lowercase(),
            content_type.subtype().unwrap_or("").to_ascii_lowercase(),
        );
        match (ctype.as_str(), subtype.as_str()) {
            ("message", "delivery-status" | "global-delivery-status") => {
                found = true;
                read_status(part.contents(), &mut dsn);
            }
            ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                dsn.sender_hints.extend(all_values(part.contents()));
            }
            _ => {}
        }
        if let PartType::Message(returned) = &part.body {
            let head = returned.raw_message();
            dsn.sender_hints.extend(all_values(head));
        }
    }
    found.then_some(dsn)
}

fn raw_of<'a>(message: &'a mail_parser::Message<'a>) -> &'a [u8] {
    &message.raw_message
}

/// Each header `name`'s raw value, unfolded.
fn raw_values(headers: &[mail_parser::Header<'_>], raw: &[u8], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|header| header.name.as_str().eq_ignore_ascii_case(name))
        .filter_map(|header| {
            raw.get(header.offset_start as usize..header.offset_end as usize)
                .map(|value| unfold(&String::from_utf8_lossy(value)))
        })
        .collect()
}

/// Every header value of a header block.
fn all_values(block: &[u8]) -> Vec<String> {
    let Some(parsed) = MessageParser::default().parse_headers(block) else {
        return Vec::new();
    };
    parsed
        .headers()
        .iter()
        .filter_map(|header| {
            block
                .get(header.offset_start as usize..header.offset_end as usize)
                .map(|value| unfold(&String::from_utf8_lossy(value)))
        })
        .collect()
}

/// The per-message block, then one block per recipient, separated by blank
/// lines; each block's fields read with mail-parser's header parser.
fn read_status(body: &[u8], dsn: &mut Dsn) {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let blocks: Vec<&str> = text
        .split("\n\n")
        .map(|block| block.trim_matches('\n'))
        .filter(|block| !block.trim().is_empty())
        .collect();
    for (index, block) in blocks.iter().enumerate() {
        // The header parser wants a header block: the fields, then an empty line.
        let block = format!("{}\r\n\r\n", block.replace('\n', "\r\n"));
        let Some(parsed) = MessageParser::default().parse_headers(block.as_bytes()) else {
            continue;
        };
        let field = |name: &str| {
            raw_values(parsed.headers(), block.as_bytes(), name)
                .into_iter()
                .next()
        };
        if index == 0 && field("Final-Recipient").is_none() {
            dsn.sender_hints.extend(field("Original-Envelope-Id"));
            continue;
        }
        let (Some(action), Some(status)) = (
            field("Action").as_deref().and_then(Action::parse),
            field("Status").as_deref().and_then(status_code),
        ) else {
            continue;
        };
        dsn.recipients.push(RecipientStatus {
            final_recipient: field("Final-Recipient").map(|v| typed_value(&v)),
            original_recipient: field("Original-Recipient").map(|v| typed_value(&v)),
            action,
            status,
            diagnostic: field("Diagnostic-Code")
                .map(|v| typed_value(&v))
                .filter(|v| !v.is_empty())
                .map(|v| cut(&v)),
        });
    }
}

/// RFC 3463's `class.subject.detail` at the start of a Status field (a
/// comment may follow).
fn status_code(text: &str) -> Option<String> {
    let code = text.split(|c: char| c.is_whitespace() || c == '(').next()?;
    let parts: Vec<&str> = code.split('.').collect();
    let digits = |part: &str, max: usize| {
        !part.is_empty() && part.len() <= max && part.bytes().all(|b| b.is_ascii_digit())
    };
    (parts.len() == 3
        && matches!(parts[0], "2" | "4" | "5")
        && digits(parts[1], 3)
        && digits(parts[2], 3))
    .then(|| code.to_owned())
}

/// `type; value` (RFC 3464's address-type or diagnostic-type) without its type.
fn typed_value(text: &str) -> String {
    match text.split_once(';') {
        Some((kind, value)) if !kind.trim().contains(' ') => value.trim().to_owned(),
        _ => text.trim().to_owned(),
    }
}

fn unfold(text: &str) -> String {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_DIAGNOSTIC) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSTFIX_LIKE: &str = "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\n\
To: bounces+abc@district.example\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\
\r\n\
--B\r\n\
Content-Type: text/plain\r\n\
\r\n\
I'm sorry to have to inform you that your message could not be delivered.\r\n\
--B\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example\r\n\
Original-Envelope-Id: ENV1\r\n\
\r\n\
Final-Recipient: rfc822; gone@families.example\r\n\
Original-Recipient: rfc822;gone@families.example\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@families.example>: Recipient address\r\n\
\x20   rejected: User unknown\r\n\
\r\n\
--B\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: Data Privacy Team <dataprivacy@district.example>\r\n\
Return-Path: <bounces+xyz@district.example>\r\n\
Message-ID: <m1@district.example>\r\n\
--B--\r\n";

    #[test]
    fn reads_the_recipient_block_and_the_sender_hints() {
        let dsn = parse(POSTFIX_LIKE.as_bytes()).expect("a DSN");
        assert_eq!(
            dsn.recipients,
            [RecipientStatus {
                final_recipient: Some("gone@families.example".into()),
                original_recipient: Some("gone@families.example".into()),
                action: Action::Failed,
                status: "5.1.1".into(),
                diagnostic: Some(
                    "550 5.1.1 <gone@families.example>: Recipient address rejected: User unknown"
                        .into()
                ),
            }]
        );
        for hint in [
            "bounces+abc@district.example",
            "ENV1",
            "<bounces+xyz@district.example>",
        ] {
            assert!(
                dsn.sender_hints.iter().any(|h| h.contains(hint)),
                "{hint} in {:?}",
                dsn.sender_hints
            );
        }
    }

    #[test]
    fn a_message_without_a_delivery_status_part_is_not_a_dsn() {
        assert_eq!(
            parse(b"From: a@b.example\r\nSubject: out of office\r\n\r\nAway.\r\n"),
            None
        );
        assert_eq!(parse(b""), None);
    }

    #[test]
    fn a_delay_is_read_as_such_and_a_status_must_be_a_code() {
        let delayed = POSTFIX_LIKE
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1 (connection timed out)");
        let dsn = parse(delayed.as_bytes()).expect("a DSN");
        assert_eq!(dsn.recipients[0].action, Action::Delayed);
        assert_eq!(dsn.recipients[0].status, "4.4.1");
        let nonsense = POSTFIX_LIKE.replace("Status: 5.1.1", "Status: bad");
        assert!(parse(nonsense.as_bytes())
            .expect("a DSN")
            .recipients
            .is_empty());
    }
}
