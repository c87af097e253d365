//! A contract's notice to the guardians of its roster, where the rule in
//! force required the board to notify students and parents electronically
//! (Connecticut, P.A. 16-189). One message per guardian, in the guardian's
//! language when the district has a `contract-notice` variant for it,
//! through `delivery` as a consent campaign's requests are. The email duty
//! is complete when every message was sent, at the last one's time; a
//! permanent failure keeps it open (the privacy officer is told, by the
//! failure report, without the address).

use super::delivery::{deliver, Planned};
use crate::email::message::KIND_CONTRACT_NOTICE;
use crate::rules::OwnWork;
use crate::scheduler::Worker;
use crate::store::{EmailStatus, Job, JobState};
use lettre::message::Mailbox;
use serde_json::json;

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
    let contract_id = job.payload_id("contract_id");
    let Some(contract_id) = contract_id else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a contract notice without its contract"),
            )
            .await;
    };
    let store = &worker.store;
    let Some(record) = store.contract(contract_id).await? else {
        return worker.finish(&job, JobState::Cancelled, None).await;
    };
    let now = worker.clock.now();
    let public =
        super::publish_contract::public_contract(store.as_ref(), &worker.settings, &record, now)
            .await?;
    let executed_on = public.executed_on.format("%B %-d, %Y").to_string();
    let mut planned = Vec::new();
    for guardian in store.contract_guardians(contract_id).await? {
        // Checked on upload; one that no longer parses is skipped (never
        // logged: it is personal).
        let Ok(address) = guardian.email.parse() else {
            continue;
        };
        let context = json!({
            "district": worker.settings.district_name,
            "guardian": guardian.name,
            "vendor": public.vendor,
            "title": public.title,
            "purpose": public.purpose,
            "executed_on": executed_on,
            "data_lines": public.data_lines,
            "notice_url": record.published_url,
        });
        let template = worker
            .templates
            .for_language("contract-notice", guardian.language.as_deref());
        let rendered = worker
            .templates
            .render_private(&template, &context)
            .map_err(anyhow::Error::msg)?;
        planned.push(Planned {
            recipient: Mailbox::new(Some(guardian.name), address),
            subject: rendered.subject,
            body: rendered.body,
            obligations: Vec::new(),
        });
    }
    deliver(worker, &job, KIND_CONTRACT_NOTICE, None, planned).await?;
    let emails = store.job_emails(job.id).await?;
    let all_sent = !emails.is_empty() && emails.iter().all(|e| e.status == EmailStatus::Sent);
    let last_sent = emails.iter().filter_map(|e| e.sent_at).max();
    if let (true, Some(at)) = (all_sent, last_sent) {
        super::complete_contract_work(
            store.as_ref(),
            &worker.settings.engine,
            contract_id,
            OwnWork::ContractFamilyNotice,
            format!(
                "the contract's notice emailed to {}",
                crate::words::count(emails.len() as u64, "guardian", "guardians")
            ),
            at,
            worker.clock.now(),
        )
        .await?;
        tracing::info!(%contract_id, "contract notice emailed to every guardian");
    }
    Ok(())
}
