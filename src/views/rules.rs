//! The law as shipped, for people who must trust it: every jurisdiction's
//! rules with citation, source, effective dates and whether the text was
//! verified (`GET /api/v1/rules`, `breachd rules list`).

use crate::rules::{DueKind, RulePack};
use serde::Serialize;
use utoipa::ToSchema;

/// Every jurisdiction breachd has rules for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleList {
    pub jurisdictions: Vec<Jurisdiction>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Jurisdiction {
    #[schema(example = "US-CT")]
    pub code: String,
    #[schema(example = "Connecticut")]
    pub name: String,
    pub rules: Vec<RuleSummary>,
}

/// One rule: the source of one deadline of one duty.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleSummary {
    #[schema(example = "us-ct/contractor-notifies-board/30d")]
    pub id: String,
    #[schema(example = "contractor_notifies_board")]
    pub kind: String,
    /// The duty in words.
    pub duty: String,
    #[schema(example = "Conn. Gen. Stat. § 10-234dd(a)")]
    pub citation: String,
    pub source_url: String,
    pub description: String,
    /// `48h`, `30d`, `2bd`; absent where the law sets no fixed time.
    pub within: Option<String>,
    #[schema(example = "30 calendar days")]
    pub within_description: Option<String>,
    pub due_kind: DueKind,
    /// For a `relative` rule: the duty it is tied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_to: Option<String>,
    /// The clock event it runs from.
    pub clock: String,
    #[schema(format = Date)]
    pub effective_from: Option<String>,
    #[schema(format = Date)]
    pub effective_until: Option<String>,
    /// Whether the statute or regulation text itself was read; false:
    /// confirm with counsel.
    pub verified: bool,
    pub note: Option<String>,
}

pub fn jurisdiction(pack: &RulePack) -> Jurisdiction {
    Jurisdiction {
        code: pack.jurisdiction.clone(),
        name: pack.name.clone(),
        rules: pack
            .rules
            .iter()
            .map(|rule| RuleSummary {
                id: rule.id.clone(),
                kind: rule.kind.clone(),
                duty: pack
                    .kind(&rule.kind)
                    .map_or_else(|| rule.kind.clone(), |kind| kind.title.clone()),
                citation: rule.citation.clone(),
                source_url: rule.source_url.clone(),
                description: rule.description.clone(),
                within: rule.within.map(|within| within.to_string()),
                within_description: rule.within.map(|within| within.describe()),
                due_kind: rule.due_kind,
                relative_to: rule.relative_to.clone(),
                clock: rule.clock.to_string(),
                effective_from: rule.effective_from.map(|date| date.to_string()),
                effective_until: rule.effective_until.map(|date| date.to_string()),
                verified: rule.verified.unwrap_or(false),
                note: rule.note.clone(),
            })
            .collect(),
    }
}
