//! What a consent campaign is started with besides its roster: the
//! vendor's privacy policy and what the vendor will receive, both put
//! before families in the email and on the page. Parsed once; a bad field
//! is named, never echoed.

use crate::domain::consent::{Answer, Received};
use crate::domain::FieldError;

pub const MAX_DESCRIPTION_CHARS: usize = 2000;
pub const MAX_URL_CHARS: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInput {
    pub privacy_policy_url: String,
    pub description: String,
}

/// Both fields, every bad one named.
pub fn parse_campaign(
    privacy_policy_url: Option<&str>,
    description: Option<&str>,
) -> Result<CampaignInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let url = privacy_policy_url.unwrap_or_default().trim();
    if let Err(reason) = check_url(url) {
        errors.push(FieldError::new("privacy_policy_url", reason));
    }
    let description = description.unwrap_or_default().trim();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.push(FieldError::new(
            "description",
            format!(
                "is required: what the vendor will receive, in words for families, at most {MAX_DESCRIPTION_CHARS} characters"
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CampaignInput {
        privacy_policy_url: url.to_owned(),
        description: description.to_owned(),
    })
}

/// An absolute http(s) address a guardian can open: no spaces or control
/// characters, a host.
fn check_url(url: &str) -> Result<(), String> {
    let reason = || {
        format!("is required: the vendor's privacy policy, an https:// or http:// address of at most {MAX_URL_CHARS} characters")
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(reason)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if host.is_empty() || !clean || url.chars().count() > MAX_URL_CHARS {
        return Err(reason());
    }
    Ok(())
}

/// An answer staff record: the student, the answer and how it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAnswer {
    pub student_id: String,
    pub answer: Answer,
    pub received: Received,
}

/// `{"student_id": "...", "answer": "consented"|"declined",
/// "received": "paper"|"phone"|"email"|"in_person"}`; unknown fields
/// refused.
pub fn parse_staff_answer(body: &serde_json::Value) -> Result<StaffAnswer, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !matches!(key.as_str(), "student_id" | "answer" | "received") {
            errors.push(FieldError::new(key.as_str(), "is not a field of an answer"));
        }
    }
    let text = |name: &str| object.get(name).and_then(|v| v.as_str()).map(str::trim);
    let student_id = match text("student_id") {
        Some(id) if !id.is_empty() && id.chars().count() <= 200 => Some(id.to_owned()),
        _ => {
            errors.push(FieldError::new(
                "student_id",
                "is required: the student's id as the campaign's roster gave it",
            ));
            None
        }
    };
    let answer = match text("answer").map(Answer::parse) {
        Some(Ok(answer)) => Some(answer),
        _ => {
            errors.push(FieldError::new("answer", "must be consented or declined"));
            None
        }
    };
    let received = match text("received").map(Received::parse_staff) {
        Some(Ok(received)) => Some(received),
        Some(Err(reason)) => {
            errors.push(FieldError::new("received", reason));
            None
        }
        None => {
            errors.push(FieldError::new(
                "received",
                "is required: paper, phone, email or in_person",
            ));
            None
        }
    };
    match (student_id, answer, received) {
        (Some(student_id), Some(answer), Some(received)) if errors.is_empty() => Ok(StaffAnswer {
            student_id,
            answer,
            received,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_campaign_needs_an_address_and_a_description() {
        let good = parse_campaign(
            Some(" https://vendor.example/privacy "),
            Some("Names and grades"),
        )
        .expect("valid");
        assert_eq!(good.privacy_policy_url, "https://vendor.example/privacy");
        let fields =
            |errors: Vec<FieldError>| errors.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(parse_campaign(None, None).unwrap_err()),
            ["privacy_policy_url", "description"]
        );
        for bad in [
            "ftp://x.example",
            "https://",
            "https://a b.example",
            "vendor.example/privacy",
        ] {
            assert_eq!(
                fields(parse_campaign(Some(bad), Some("d")).unwrap_err()),
                ["privacy_policy_url"],
                "{bad}"
            );
        }
    }

    #[test]
    fn a_staff_answer_names_every_bad_field() {
        let good = parse_staff_answer(
            &json!({"student_id": "S1", "answer": "declined", "received": "paper"}),
        )
        .expect("valid");
        assert_eq!(good.received, Received::Paper);
        let errors =
            parse_staff_answer(&json!({"answer": "yes", "received": "link", "x": 1})).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["x", "student_id", "answer", "received"]);
    }
}
