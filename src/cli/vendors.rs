//! `breachd vendors list`: the vendor registry at a terminal, read through
//! the API (token from `$BREACHD_TOKEN`). One line per vendor: its name,
//! where its agreement stands and its breach-notice clause, in words.
//! `--json` prints the API's answer unchanged.

use super::{answer, api_token, base_url};
use anyhow::Context;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

pub(super) async fn list(
    config: Option<&Path>,
    url: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let token = api_token()?;
    let url = format!("{}/api/v1/vendors", base_url(config, url));
    let response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .with_context(|| format!("reaching {url}"))?;
    let listing = answer(response).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&listing)?);
    } else {
        print!("{}", words(&listing));
    }
    Ok(ExitCode::SUCCESS)
}

/// The listing in words.
fn words(listing: &Value) -> String {
    let vendors = listing["vendors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if vendors.is_empty() {
        return "No vendor is registered.\n".to_owned();
    }
    let mut out = String::new();
    for vendor in vendors {
        let agreement = &vendor["agreement"];
        let kind = match agreement["kind"].as_str() {
            Some("dpa") => "data privacy agreement",
            Some("contract") => "contract",
            Some("terms_of_service") => "terms of service",
            Some("data_sharing_agreement") => "data sharing agreement",
            _ => "agreement",
        };
        let status = match agreement["status"].as_str().unwrap_or("none") {
            "none" => "none on file".to_owned(),
            "signed" => match (
                agreement["signed_at"].as_str(),
                agreement["expires_at"].as_str(),
            ) {
                (Some(signed), Some(expires)) => format!("signed {signed}, expires {expires}"),
                (Some(signed), None) => format!("signed {signed}"),
                _ => "signed".to_owned(),
            },
            other => other.to_owned(),
        };
        let in_force = if agreement["in_force"] == true {
            ""
        } else {
            " — no DPA on file"
        };
        out.push_str(&format!(
            "{}\n  {kind}: {status}{in_force}\n",
            vendor["name"].as_str().unwrap_or("?")
        ));
        let clause = &agreement["breach_notice"];
        if let (Some(within), Some(citation)) =
            (clause["within"].as_str(), clause["citation"].as_str())
        {
            out.push_str(&format!(
                "  breach notice: within {} ({citation})\n",
                spell(within)
            ));
        }
    }
    out
}

/// "48h" → "48 hours", "30d" → "30 calendar days", "2bd" → "2 business days".
fn spell(within: &str) -> String {
    let digits: String = within.chars().take_while(char::is_ascii_digit).collect();
    let unit = match &within[digits.len()..] {
        "h" => "hours",
        "d" => "calendar days",
        "bd" => "business days",
        other => other,
    };
    format!("{digits} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listing_in_words() {
        let listing = json!({"vendors": [
            {"name": "Acme Learning, Inc.", "agreement": {"kind": "dpa", "status": "signed",
             "signed_at": "2025-08-01", "expires_at": "2027-06-30", "in_force": true,
             "breach_notice": {"within": "48h", "clock": "discovered", "citation": "DPA § 7"}}},
            {"name": "Globex", "agreement": {"kind": null, "status": "none", "in_force": false}}
        ]});
        assert_eq!(
            words(&listing),
            "Acme Learning, Inc.\n  data privacy agreement: signed 2025-08-01, expires 2027-06-30\n  breach notice: within 48 hours (DPA § 7)\nGlobex\n  agreement: none on file — no DPA on file\n"
        );
        assert_eq!(words(&json!({"vendors": []})), "No vendor is registered.\n");
    }
}
