//! `breachd deadlines`: the obligations an incident would have, computed
//! from the configuration alone (no database), printed as a table or JSON.

use super::load;
use crate::cases;
use crate::domain::{NewIncident, Timestamp};
use crate::views::{self, Ids};
use anyhow::Context;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn read_input(input: &str) -> anyhow::Result<Vec<u8>> {
    if input == "-" {
        let mut buffer = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buffer)
            .context("reading standard input")?;
        Ok(buffer)
    } else {
        std::fs::read(input).with_context(|| format!("reading {input}"))
    }
}

pub(super) fn deadlines(
    config: Option<&Path>,
    input: &str,
    json: bool,
    now: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let now = match now {
        Some(text) => Timestamp::parse(text)
            .map_err(|e| anyhow::anyhow!("--now {e}"))?
            .utc(),
        None => chrono::Utc::now(),
    };
    let body: Value =
        serde_json::from_slice(&read_input(input)?).context("the input is not JSON")?;
    let incident = match NewIncident::from_json(&body) {
        Ok(incident) => incident,
        Err(errors) => {
            for error in errors {
                eprintln!("{}: {}", error.field, error.reason);
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Err(errors) = cases::check(&settings.engine, &incident, now) {
        for error in errors {
            eprintln!("{}: {}", error.field, error.reason);
        }
        return Ok(ExitCode::FAILURE);
    }
    let (record, obligations) =
        cases::draft(&settings.engine, &incident, uuid::Uuid::nil(), "cli", now);
    let view = views::json::incident(
        &record,
        &obligations,
        &[],
        now,
        settings.timezone,
        Ids::Hidden,
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print_incident(&view);
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or("-")
}

pub(super) fn print_incident(view: &Value) {
    println!("{}", text(view, "title"));
    let classes: Vec<&str> = view["classification"]["classes"]
        .as_array()
        .map(|classes| classes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    println!("data classes: {}", classes.join(", "));
    if let Some(review) = view["classification"]["needs_review"]
        .as_array()
        .filter(|r| !r.is_empty())
    {
        let names: Vec<&str> = review.iter().filter_map(Value::as_str).collect();
        println!(
            "needs review (treated as student information): {}",
            names.join(", ")
        );
    }
    println!();
    println!(
        "{:<36} {:<9} {:<26} {:<16} citation",
        "obligation", "status", "due", "time left"
    );
    for obligation in view["obligations"].as_array().into_iter().flatten() {
        let operative = obligation["sources"]
            .as_array()
            .and_then(|sources| {
                sources
                    .iter()
                    .filter(|s| s["due_at"].is_string())
                    .min_by_key(|s| s["due_at"].as_str().and_then(|d| Timestamp::parse(d).ok()))
                    .or_else(|| sources.first())
            })
            .map(|s| text(s, "citation"))
            .unwrap_or("-");
        println!(
            "{:<36} {:<9} {:<26} {:<16} {}",
            text(obligation, "kind"),
            text(obligation, "status"),
            obligation["due_at"]
                .as_str()
                .unwrap_or("(clock not started)"),
            obligation["time_left"].as_str().unwrap_or(""),
            operative
        );
    }
}
