//! The evidence zip's CSV files about how the notice went out: every send
//! attempt of the family notice (`deliveries.csv`), and every fetch of the
//! website notice at its public address (`website-checks.csv`).

use crate::store::DeliveryAttemptRecord;
use crate::views;

/// `deliveries.csv` and, once the notice is published, `website-checks.csv`.
pub(super) fn delivery_and_website_csv(
    attempts: &[DeliveryAttemptRecord],
    publication: Option<&views::Publication>,
    zone: chrono_tz::Tz,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut deliveries = csv::Writer::from_writer(Vec::new());
    deliveries.write_record([
        "delivery_id",
        "recipient",
        "delivery_status",
        "delivery_last_reply",
        "attempted_at",
        "instance",
        "attempt_outcome",
        "smtp_reply",
    ])?;
    for attempt in attempts {
        deliveries.write_record([
            attempt.email_id.to_string().as_str(),
            attempt.recipient.as_str(),
            attempt.status.as_str(),
            attempt.last_reply.as_deref().unwrap_or_default(),
            crate::domain::timestamp::format_in_zone(attempt.at, zone).as_str(),
            attempt.worker.as_deref().unwrap_or_default(),
            attempt.outcome.as_str(),
            attempt.reply.as_deref().unwrap_or_default(),
        ])?;
    }
    files.push(("deliveries.csv", deliveries.into_inner()?));
    if let Some(publication) = publication {
        let mut checks = csv::Writer::from_writer(Vec::new());
        checks.write_record([
            "checked_at",
            "url",
            "http_status",
            "body_sha256",
            "published_sha256",
            "matched",
            "problem",
            "next_check_at",
            "instance",
        ])?;
        for check in &publication.checks {
            checks.write_record([
                check.checked_at.as_str(),
                check.url.as_str(),
                check
                    .http_status
                    .map(|status| status.to_string())
                    .unwrap_or_default()
                    .as_str(),
                check.body_sha256.as_deref().unwrap_or_default(),
                check.expected_sha256.as_str(),
                if check.matched { "yes" } else { "no" },
                check.problem.as_deref().unwrap_or_default(),
                check.next_at.as_deref().unwrap_or_default(),
                check.instance.as_str(),
            ])?;
        }
        files.push(("website-checks.csv", checks.into_inner()?));
    }
    Ok(files)
}
