//! Bounces: delivery status notifications (RFC 3464) that come back to
//! `email.bounce_address` after the mail server accepted a message, read
//! from that mailbox over IMAP (`mailbox`), parsed (`dsn`) and matched to
//! the message they return by its VERP token (`email::verp`). What a bounce
//! changes (the delivery, the student's coverage, a follow-up) is the
//! scheduler's (`scheduler::bounces`).

pub mod dsn;
pub mod mailbox;

use super::verp::Verp;
use dsn::{Action, Dsn, RecipientStatus};
use uuid::Uuid;

/// A message larger than this is not read: a DSN returns the headers or
/// the body of one of breachd's messages, a few kilobytes; anything larger
/// is something else and parsing it is not worth the time.
pub const MAX_DSN_BYTES: u32 = 256 * 1024;

/// What one message of the bounce mailbox is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// No delivery-status part: an auto-reply, spam, a person's mail.
    NotADsn,
    /// A DSN whose VERP addresses name no message of breachd's (or carry a
    /// token that is not ours).
    Unmatched,
    /// A DSN about one of ours that reports no failure (delayed, relayed,
    /// delivered).
    NotAFailure(Uuid),
    /// The message `email_id` bounced.
    Bounce {
        email_id: Uuid,
        recipients: Vec<RecipientStatus>,
    },
}

/// Reads one message: whether it is a DSN, which of breachd's messages it
/// returns (only a valid VERP token says so) and whether it failed.
pub fn read(raw: &[u8], verp: &Verp) -> Reading {
    let Some(Dsn {
        recipients,
        sender_hints,
    }) = dsn::parse(raw)
    else {
        return Reading::NotADsn;
    };
    let Some(email_id) = sender_hints.iter().flat_map(|hint| verp.find(hint)).next() else {
        return Reading::Unmatched;
    };
    if !recipients.iter().any(|r| r.action == Action::Failed) {
        return Reading::NotAFailure(email_id);
    }
    Reading::Bounce {
        email_id,
        recipients,
    }
}

/// The failed recipient block about `address` (the message's one
/// recipient): the block naming it, else the only failed block, else the
/// first failed one (a relay that rewrote the address).
pub fn failure_for<'a>(
    recipients: &'a [RecipientStatus],
    address: &str,
) -> Option<&'a RecipientStatus> {
    let failed: Vec<&RecipientStatus> = recipients
        .iter()
        .filter(|r| r.action == Action::Failed)
        .collect();
    let names = |r: &RecipientStatus| {
        [&r.final_recipient, &r.original_recipient]
            .into_iter()
            .flatten()
            .any(|given| given.eq_ignore_ascii_case(address))
    };
    failed
        .iter()
        .copied()
        .find(|r| names(r))
        .or_else(|| failed.first().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verp() -> Verp {
        Verp::new(
            &"bounces@district.example".parse().expect("a valid address"),
            [3; 32],
        )
    }

    /// The fixture with the VERP token of `id` and the recipient put in,
    /// as the IMAP tests do.
    fn fixture(text: &str, verp: &Verp, id: Uuid) -> Vec<u8> {
        text.replace("VERPTOKEN", &verp.token(id))
            .replace("gone@families.example", "pat@families.example")
            .replace('\n', "\r\n")
            .into_bytes()
    }

    #[test]
    fn each_fixture_names_its_message_with_the_status_and_text() {
        let verp = verp();
        for (text, status, diagnostic) in [
            (
                include_str!("../../../tests/data/dsn/postfix.eml"),
                "5.1.1",
                "550 5.1.1 <pat@families.example>: Recipient address rejected: User unknown in virtual mailbox table",
            ),
            (
                include_str!("../../../tests/data/dsn/exim.eml"),
                "5.0.0",
                "550 5.1.1 <pat@families.example>: Recipient address rejected: User unknown in virtual mailbox table",
            ),
            (
                include_str!("../../../tests/data/dsn/exchange.eml"),
                "5.1.10",
                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
            ),
        ] {
            let id = Uuid::now_v7();
            let Reading::Bounce {
                email_id,
                recipients,
            } = read(&fixture(text, &verp, id), &verp)
            else {
                panic!("a bounce: {text}");
            };
            assert_eq!(email_id, id);
            let failure = failure_for(&recipients, "pat@families.example").expect("a failure");
            assert_eq!(failure.status, status);
            assert_eq!(failure.diagnostic.as_deref(), Some(diagnostic));
        }
    }

    #[test]
    fn a_token_of_another_key_or_none_matches_nothing() {
        let ours = verp();
        let theirs = Verp::new(
            &"bounces@district.example".parse().expect("a valid address"),
            [4; 32],
        );
        let postfix = include_str!("../../../tests/data/dsn/postfix.eml");
        let forged = fixture(postfix, &theirs, Uuid::now_v7());
        assert_eq!(read(&forged, &ours), Reading::Unmatched);
        let delayed = postfix.replace("Action: failed", "Action: delayed");
        let id = Uuid::now_v7();
        assert_eq!(
            read(&fixture(&delayed, &ours, id), &ours),
            Reading::NotAFailure(id)
        );
        assert_eq!(
            read(b"Subject: hello\r\n\r\nJust a note.\r\n", &ours),
            Reading::NotADsn
        );
    }
}
