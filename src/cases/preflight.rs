//! The approval's preflight: before anything is planned, every variant of
//! the message the fan-out will send is rendered (each language among the
//! roster's guardians, as the fan-out picks its template and wording, for a
//! guardian of one child and of several children), and so is the website
//! page. A template that fails refuses the approval (422) naming the
//! template, the variant and the error, and nothing is planned or sent.
//!
//! It renders with stand-in names (as the preview does), so an error may be
//! quoted whole: it holds no family's data. A template that fails only for
//! some real family's data still passes here; the fan-out then stops that
//! chunk as breachd's fault (`scheduler::jobs::fanout`).

use super::{Context, ServiceError};
use crate::domain::FieldError;
use crate::email::Templates;
use crate::scheduler::jobs::fanout::context::{notice_context, PerGuardian};
use crate::scheduler::jobs::publish;
use crate::store::{IncidentRecord, NoticeRecord};
use std::collections::BTreeSet;

/// Stand-ins for a family's names (the preview's).
const GUARDIAN: &str = "[guardian's name]";
const SHAPES: [(&str, &[&str]); 2] = [
    ("a guardian of one child", &["[child's name]"]),
    (
        "a guardian of several children",
        &["[first child's name]", "[second child's name]"],
    ),
];

/// Renders every message variant and the website page; the failures, each
/// under the field `template`, naming the template, the variant and the
/// error.
pub async fn check(
    cases: &Context,
    templates: &Templates,
    incident: &IncidentRecord,
    notice: &NoticeRecord,
) -> Result<(), ServiceError> {
    let languages = cases.store.roster_languages(incident.id).await?;
    let context = notice_context(&cases.settings, incident, notice);
    let contexts = PerGuardian::new(&context);
    // The fan-out picks a guardian's template by the language tag and the
    // wording by the notice's languages: each pair once.
    let variants: BTreeSet<(String, String)> = languages
        .iter()
        .map(|tag| {
            (
                templates.family_notice_for(tag.as_deref()),
                contexts.language(tag.as_deref()),
            )
        })
        .collect();
    let mut failures = Vec::new();
    for (template, language) in &variants {
        for (audience, children) in SHAPES {
            let context = contexts.for_guardian(Some(language), GUARDIAN, children);
            if let Err(error) = templates.render(template, context) {
                failures.push(FieldError::new(
                    "template",
                    format!(
                        "{template} cannot be written for {audience} (language {language}): {error}"
                    ),
                ));
            }
        }
    }
    let students = match incident.affected_students {
        Some(count) => Some(count),
        None => cases
            .store
            .latest_roster_import(incident.id)
            .await?
            .map(|import| import.students),
    };
    let page = publish::public_notice(&cases.settings, incident, notice, students, cases.now());
    let publisher = publish::directory_publisher(&cases.settings);
    // It may read the district's website templates from disk.
    let rendered = tokio::task::spawn_blocking(move || publisher.render_page(&page))
        .await
        .map_err(|error| ServiceError::Conflict(format!("rendering the website page: {error}")))?;
    if let Err(error) = rendered {
        failures.push(FieldError::new(
            "template",
            format!("notice.html (the website page) cannot be written: {error}"),
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        tracing::warn!(incident_id = %incident.id, failures = failures.len(), "approval refused: a template does not render");
        Err(ServiceError::Invalid(failures))
    }
}
