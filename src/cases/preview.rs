//! The notice exactly as each audience will receive it, before approval:
//! the email to a guardian of one child and to a guardian of several, in a
//! language, and what the website page will say; and a test message of it
//! to one of the district's own contacts (never to a family).
//!
//! The preview renders from the same context and templates as the fan-out
//! (`scheduler::jobs::fanout::context`), so what it shows is what is sent.

use super::{Context, ServiceError};
use crate::domain::FieldError;
use crate::email::message::{build, new_message_id, Outgoing};
use crate::email::templates::{primary_language, Templates};
use crate::email::SendOutcome;
use crate::rules::element_words::FALLBACK_LANGUAGE;
use crate::scheduler::jobs::fanout::context::{notice_context, PerGuardian};
use crate::store::{IncidentRecord, NoticeRecord};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// Stand-ins for a family's names: the preview is not any family's message.
const GUARDIAN: &str = "[guardian's name]";
const ONE_CHILD: [&str; 1] = ["[child's name]"];
const SEVERAL_CHILDREN: [&str; 2] = ["[first child's name]", "[second child's name]"];

/// The kind header of a test message (docs/email.md).
pub const KIND_NOTICE_TEST: &str = "notice-test";

/// One rendered message of the preview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewEmail {
    /// Who receives this shape: "a guardian of one child", "a guardian of
    /// several children".
    pub audience: &'static str,
    pub subject: String,
    pub body: String,
}

/// The website page as it will read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewWebsite {
    pub title: String,
    pub url: String,
    /// What leaked, in words, one line per class.
    pub data_classes: Vec<String>,
}

/// The draft as each audience will receive it, in one language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticePreview {
    /// The language shown (a primary tag such as "es").
    pub language: String,
    /// The template the messages are written from.
    pub template: String,
    pub emails: Vec<PreviewEmail>,
    pub website: PreviewWebsite,
    /// Text fields this language has no text of its own for: they read
    /// English in its messages.
    pub english_fallback: Vec<String>,
    /// Placeholders still to fill in or delete before approval.
    pub placeholders: Vec<String>,
    /// The guardian addresses approval would send to (one message each);
    /// null until a roster is imported.
    pub recipients: Option<u64>,
}

/// What a test message went to, and how the server answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestSent {
    pub to: String,
    pub subject: String,
}

async fn incident_and_notice(
    cases: &Context,
    incident_id: Uuid,
) -> Result<(IncidentRecord, NoticeRecord), ServiceError> {
    let incident = cases
        .store
        .incident(incident_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let notice = match cases.store.notice(incident_id).await? {
        Some(notice) => notice,
        None => super::notices::draft(&incident, &cases.settings, cases.now()),
    };
    Ok((incident, notice))
}

/// The preview in `language` (English when none is given).
pub async fn preview(
    cases: &Context,
    templates: &Templates,
    incident_id: Uuid,
    language: Option<&str>,
) -> Result<NoticePreview, ServiceError> {
    let language = match language {
        None => FALLBACK_LANGUAGE.to_owned(),
        Some(tag) => primary_language(tag).ok_or_else(|| {
            ServiceError::Invalid(vec![FieldError::new(
                "language",
                "is not a language code such as \"es\"",
            )])
        })?,
    };
    let (incident, notice) = incident_and_notice(cases, incident_id).await?;
    let recipients = cases
        .store
        .latest_roster_import(incident_id)
        .await?
        .map(|roster| roster.recipients);
    let context = notice_context(&cases.settings, &incident, &notice);
    let contexts = PerGuardian::new(&context);
    let template = templates.family_notice_for(Some(&language));
    let mut emails = Vec::new();
    for (audience, children) in [
        ("a guardian of one child", &ONE_CHILD[..]),
        ("a guardian of several children", &SEVERAL_CHILDREN[..]),
    ] {
        let rendered = render(templates, &template, &contexts, &language, children)
            .map_err(|error| ServiceError::Invalid(vec![FieldError::new("template", error)]))?;
        emails.push(PreviewEmail {
            audience,
            subject: rendered.0,
            body: rendered.1,
        });
    }
    let in_language = language_part(&context, &language);
    let english_fallback = in_language["english_fallback"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let website = PreviewWebsite {
        title: notice.public_title.clone().unwrap_or_else(|| {
            crate::site::default_public_title(
                incident.contractor.as_deref(),
                &cases.settings.district_name,
            )
        }),
        url: crate::scheduler::jobs::publish::page_url(&cases.settings, incident_id),
        data_classes: crate::site::data_class_lines(
            &cases
                .settings
                .engine
                .taxonomy
                .in_words(&incident.classification, FALLBACK_LANGUAGE),
        ),
    };
    Ok(NoticePreview {
        language: language.clone(),
        template,
        emails,
        website,
        english_fallback: if language == FALLBACK_LANGUAGE {
            Vec::new()
        } else {
            english_fallback
        },
        placeholders: notice
            .unfilled_placeholders()
            .into_iter()
            .map(|(field, text)| format!("{field}: {text}"))
            .collect(),
        recipients,
    })
}

/// Mails the rendered notice (a guardian of one child, in `language`) to
/// `to`, which must be one of the district's configured contacts.
pub async fn send_test(
    cases: &Context,
    templates: &Templates,
    mailer: &crate::email::Mailer,
    incident_id: Uuid,
    to: &str,
    language: Option<&str>,
) -> Result<TestSent, ServiceError> {
    let contact = cases
        .settings
        .contacts
        .values()
        .flatten()
        .find(|mailbox| mailbox.email.to_string().eq_ignore_ascii_case(to.trim()))
        .cloned()
        .ok_or_else(|| {
            ServiceError::Invalid(vec![FieldError::new(
                "to",
                "is not one of the district's contacts ([contacts] in the configuration): \
                 a test goes only to the district's own people, never to a family",
            )])
        })?;
    let preview = preview(cases, templates, incident_id, language).await?;
    let email = &preview.emails[0];
    let from = &cases.settings.email.from;
    let outgoing = Outgoing {
        kind: KIND_NOTICE_TEST,
        incident_id: Some(incident_id),
        obligation_ids: Vec::new(),
        to: contact.clone(),
        subject: format!("[TEST] {}", email.subject),
        body: format!(
            "This is a test of the notice to families, sent only to you. \
             Families receive it, with their own names, once the notice is approved.\n\n{}",
            email.body
        ),
        message_id: new_message_id(from),
    };
    let message = build(from, &outgoing)
        .map_err(|error| ServiceError::Invalid(vec![FieldError::new("template", error)]))?;
    match mailer.send(message, cases.settings.email.timeout).await {
        SendOutcome::Sent(_) => Ok(TestSent {
            to: contact.email.to_string(),
            subject: outgoing.subject,
        }),
        SendOutcome::Temporary(reply) | SendOutcome::Permanent(reply) => Err(
            ServiceError::Conflict(format!("the test message was not accepted: {reply}")),
        ),
    }
}

fn language_part<'a>(context: &'a Value, language: &str) -> &'a Value {
    let by_language = &context["by_language"];
    match &by_language[language] {
        Value::Null => &by_language[FALLBACK_LANGUAGE],
        part => part,
    }
}

/// One message's subject and body for a stand-in guardian.
fn render(
    templates: &Templates,
    template: &str,
    contexts: &PerGuardian,
    language: &str,
    children: &[&str],
) -> Result<(String, String), String> {
    let context = contexts.for_guardian(Some(language), GUARDIAN, children);
    let rendered = templates.render(template, context)?;
    Ok((rendered.subject, rendered.body))
}
