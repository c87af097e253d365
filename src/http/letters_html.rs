//! The print-ready paper letters (`GET .../letters?format=html`): one letter
//! per page (`@page` CSS), each under the district's letterhead
//! (`config/templates/letters/letterhead.html`).

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
    environment()
        .get_template("letters.html")?
        .render(minijinja::context! {
            district => settings.district_name,
            contact => settings.notice.contact,
            letters => letters,
        })
}
