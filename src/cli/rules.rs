//! `breachd rules list|show|check`: the law breachd ships, in a table a
//! lawyer can read, one rule in full, and a lint for a custom pack.

use crate::rules::{lint, DueKind, RulePack};
use crate::views::{self, RuleSummary};
use std::path::Path;
use std::process::ExitCode;

pub(super) fn list(jurisdiction: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let packs: Vec<&RulePack> = RulePack::embedded_all()
        .iter()
        .filter(|pack| {
            jurisdiction.is_none_or(|code| pack.jurisdiction.eq_ignore_ascii_case(code.trim()))
        })
        .collect();
    if packs.is_empty() {
        eprintln!(
            "no rules for {:?}; breachd has rules for {}",
            jurisdiction.unwrap_or_default(),
            RulePack::embedded_codes()
        );
        return Ok(ExitCode::FAILURE);
    }
    let list = views::RuleList {
        jurisdictions: packs.iter().map(|pack| views::jurisdiction(pack)).collect(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(ExitCode::SUCCESS);
    }
    for pack in &list.jurisdictions {
        println!("{} ({}): {} rules", pack.name, pack.code, pack.rules.len());
        for rule in &pack.rules {
            println!(
                "  {:<44} {:<34} {:<24} {}{}",
                rule.id,
                rule.citation,
                span(rule),
                within(rule),
                if rule.verified {
                    ""
                } else {
                    "  [unverified: confirm with counsel]"
                }
            );
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn show(id: &str) -> anyhow::Result<ExitCode> {
    for pack in RulePack::embedded_all() {
        let view = views::jurisdiction(pack);
        if let Some(rule) = view.rules.iter().find(|rule| rule.id == id) {
            println!("{}", rule.id);
            println!("  jurisdiction  {} ({})", view.name, view.code);
            println!("  duty          {} ({})", rule.duty, rule.kind);
            println!("  deadline      {} from {}", within(rule), rule.clock);
            println!("  in force      {}", span(rule));
            println!("  citation      {}", rule.citation);
            println!("  source        {}", rule.source_url);
            println!(
                "  verified      {}",
                if rule.verified {
                    "yes: the text itself was read"
                } else {
                    "no: confirm with counsel"
                }
            );
            if let Some(note) = &rule.note {
                println!("  note          {note}");
            }
            println!("  {}", rule.description);
            return Ok(ExitCode::SUCCESS);
        }
    }
    eprintln!("no rule {id:?}; `breachd rules list` shows every rule");
    Ok(ExitCode::FAILURE)
}

/// Lints every `*.toml` pack in `dir`: each problem on a line naming the
/// file and the rule; exit 1 if there is any.
pub(super) fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|error| anyhow::anyhow!("{}: {error}", dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        eprintln!("{}: no rule pack (*.toml) to check", dir.display());
        return Ok(ExitCode::FAILURE);
    }
    let mut problems = 0;
    for path in &files {
        let text = std::fs::read_to_string(path)
            .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
        let pack = match RulePack::parse(&text) {
            Ok(pack) => pack,
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                problems += 1;
                continue;
            }
        };
        for problem in lint(&pack) {
            eprintln!("{}: {problem}", path.display());
            problems += 1;
        }
    }
    if problems == 0 {
        println!(
            "{} in {}: every rule is cited, sourced, dated and says whether it was verified",
            crate::words::count(files.len() as u64, "pack", "packs"),
            dir.display()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

fn within(rule: &RuleSummary) -> String {
    match (&rule.within_description, &rule.relative_to, rule.due_kind) {
        (Some(within), None, _) => within.clone(),
        (Some(within), Some(other), _) => format!("{within} after {other}"),
        (None, Some(other), _) => format!("no later than {other}"),
        (None, None, DueKind::AsSoonAsPracticable) => "as soon as practicable".to_owned(),
        (None, None, _) => "no fixed time".to_owned(),
    }
}

fn span(rule: &RuleSummary) -> String {
    match (&rule.effective_from, &rule.effective_until) {
        (Some(from), Some(until)) => format!("{from} to {until}"),
        (Some(from), None) => format!("from {from}"),
        (None, Some(until)) => format!("until {until}"),
        (None, None) => "always".to_owned(),
    }
}
