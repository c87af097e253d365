//! One family notice as the bytes that go on the wire: the guardian's
//! wording from the district's template, with the headers of docs/email.md.
//!
//! What every message of an incident shares is prepared once per incident
//! (the template context as a minijinja value; the From, MIME, kind and
//! incident headers, encoded by lettre into bytes); each message adds its
//! recipient, subject, Message-ID, date and body, its headers encoded by
//! lettre too. `Message::builder` would redo the shared part for each of
//! thousands of messages.
//!
//! The body goes as 7bit when it is plain ASCII with no line longer than
//! RFC 5322's limit of 998 octets (the English notice, whose posted-notice
//! line is longer than the 76 columns lettre keeps to); anything else is
//! encoded as lettre chooses (quoted-printable or base64).

use super::context::PerGuardian;
use crate::email::message::KIND_FAMILY_NOTICE;
use crate::email::verp::Verp;
use crate::email::Templates;
use crate::store::FamilyDelivery;
use lettre::address::Envelope;
use lettre::message::header::{self, ContentType, HeaderName, HeaderValue, Headers};
use lettre::message::{Body, Mailbox, Mailboxes};
use std::sync::Arc;
use uuid::Uuid;

pub struct Composer {
    templates: Arc<Templates>,
    /// The context, laid together per guardian.
    contexts: PerGuardian,
    /// From, MIME-Version, Content-Type, Auto-Submitted, X-Breachd-Kind,
    /// X-Breachd-Incident, encoded.
    shared_headers: Vec<u8>,
    from: lettre::Address,
    /// `email.bounce_address`'s VERP sender per message, when set.
    verp: Option<Arc<Verp>>,
}

/// RFC 5322 § 2.1.1: a line is at most 998 octets, CRLF excluded.
const MAX_LINE: usize = 998;

/// Why a message was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeError {
    /// This recipient's address cannot be written to: a permanent delivery
    /// failure of this message alone.
    Address(String),
    /// The message could not be built (its template failed to render):
    /// breachd's fault, not the family's. The chunk stops, the privacy
    /// officer is told, and nobody is marked failed. The text names the
    /// template and the kind of error, never a family's names.
    Build(String),
}

/// A message ready to send.
#[derive(Clone)]
pub struct Composed {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
}

impl Composer {
    pub fn new(
        templates: Arc<Templates>,
        from: &Mailbox,
        incident_id: Uuid,
        shared: &serde_json::Value,
    ) -> Self {
        let mut headers = Headers::new();
        headers.set(header::From::from(Mailboxes::from(from.clone())));
        headers.set(header::MIME_VERSION_1_0);
        headers.set(ContentType::TEXT_PLAIN);
        for (name, value) in [
            ("Auto-Submitted", "auto-generated".to_owned()),
            ("X-Breachd-Kind", KIND_FAMILY_NOTICE.to_owned()),
            ("X-Breachd-Incident", incident_id.to_string()),
        ] {
            headers.insert_raw(HeaderValue::new(
                HeaderName::new_from_ascii_str(name),
                value,
            ));
        }
        Self {
            templates,
            contexts: PerGuardian::new(shared),
            shared_headers: headers.to_string().into_bytes(),
            from: from.email.clone(),
            verp: None,
        }
    }

    /// Each message's envelope sender becomes its VERP address.
    pub fn with_verp(mut self, verp: Option<Arc<Verp>>) -> Self {
        self.verp = verp;
        self
    }

    /// The message to one guardian address, naming all of its children.
    pub fn compose(&self, delivery: &FamilyDelivery) -> Result<Composed, ComposeError> {
        let recipient = &delivery.recipient;
        let children: Vec<&str> = recipient.children.iter().map(|c| c.name.as_str()).collect();
        let context = self.contexts.for_guardian(
            recipient.language.as_deref(),
            recipient.name.as_str(),
            &children,
        );
        let template = self
            .templates
            .family_notice_for(recipient.language.as_deref());
        let rendered = self
            .templates
            .render_private(&template, context)
            .map_err(ComposeError::Build)?;
        // A bare address (the roster's), not lettre's full mailbox syntax.
        let to = Mailbox::new(
            None,
            delivery
                .email
                .recipient
                .parse::<lettre::Address>()
                .map_err(|_| ComposeError::Address("the recipient address is not valid".into()))?,
        );
        let sender = match &self.verp {
            Some(verp) => verp.sender(delivery.email.id),
            None => self.from.clone(),
        };
        let envelope = Envelope::new(Some(sender), vec![to.email.clone()]).map_err(|error| {
            ComposeError::Address(format!("the message cannot be addressed: {error}"))
        })?;
        let body = seven_bit(&rendered.body).unwrap_or_else(|| Body::new(rendered.body));
        let mut headers = Headers::with_capacity(5);
        headers.set(header::To::from(Mailboxes::from(to)));
        headers.set(header::Subject::from(rendered.subject));
        headers.set(header::MessageId::from(delivery.email.message_id.clone()));
        headers.set(header::Date::now());
        headers.set(body.encoding());
        let head = headers.to_string();
        let mut bytes = Vec::with_capacity(self.shared_headers.len() + head.len() + 2 + body.len());
        bytes.extend_from_slice(&self.shared_headers);
        bytes.extend_from_slice(head.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&body.into_vec());
        Ok(Composed { envelope, bytes })
    }
}

/// The text with CRLF line ends as a 7bit body, if it is one: ASCII, no
/// NUL, no bare CR, no line over `MAX_LINE`.
fn seven_bit(text: &str) -> Option<Body> {
    if !text.is_ascii() || text.contains(['\0', '\r']) {
        return None;
    }
    if text.split('\n').any(|line| line.len() > MAX_LINE) {
        return None;
    }
    let mut crlf = Vec::with_capacity(text.len() + text.len() / 32);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(line) => {
                crlf.extend_from_slice(line.as_bytes());
                crlf.extend_from_slice(b"\r\n");
            }
            None => crlf.extend_from_slice(line.as_bytes()),
        }
    }
    Some(Body::dangerous_pre_encoded(
        crlf,
        header::ContentTransferEncoding::SevenBit,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{EmailRecord, EmailStatus, NoticeChild, NoticeRecipient};
    use serde_json::json;

    fn delivery(address: &str, language: Option<&str>, children: &[&str]) -> FamilyDelivery {
        FamilyDelivery {
            email: EmailRecord {
                id: Uuid::now_v7(),
                job_id: None,
                kind: KIND_FAMILY_NOTICE.into(),
                incident_id: None,
                recipient: address.into(),
                message_id: "<m1@example.org>".into(),
                status: EmailStatus::Queued,
                attempts: 0,
                last_reply: None,
                next_attempt_at: None,
                sent_at: None,
            },
            recipient: NoticeRecipient {
                email: address.into(),
                name: "Pat Guardian".into(),
                language: language.map(str::to_owned),
                children: children
                    .iter()
                    .map(|name| NoticeChild {
                        student_id: "s1".into(),
                        name: (*name).into(),
                    })
                    .collect(),
            },
        }
    }

    fn composer(incident: Uuid) -> Composer {
        let from: Mailbox = "Data Privacy Team <dataprivacy@example.org>"
            .parse()
            .unwrap();
        let shared = json!({
            "district": "Example Public Schools",
            "what_happened": "A vendor's export was read by someone else.",
            "discovered_on": "November 28, 2026",
            "discoverer": "Vendor Inc.",
            "data_classes": [{"code": "student_information", "description": "Grades"}],
            "by_language": {
                "en": {"data_classes": [{"code": "student_information", "description": "student information (not directory information)", "elements": ["grades", "date of birth"]}]},
                "es": {"data_classes": [{"code": "student_information", "description": "student information (not directory information)", "elements": ["calificaciones", "fecha de nacimiento"]}],
                       "what_happened": "Alguien leyó la exportación del proveedor."},
            },
            "what_we_are_doing": "Working with the vendor.",
            "what_families_can_do": "Nothing yet.",
            "contact": "privacy@example.org",
            "notice_url": "https://www.example.org/notices/x.html",
        });
        Composer::new(
            Arc::new(Templates::load(None).unwrap()),
            &from,
            incident,
            &shared,
        )
    }

    #[test]
    fn a_notice_carries_the_contract_headers_and_names_every_child() {
        let incident = Uuid::now_v7();
        let composed = composer(incident)
            .compose(&delivery("g1@families.example", None, &["Ana", "Ben"]))
            .unwrap();
        let text = String::from_utf8(composed.bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        for expected in [
            "From: \"Data Privacy Team\" <dataprivacy@example.org>",
            "To: g1@families.example",
            "Message-ID: <m1@example.org>",
            "Auto-Submitted: auto-generated",
            "X-Breachd-Kind: family-notice",
            &format!("X-Breachd-Incident: {incident}"),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Date: ",
        ] {
            assert!(head.contains(expected), "{expected} missing from\n{head}");
        }
        assert!(body.contains("Dear Pat Guardian"), "{body}");
        assert!(body.contains("your children: Ana, Ben"), "{body}");
        // What leaked, in words, grouped by class.
        assert!(
            body.contains(
                "- Student information (not directory information): grades, date of birth\r\n\r\nWHAT WE ARE DOING"
            ),
            "{body}"
        );
        assert_eq!(
            composed
                .envelope
                .to()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["g1@families.example"]
        );
        assert_eq!(
            composed.envelope.from().map(ToString::to_string).as_deref(),
            Some("dataprivacy@example.org")
        );
    }

    #[test]
    fn a_spanish_speaking_guardian_gets_the_spanish_variant_encoded_for_7bit() {
        let composed = composer(Uuid::now_v7())
            .compose(&delivery("g2@families.example", Some("es-MX"), &["Ana"]))
            .unwrap();
        // Accented text goes out quoted-printable (or base64): 7-bit clean.
        assert!(composed.bytes.is_ascii());
        let text = String::from_utf8(composed.bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains("Content-Transfer-Encoding: quoted-printable"),
            "{head}"
        );
        assert!(head.contains("Subject: Aviso de un incidente"), "{head}");
        assert!(
            head.contains("=?utf-8?b?"),
            "the subject's accents are encoded: {head}"
        );
        // Each data class on a line of its own with its elements in
        // Spanish words, then a blank line and the next heading.
        let body = quoted_printable(body);
        assert!(
            body.contains(
                "- Información del estudiante (que no es de directorio): calificaciones, fecha de nacimiento\r\n\r\nQUÉ ESTAMOS"
            ),
            "{body}"
        );
        // The Spanish text the administrator wrote, over the English.
        assert!(
            body.contains("Alguien leyó la exportación del proveedor."),
            "{body}"
        );
        assert!(!body.contains("A vendor's export"), "{body}");
    }

    /// RFC 2045 § 6.7's decoding, enough for these tests.
    fn quoted_printable(encoded: &str) -> String {
        let joined = encoded.replace("=\r\n", "");
        let mut bytes = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            match (first, tail.get(..2)) {
                (b'=', Some(hex)) => {
                    let hex = std::str::from_utf8(hex).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    rest = &tail[2..];
                }
                _ => {
                    bytes.push(first);
                    rest = tail;
                }
            }
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn plain_ascii_goes_as_7bit_with_crlf_and_long_lines_are_kept_within_limits() {
        let body = seven_bit("one\ntwo\n").unwrap();
        assert_eq!(body.encoding(), header::ContentTransferEncoding::SevenBit);
        assert_eq!(body.into_vec(), b"one\r\ntwo\r\n");
        let long_but_legal = "x".repeat(MAX_LINE);
        assert!(seven_bit(&long_but_legal).is_some());
        assert!(
            seven_bit(&"x".repeat(MAX_LINE + 1)).is_none(),
            "998 octets at most"
        );
        assert!(seven_bit("caf\u{e9}").is_none(), "not ASCII");
        assert!(seven_bit("bare\rCR").is_none());
        // The English notice (its posted-notice line is over 76 columns).
        let composed = composer(Uuid::now_v7())
            .compose(&delivery("g3@families.example", Some("en"), &["Ana"]))
            .unwrap();
        let text = String::from_utf8(composed.bytes).unwrap();
        assert!(text.contains("Content-Transfer-Encoding: 7bit"), "{text}");
        assert!(
            text.contains(
                "privacy@example.org\r\n\r\nThis notice is also posted at https://www.example.org/notices/x.html\r\n"
            ),
            "{text}"
        );
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "CRLF line ends only"
        );
    }

    #[test]
    fn with_a_bounce_address_the_envelope_sender_names_the_message() {
        let verp = Arc::new(Verp::new(&"bounces@example.org".parse().unwrap(), [7; 32]));
        let notice = delivery("g4@families.example", None, &["Ana"]);
        let composed = composer(Uuid::now_v7())
            .with_verp(Some(Arc::clone(&verp)))
            .compose(&notice)
            .unwrap();
        let sender = composed.envelope.from().map(ToString::to_string).unwrap();
        assert_eq!(sender, verp.sender(notice.email.id).to_string());
        let token = sender
            .strip_prefix("bounces+")
            .and_then(|rest| rest.strip_suffix("@example.org"))
            .unwrap();
        assert_eq!(verp.email_id(token), Some(notice.email.id));
        let text = String::from_utf8(composed.bytes).unwrap();
        assert!(
            text.contains("From: \"Data Privacy Team\" <dataprivacy@example.org>"),
            "the From people see is unchanged: {text}"
        );
    }

    #[test]
    fn a_malformed_address_is_a_permanent_failure() {
        let error = composer(Uuid::now_v7())
            .compose(&delivery("not an address", None, &["Ana"]))
            .err()
            .unwrap();
        assert_eq!(
            error,
            ComposeError::Address("the recipient address is not valid".into())
        );
    }

    #[test]
    fn a_template_that_fails_for_one_family_is_a_build_error_naming_no_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("family-notice.txt"),
            "Subject: Notice\n\nDear {{ guardian }}\n{% if guardian == \"Pat Guardian\" %}{{ guardian | no_such_filter }}{% endif %}\n",
        )
        .unwrap();
        let mut composer = composer(Uuid::now_v7());
        composer.templates = Arc::new(Templates::load(Some(dir.path())).unwrap());
        let error = composer
            .compose(&delivery("g1@families.example", None, &["Ana"]))
            .err()
            .unwrap();
        let ComposeError::Build(text) = error else {
            panic!("{error:?}")
        };
        assert!(text.starts_with("template family-notice.txt"), "{text}");
        assert!(!text.contains("Pat") && !text.contains("Ana"), "{text}");
    }
}
