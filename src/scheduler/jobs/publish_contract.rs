//! Publishing a contract's notice in the website's contracts section when
//! the contract is filed, and completing the contract's posting duty with
//! it, as the incident's website notice completes its own
//! (`complete_contract_work` beside `complete_own_work`). The whole
//! section (index, feed) is rebuilt from every published contract.

use crate::rules::element_words::FALLBACK_LANGUAGE;
use crate::rules::OwnWork;
use crate::scheduler::Worker;
use crate::settings::Settings;
use crate::site::{DirectoryPublisher, PublicContract};
use crate::store::{ContractRecord, DocumentOwner, Job, JobState, Store, StoreResult};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub async fn run(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let contract_id = job.payload_id("contract_id");
    let Some(contract_id) = contract_id else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a contract publication without its contract"),
            )
            .await;
    };
    let store = &worker.store;
    let Some(record) = store.contract(contract_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let mut public = public_contract(store.as_ref(), &worker.settings, &record, now).await?;
    // Its page links the signed contract where the district allows it.
    public.document =
        super::documents::publishable(store.as_ref(), DocumentOwner::Contract, contract_id).await?;
    let _one_at_a_time = worker.publish_lock.lock().await;
    let mut all = Vec::new();
    for other in store.contracts().await? {
        if let (Some(at), true) = (other.published_at, other.id != contract_id) {
            all.push(public_contract(store.as_ref(), &worker.settings, &other, at).await?);
        }
    }
    let publisher = DirectoryPublisher {
        dir: worker.settings.publish_dir.clone(),
        base_url: worker.settings.publish_base_url.clone(),
        zone: worker.settings.timezone,
        templates: worker.settings.publish_templates.clone(),
    };
    let district = worker.settings.district_name.clone();
    let (url, written) =
        tokio::task::spawn_blocking(move || publisher.publish_contract(&district, &public, &all))
            .await??;
    // Before the contract is marked published, so that no instance links
    // to a page the database does not hold yet.
    super::publish::keep_in_database(store.as_ref(), &worker.settings.publish_dir, &written, now)
        .await?;
    store
        .mark_contract_published(contract_id, &url, now)
        .await?;
    super::complete_contract_work(
        store.as_ref(),
        &worker.settings.engine,
        contract_id,
        OwnWork::ContractNoticePosting,
        format!("contract notice published at {url}"),
        now,
        now,
    )
    .await?;
    tracing::info!(%contract_id, "contract notice published");
    worker.finish(&job, JobState::Done, None).await
}

/// The contract's public notice: the company's name, never its contacts;
/// what may be collected in words, grouped by class.
pub(super) async fn public_contract(
    store: &dyn Store,
    settings: &Settings,
    record: &ContractRecord,
    published_at: DateTime<Utc>,
) -> StoreResult<PublicContract> {
    let vendor = store
        .vendor(record.contract.vendor_id)
        .await?
        .map(|vendor| vendor.vendor.name)
        .unwrap_or_else(|| "a contractor".to_owned());
    let engine = &settings.engine;
    let classification = engine.classify(&record.contract.data_elements);
    Ok(PublicContract {
        id: record.id,
        title: record.contract.title.clone(),
        vendor,
        purpose: record.contract.purpose.clone(),
        executed_on: record.contract.executed_on,
        data_lines: crate::site::data_class_lines(
            &engine.taxonomy.in_words(&classification, FALLBACK_LANGUAGE),
        ),
        published_at: record.published_at.unwrap_or(published_at),
        document: None,
    })
}
