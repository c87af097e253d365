//! The vendor registry's daily work: the public list of agreements in force
//! (`/notices/agreements/`) is rewritten every day, so an agreement that
//! expired overnight leaves it without anyone editing the vendor, and an
//! agreement that expires within `vendors.expiry_reminder` gets one reminder
//! to the privacy officer (one per vendor and expiry date: the job's key).

use super::delivery::deliver;
use super::officer::to_privacy_officer;
use crate::email::message::KIND_AGREEMENT_EXPIRY;
use crate::rules::deadline::local_date;
use crate::scheduler::planning;
use crate::scheduler::Worker;
use crate::settings::Settings;
use crate::site::{DirectoryPublisher, PublicAgreement};
use crate::store::{DocumentOwner, Job, JobState, Store, StoreResult};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::json;

/// Rewrites the public list of agreements in force on the district's
/// today. A failure to write is logged, not returned: the registration it
/// follows is stored already, and the next change or day retries.
pub(crate) async fn publish_agreements(
    store: &dyn Store,
    settings: &Settings,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let today = local_date(now, settings.timezone);
    let mut documents = std::collections::BTreeMap::new();
    for listed in store.documents(DocumentOwner::Vendor).await? {
        if !listed.publishable {
            continue;
        }
        if let Some(document) =
            super::documents::publishable(store, DocumentOwner::Vendor, listed.owner_id).await?
        {
            documents.insert(listed.owner_id, document);
        }
    }
    let agreements: Vec<PublicAgreement> = store
        .vendors()
        .await?
        .iter()
        .filter_map(|record| {
            let agreement = &record.vendor.agreement;
            Some(PublicAgreement {
                id: record.id,
                vendor: record.vendor.name.clone(),
                services: record.vendor.services.clone(),
                kind: agreement.kind?.label().to_owned(),
                signed_on: agreement.signed_at?,
                expires_on: agreement.expires_at,
                updated_at: record.updated_at,
                document: documents.get(&record.id).cloned(),
            })
            .filter(|_| agreement.in_force(today))
        })
        .collect();
    let publisher = DirectoryPublisher {
        dir: settings.publish_dir.clone(),
        base_url: settings.publish_base_url.clone(),
        zone: settings.timezone,
        templates: settings.publish_templates.clone(),
    };
    let district = settings.district_name.clone();
    let count = agreements.len();
    match tokio::task::spawn_blocking(move || publisher.publish_agreements(&district, &agreements))
        .await
    {
        Ok(Ok(written)) => {
            super::publish::keep_in_database(store, &settings.publish_dir, &written, now).await?;
            tracing::info!(agreements = count, "list of agreements published");
        }
        Ok(Err(error)) => tracing::error!(%error, "the list of agreements was not published"),
        Err(error) => tracing::error!(%error, "the list of agreements was not published"),
    }
    Ok(())
}

pub(crate) async fn run_daily(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let zone = worker.settings.timezone;
    let today = local_date(now, zone);
    // Tomorrow's first: the chain survives a crash in the middle of today's.
    if let Some(tomorrow) = today.checked_add_days(Days::new(1)) {
        worker
            .store
            .enqueue(&[planning::agreements_daily_job(tomorrow, zone)], now)
            .await?;
    }
    publish_agreements(worker.store.as_ref(), &worker.settings, now).await?;
    if let Some(lead) = worker.settings.vendor_expiry_reminder {
        let horizon = today.checked_add_days(Days::new(u64::from(lead)));
        let reminders: Vec<_> = worker
            .store
            .vendors()
            .await?
            .iter()
            .filter(|record| record.vendor.agreement.in_force(today))
            .filter_map(|record| {
                let expires = record.vendor.agreement.expires_at?;
                (horizon.is_some_and(|horizon| expires <= horizon))
                    .then(|| planning::agreement_expiry_job(record.id, expires, now))
            })
            .collect();
        if !reminders.is_empty() {
            worker.store.enqueue(&reminders, now).await?;
        }
    }
    worker.finish(&job, JobState::Done, None).await
}

pub(crate) async fn run_expiry(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let vendor_id = job.payload_id("vendor_id");
    let expires_on = job.payload["expires_on"]
        .as_str()
        .and_then(|text| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok());
    let (Some(vendor_id), Some(expires_on)) = (vendor_id, expires_on) else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("an expiry reminder without its vendor"),
            )
            .await;
    };
    let today = local_date(worker.clock.now(), worker.settings.timezone);
    // Renewed, ended or removed since it was planned: nothing to remind of.
    let Some(record) = worker.store.vendor(vendor_id).await?.filter(|record| {
        record.vendor.agreement.in_force(today)
            && record.vendor.agreement.expires_at == Some(expires_on)
    }) else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let days = (expires_on - today).num_days();
    let days_left = match days {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    let vendor = &record.vendor;
    let context = json!({
        "district": worker.settings.district_name,
        "vendor": vendor.name,
        "services": vendor.services,
        "kind": vendor.agreement.kind.map_or("agreement", |kind| kind.label()).to_lowercase(),
        "expires_on": expires_on.format("%B %-d, %Y").to_string(),
        "days_left": days_left,
        "vendor_url": worker
            .settings
            .public_url
            .as_ref()
            .map(|base| format!("{base}/vendors/{vendor_id}")),
    });
    let planned = to_privacy_officer(worker, "agreement-expiry.txt", &context, |_| true)?;
    if planned.is_empty() {
        tracing::warn!(%vendor_id, "an agreement expiry reminder has no privacy officer to go to");
    }
    deliver(worker, &job, KIND_AGREEMENT_EXPIRY, None, planned).await
}
