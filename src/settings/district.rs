//! `[district]` with `[rules]`: the district's name and zone, and the rules
//! engine built from its jurisdiction's pack, its closures, its directory
//! designation and its own policy and contract deadlines.

use super::raw::{RawDistrict, RawRules};
use super::rules::{load_federal, load_pack, load_taxonomy};
use super::values::parse_date;
use super::{overlay, Problems};
use crate::rules::Engine;
use chrono_tz::Tz;

pub(crate) struct District {
    pub(crate) name: String,
    pub(crate) jurisdiction: String,
    pub(crate) engine: Engine,
}

/// `timezone` is parsed by the caller, which needs it for `[digest]` too,
/// even when another district key is wrong.
pub(crate) fn parse(
    raw: RawDistrict,
    rules: RawRules,
    timezone: Option<Tz>,
    problems: &mut Problems,
) -> Option<District> {
    let name = raw.name.trim().to_owned();
    if name.is_empty() {
        problems.push("district.name", "must not be empty".into());
    }
    let closures = problems.parse_each("district.closures", &raw.closures.into_vec(), parse_date);

    // The state's pack with the federal law every district is under
    // (US-FERPA) beside it, before the overlays are checked against it.
    let pack = problems.parse(
        "district.jurisdiction",
        load_pack(&rules.dir, &raw.jurisdiction).and_then(|pack| {
            let federal = load_federal(&rules.dir)?;
            pack.with_federal(&federal)
        }),
    );
    let taxonomy = problems.parse("rules.taxonomy", load_taxonomy(&rules.taxonomy));
    let designated = raw.directory_information.into_vec();
    let taxonomy = match taxonomy {
        Some(taxonomy) if !designated.is_empty() => {
            match taxonomy.with_directory_designation(&designated) {
                Ok(taxonomy) => Some(taxonomy),
                Err(errors) => {
                    for error in errors {
                        problems.push("district.directory_information", error);
                    }
                    None
                }
            }
        }
        other => other,
    };

    let mut overlays = Vec::new();
    for (section, entries, is_contract) in [
        ("district.policy", raw.policy, false),
        ("district.contract", raw.contract, true),
    ] {
        for (i, entry) in entries.into_iter().enumerate() {
            let key = format!("{section}[{i}]");
            if let Some(overlay) = overlay::parse(&key, entry, is_contract, pack.as_ref(), problems)
            {
                overlays.push(overlay);
            }
        }
    }

    let (pack, taxonomy, timezone) = (pack?, taxonomy?, timezone?);
    Some(District {
        name,
        jurisdiction: pack.jurisdiction.clone(),
        engine: Engine::new(pack, overlays, closures, timezone, taxonomy),
    })
}
