//! The print-ready paper letters (`GET .../letters?format=html`): one letter
//! per page (`@page` CSS), each under the district's letterhead
//! (`config/templates/letters/letterhead.html`, or the district's own file
//! named by `notice.letterhead`).

use crate::cases::letters::PrintedLetter;
use crate::settings::Settings;
use minijinja::{AutoEscape, Environment};
use std::sync::OnceLock;

const LETTERS: &str = include_str!("../../config/templates/letters/letters.html");
const LETTERHEAD: &str = include_str!("../../config/templates/letters/letterhead.html");

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_template("letters.html", LETTERS)
            .expect("the embedded letters template parses: a test prints it");
        env.add_template("letterhead.html", LETTERHEAD)
            .expect("the embedded letterhead parses: a test prints it");
        env
    })
}

pub fn render(settings: &Settings, letters: &[PrintedLetter]) -> Result<String, minijinja::Error> {
    // The district's letterhead, when set, in a copy of the shipped
    // environment: the shipped one stays as it was for the next render.
    let district;
    let env = match &settings.notice.letterhead {
        Some(source) => {
            let mut env = environment().clone();
            env.add_template_owned("letterhead.html", source.clone())?;
            district = env;
            &district
        }
        None => environment(),
    };
    env.get_template("letters.html")?
        .render(minijinja::context! {
            district => settings.district_name,
            contact => settings.notice.contact,
            letters => letters,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> PrintedLetter {
        PrintedLetter {
            student_name: "Ana Ruiz".into(),
            salutation: "Parent or guardian of Ana Ruiz".into(),
            address: vec!["1 Main St".into()],
            language: "en".into(),
            subject: "Notice of a data security incident".into(),
            body: "A vendor told us.".into(),
        }
    }

    #[test]
    fn the_shipped_letterhead_names_the_district() {
        let settings = Settings::from_toml("").expect("the defaults are valid");
        let html = render(&settings, &[letter()]).expect("the letters render");
        assert!(html.contains(r#"<header class="letterhead">"#), "{html}");
        assert!(html.contains(&settings.district_name), "{html}");
    }

    #[test]
    fn a_district_letterhead_replaces_the_shipped_one() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("letterhead.html");
        std::fs::write(
            &path,
            "<header class=\"letterhead\"><p>{{ district }}, 10 School Road</p></header>",
        )
        .expect("the folder is writable");
        let settings = Settings::from_toml(&format!(
            "[notice]\nletterhead = {:?}\n",
            path.display().to_string()
        ))
        .expect("a readable letterhead is valid");
        let html = render(&settings, &[letter()]).expect("the letters render");
        assert!(html.contains(", 10 School Road</p>"), "{html}");
        // The shipped environment is untouched for the next render.
        let shipped = Settings::from_toml("").expect("the defaults are valid");
        assert!(!render(&shipped, &[letter()])
            .unwrap()
            .contains("School Road"));
    }

    #[test]
    fn a_missing_or_broken_letterhead_is_refused_at_start() {
        let errors =
            Settings::from_toml("[notice]\nletterhead = \"/nonexistent/letterhead.html\"\n")
                .expect_err("a missing file is refused");
        assert!(
            errors.0.iter().any(|p| p.key == "notice.letterhead"),
            "{errors}"
        );
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("broken.html");
        std::fs::write(&path, "{% if %}").expect("the folder is writable");
        let errors = Settings::from_toml(&format!(
            "[notice]\nletterhead = {:?}\n",
            path.display().to_string()
        ))
        .expect_err("a broken template is refused");
        assert!(
            errors.0.iter().any(|p| p.key == "notice.letterhead"),
            "{errors}"
        );
    }
}
