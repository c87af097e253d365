//! `[rules]`: the rule pack for the district's jurisdiction and the data
//! element taxonomy, embedded unless the operator names replacements.

use crate::rules::{RulePack, Taxonomy};

pub(crate) fn load_pack(dir: &str, jurisdiction: &str) -> Result<RulePack, String> {
    let pack = load_jurisdiction(dir, jurisdiction)?;
    if pack.federal {
        return Err(format!(
            "{} is federal law every district gets; name the district's state",
            pack.jurisdiction
        ));
    }
    Ok(pack)
}

/// The federal packs (`federal = true`): the embedded ones, or those in
/// `rules.dir` when the operator names a folder of replacements.
pub(crate) fn load_federal(dir: &str) -> Result<Vec<RulePack>, String> {
    if dir.trim().is_empty() {
        return Ok(RulePack::embedded_federal());
    }
    let entries = std::fs::read_dir(dir).map_err(|error| format!("rules.dir {dir:?}: {error}"))?;
    let mut packs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let pack =
                RulePack::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
            if pack.federal {
                packs.push(pack);
            }
        }
    }
    Ok(packs)
}

fn load_jurisdiction(dir: &str, jurisdiction: &str) -> Result<RulePack, String> {
    let jurisdiction = jurisdiction.trim();
    if dir.trim().is_empty() {
        return RulePack::embedded(jurisdiction).unwrap_or_else(|| {
            Err(format!(
                "{jurisdiction:?} has no rule pack (embedded: {})",
                RulePack::embedded_codes()
            ))
        });
    }
    let entries = std::fs::read_dir(dir).map_err(|error| format!("rules.dir {dir:?}: {error}"))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            let pack =
                RulePack::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
            if pack.jurisdiction.eq_ignore_ascii_case(jurisdiction) {
                return Ok(pack);
            }
        }
    }
    Err(format!(
        "no rule pack for {jurisdiction:?} in rules.dir {dir:?}"
    ))
}

pub(crate) fn load_taxonomy(path: &str) -> Result<Taxonomy, String> {
    if path.trim().is_empty() {
        return Ok(Taxonomy::embedded());
    }
    let text = std::fs::read_to_string(path).map_err(|error| format!("{path:?}: {error}"))?;
    Taxonomy::parse(&text).map_err(|error| format!("{path:?}: {error}"))
}
