//! Building one message: one recipient, a Message-ID chosen before the first
//! attempt (kept across retries, so a receiver can drop a duplicate), and the
//! headers of docs/email.md: `Auto-Submitted: auto-generated`,
//! `X-Breachd-Kind`, `X-Breachd-Incident` (not on digests) and, on a
//! reminder, `X-Breachd-Obligation`: ids for filters and scripts, kept out
//! of the text people read.

use lettre::message::header::{ContentType, HeaderName, HeaderValue, MIME_VERSION_1_0};
use lettre::message::Mailbox;
use lettre::Message;
use uuid::Uuid;

pub const KIND_REMINDER: &str = "reminder";
pub const KIND_FAMILY_NOTICE: &str = "family-notice";
pub const KIND_DIGEST: &str = "digest";
pub const KIND_DELIVERY_FAILURE: &str = "delivery-failure";
pub const KIND_DEAD_JOB: &str = "dead-job";
/// To a family: the receipt of their privacy request, then its answer.
pub const KIND_REQUEST_RECEIPT: &str = "request-receipt";
pub const KIND_REQUEST_ANSWER: &str = "request-answer";
/// The privacy officer's alert that family notices could not be built.
pub const KIND_NOTICE_FAULT: &str = "notice-fault";
pub const KIND_AGREEMENT_EXPIRY: &str = "agreement-expiry";
/// To a guardian: a consent campaign's request (docs/vendors.md, "Consent").
pub const KIND_CONSENT_REQUEST: &str = "consent-request";
/// To a guardian: a contract's notice, where the rule in force required it.
pub const KIND_CONTRACT_NOTICE: &str = "contract-notice";

#[derive(Debug, Clone)]
pub struct Outgoing {
    pub kind: &'static str,
    pub incident_id: Option<Uuid>,
    /// The obligations a reminder is about (one or several of a step).
    pub obligation_ids: Vec<Uuid>,
    pub to: Mailbox,
    pub subject: String,
    pub body: String,
    pub message_id: String,
}

/// A new Message-ID in the sender's domain: `<uuid@domain>`.
pub fn new_message_id(from: &Mailbox) -> String {
    format!("<{}@{}>", Uuid::now_v7(), from.email.domain())
}

pub fn build(from: &Mailbox, outgoing: &Outgoing) -> Result<Message, String> {
    let mut message = Message::builder()
        .from(from.clone())
        .to(outgoing.to.clone())
        .subject(outgoing.subject.clone())
        .message_id(Some(outgoing.message_id.clone()))
        // lettre adds it only to multipart bodies; RFC 2045 § 4 wants it on
        // every MIME message, and some filters score its absence as spam.
        .header(MIME_VERSION_1_0)
        .header(ContentType::TEXT_PLAIN)
        .body(outgoing.body.clone())
        .map_err(|error| format!("the message cannot be built: {error}"))?;
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("Auto-Submitted"),
        "auto-generated".into(),
    ));
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("X-Breachd-Kind"),
        outgoing.kind.into(),
    ));
    if let Some(incident) = outgoing.incident_id {
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Breachd-Incident"),
            incident.to_string(),
        ));
    }
    if !outgoing.obligation_ids.is_empty() {
        let ids: Vec<String> = outgoing
            .obligation_ids
            .iter()
            .map(Uuid::to_string)
            .collect();
        headers.insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Breachd-Obligation"),
            ids.join(", "),
        ));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_contract_headers() {
        let from: Mailbox = "Data Privacy Team <dataprivacy@example.org>"
            .parse()
            .unwrap();
        let incident = Uuid::now_v7();
        let outgoing = Outgoing {
            kind: KIND_REMINDER,
            incident_id: Some(incident),
            obligation_ids: Vec::new(),
            to: "cto@example.org".parse().unwrap(),
            subject: "s".into(),
            body: "b".into(),
            message_id: new_message_id(&from),
        };
        let text = String::from_utf8(build(&from, &outgoing).unwrap().formatted()).unwrap();
        assert!(text.contains("Auto-Submitted: auto-generated"));
        assert!(text.contains("MIME-Version: 1.0\r\n"), "{text}");
        assert!(text.contains("X-Breachd-Kind: reminder"));
        assert!(text.contains(&format!("X-Breachd-Incident: {incident}")));
        assert!(text.contains(&format!("Message-ID: {}", outgoing.message_id)));
    }
}
