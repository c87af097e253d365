//! Message templates (minijinja). The embedded ones under
//! `config/templates/email/` can be replaced per file by a district folder
//! (`email.templates`). A template renders a whole message: a first line
//! `Subject: ...`, a blank line, then the plain-text body.

use minijinja::Environment;
use serde::Serialize;
use std::path::{Path, PathBuf};

const EMBEDDED: [(&str, &str); 12] = [
    (
        "reminder.txt",
        include_str!("../../config/templates/email/reminder.txt"),
    ),
    (
        "digest.txt",
        include_str!("../../config/templates/email/digest.txt"),
    ),
    (
        "delivery-failure.txt",
        include_str!("../../config/templates/email/delivery-failure.txt"),
    ),
    (
        "dead-job.txt",
        include_str!("../../config/templates/email/dead-job.txt"),
    ),
    (
        "notice-fault.txt",
        include_str!("../../config/templates/email/notice-fault.txt"),
    ),
    (
        "agreement-expiry.txt",
        include_str!("../../config/templates/email/agreement-expiry.txt"),
    ),
    (
        "family-notice.txt",
        include_str!("../../config/templates/email/family-notice.txt"),
    ),
    (
        "family-notice.es.txt",
        include_str!("../../config/templates/email/family-notice.es.txt"),
    ),
    (
        "request-receipt.txt",
        include_str!("../../config/templates/email/request-receipt.txt"),
    ),
    (
        "request-answer.txt",
        include_str!("../../config/templates/email/request-answer.txt"),
    ),
    (
        "consent-request.txt",
        include_str!("../../config/templates/email/consent-request.txt"),
    ),
    (
        "contract-notice.txt",
        include_str!("../../config/templates/email/contract-notice.txt"),
    ),
];

pub struct Templates {
    env: Environment<'static>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

impl Templates {
    /// Loads the embedded templates and the district's overrides; a broken
    /// override is an error at start-up, not at send time.
    pub fn load(overrides: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_with(overrides, &[])
    }

    /// As `load`, with extra embedded templates (other modules' messages).
    pub fn load_with(
        overrides: Option<&Path>,
        extra: &[(&'static str, &'static str)],
    ) -> anyhow::Result<Self> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        for (name, text) in EMBEDDED.iter().chain(extra) {
            let text: String = match overrides
                .map(|dir| dir.join(name))
                .filter(|path| path.exists())
            {
                Some(path) => read(&path)?,
                None => (*text).to_owned(),
            };
            env.add_template_owned(*name, text)
                .map_err(|error| anyhow::anyhow!("template {name}: {error}"))?;
        }
        // A district may add templates of its own, such as a language
        // variant of the family notice (family-notice.pt.txt).
        if let Some(dir) = overrides {
            for entry in std::fs::read_dir(dir)?.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".txt") && env.get_template(&name).is_err() {
                    let text = read(&entry.path())?;
                    env.add_template_owned(name.clone(), text)
                        .map_err(|error| anyhow::anyhow!("template {name}: {error}"))?;
                }
            }
        }
        Ok(Self { env })
    }

    /// The family-notice template for a guardian's language: the variant
    /// when the district has one (`family-notice.es.txt` for "es" or
    /// "es-MX"), English otherwise.
    pub fn family_notice_for(&self, language: Option<&str>) -> String {
        match language.and_then(primary_language) {
            Some(tag) if self.has(&format!("family-notice.{tag}.txt")) => {
                format!("family-notice.{tag}.txt")
            }
            _ => "family-notice.txt".into(),
        }
    }

    /// The template `{stem}.txt` for a guardian's language, as
    /// `family_notice_for` picks the family notice's: the variant
    /// `{stem}.{tag}.txt` when the district has one, English otherwise.
    pub fn for_language(&self, stem: &str, language: Option<&str>) -> String {
        match language.and_then(primary_language) {
            Some(tag) if self.has(&format!("{stem}.{tag}.txt")) => format!("{stem}.{tag}.txt"),
            _ => format!("{stem}.txt"),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.env.get_template(name).is_ok()
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<Rendered, String> {
        self.render_with(name, context, |error| format!("template {name}: {error}"))
    }

    /// As `render`, but an error names only the template, its line and the
    /// kind of error, never the detail (which may quote a value of the
    /// context: a family's names): for messages to real families, whose
    /// errors go to logs, jobs and the privacy officer's email.
    pub fn render_private(&self, name: &str, context: impl Serialize) -> Result<Rendered, String> {
        self.render_with(name, context, |error| {
            let at = error.name().unwrap_or(name);
            match error.line() {
                Some(line) => format!("template {at}, line {line}: {}", error.kind()),
                None => format!("template {at}: {}", error.kind()),
            }
        })
    }

    fn render_with(
        &self,
        name: &str,
        context: impl Serialize,
        describe: impl Fn(&minijinja::Error) -> String,
    ) -> Result<Rendered, String> {
        let template = self.env.get_template(name).map_err(|e| describe(&e))?;
        let text = template.render(context).map_err(|e| describe(&e))?;
        let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
        let subject = first
            .strip_prefix("Subject:")
            .map(|subject| subject.trim().to_owned())
            .ok_or_else(|| format!("template {name}: the first line must be \"Subject: ...\""))?;
        Ok(Rendered {
            subject,
            body: rest.trim_start_matches(['\r', '\n']).to_owned(),
        })
    }
}

/// A language tag's primary subtag, lowercased: "es" for "es-MX" or
/// "ES_mx"; none for an empty or malformed tag.
pub fn primary_language(tag: &str) -> Option<String> {
    let primary = tag
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_lowercase();
    (!primary.is_empty() && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_the_subject_and_body() {
        let templates = Templates::load(None).unwrap();
        let rendered = templates
            .render("delivery-failure.txt", json!({"district": "D", "incident_title": "I",
                    "failures": [{"what": "a reminder", "recipient": "a@b.org", "reply": "550 no"}]}))
            .unwrap();
        assert_eq!(rendered.subject, "breachd could not deliver 1 message");
        assert_eq!(
            rendered.body,
            "Some messages breachd sent for D failed permanently and will not\nbe retried. Please follow up.\n\n\
             Incident: I\n\n- a reminder to a@b.org\n  Server reply: 550 no\n"
        );
    }

    #[test]
    fn the_digest_says_how_many_it_does_not_list() {
        let templates = Templates::load(None).unwrap();
        let row = json!({"status": "open", "title": "T", "due_local": "d", "time_text": "1h left",
                         "incident_title": "I", "incident_id": "x", "citation": "c"});
        let context = |more: i64| {
            json!({"district": "D", "district_zone": "America/New_York", "now_local": "now",
                   "overdue_count": 0, "open_count": 1 + more, "more": more, "rows": [row]})
        };
        let listed = templates.render("digest.txt", context(0)).unwrap();
        assert!(!listed.body.contains("more not listed"), "{}", listed.body);
        // A blank line before each row, every line of a row on its own.
        assert!(
            listed
                .body
                .ends_with("as of now.\n\nOPEN  due d (1h left)\n  T\n  Incident: I\n  Why: c\n"),
            "{}",
            listed.body
        );
        let mut unreached = row.clone();
        unreached["unreached"] = json!(3);
        let mut with_count = context(0);
        with_count["rows"] = json!([unreached]);
        let counted = templates.render("digest.txt", with_count).unwrap();
        assert!(
            counted.body.ends_with(
                "  T\n  Students not yet reached: 3 (the incident page lists them)\n  Incident: I\n  Why: c\n"
            ),
            "{}",
            counted.body
        );
        let capped = templates.render("digest.txt", context(2500)).unwrap();
        assert!(
            capped.body.contains("and 2500 more not listed here"),
            "{}",
            capped.body
        );
        assert!(capped.subject.contains("2501 open"), "{}", capped.subject);
    }

    #[test]
    fn the_reminder_keeps_every_line_break() {
        let templates = Templates::load(None).unwrap();
        let duty = |title: &str, party: &str| {
            json!({"title": title, "party": party, "recipient": "R", "no_fixed_time": false,
                   "overdue": false, "time_text": "8h 0m", "due_local": "Wed 22 Apr 2026, 8:00 AM EDT",
                   "citation": "C",
                   "sources": [{"citation": "A", "within": "2 business days", "due_local": "d1"},
                               {"citation": "B", "within": "48 elapsed hours", "due_local": null}]})
        };
        let context = |late: bool, duties: Vec<serde_json::Value>| {
            json!({"district": "D", "step": "75%", "late": late, "planned_local": "Tue 21 Apr 2026, 8:00 PM EDT",
                   "overdue": false, "no_fixed_time": false, "time_text": "8h 0m",
                   "incident": {"title": "I"}, "incident_url": "https://b.example/incidents/x",
                   "has_contractor_duty": false, "has_district_duty": true,
                   "obligation": duties[0].clone(), "obligations": duties})
        };
        let on_time = templates
            .render("reminder.txt", context(false, vec![duty("T", "district")]))
            .unwrap();
        assert_eq!(on_time.subject, "T - due Wed 22 Apr 2026, 8:00 AM EDT");
        assert_eq!(
            on_time.body,
            "This is an automatic reminder from breachd for D.\n\n\
             Incident:    I\nStep:        75%\n\n\
             Obligation:  T\nOwed by:     district, to R\n\
             Due:         Wed 22 Apr 2026, 8:00 AM EDT\nTime left:   8h 0m\n\
             Why: C\n  - A: within 2 business days, due d1\n  - B: within 48 elapsed hours\n\n\
             What to do:\n  Do it, then record it on the incident page so the reminders stop\n  \
             (\"Complete\", with the date it was done). If it does not apply, waive it\n  \
             there with a written reason.\n\nIncident page: https://b.example/incidents/x\n"
        );
        let late = templates
            .render("reminder.txt", context(true, vec![duty("T", "district")]))
            .unwrap();
        assert!(late.subject.starts_with("[late] "));
        assert!(late.body.contains(
            "Step:        75%\n\nThis reminder was due at Tue 21 Apr 2026, 8:00 PM EDT and is sent late, \
             because breachd was not running or could not send email then.\n\nObligation:  T"
        ), "{}", late.body);
        // Several duties of one step: one message listing each.
        let both = templates
            .render(
                "reminder.txt",
                context(
                    false,
                    vec![duty("Families", "district"), duty("Website", "district")],
                ),
            )
            .unwrap();
        assert_eq!(
            both.subject,
            "2 duties for I - the first due Wed 22 Apr 2026, 8:00 AM EDT"
        );
        assert!(
            both.body
                .contains("\n\nDuty 1 of 2\nObligation:  Families\n")
                && both
                    .body
                    .contains("\n\nDuty 2 of 2\nObligation:  Website\n")
                && both.body.contains("Do each duty, then record it"),
            "{}",
            both.body
        );
    }

    #[test]
    fn a_district_override_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("digest.txt"),
            "Subject: ours\n\nhello {{ district }}",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let rendered = templates
            .render("digest.txt", json!({"district": "D"}))
            .unwrap();
        assert_eq!(
            rendered,
            Rendered {
                subject: "ours".into(),
                body: "hello D".into()
            }
        );
    }
}
