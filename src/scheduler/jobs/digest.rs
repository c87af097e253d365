//! The digest: every open and overdue obligation in one email to the digest
//! recipients. The next fire time is planned first, so there is one digest
//! per fire time and the chain survives a crash in the middle of one.

use super::delivery::{deliver, Planned};
use crate::domain::timestamp::readable_in_zone;
use crate::domain::ObligationStatus;
use crate::email::message::KIND_DIGEST;
use crate::scheduler::planning;
use crate::scheduler::Worker;
use crate::store::{Job, ObligationFilter};
use crate::views::time_left;
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) async fn run(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    // The next fire time is planned first: one digest per fire time,
    // and the chain survives a crash in the middle of this one.
    if let Some(schedule) = &worker.settings.digest_schedule {
        if let Some(next) = schedule.next_after(job.due_at.max(now)) {
            worker
                .store
                .enqueue(&[planning::digest_job(schedule.expression(), next)], now)
                .await?;
        }
    }
    let zone = worker.settings.timezone;
    let rows = worker
        .store
        .list_obligations(&ObligationFilter {
            statuses: vec![ObligationStatus::Overdue, ObligationStatus::Open],
            due_before: None,
            incident_id: None,
            now,
            limit: 1000,
            offset: 0,
        })
        .await?;
    // The totals come from the counts, not from the rows listed: a digest
    // lists at most a thousand, and says how many more there are.
    let counts = worker.store.obligation_counts(now).await?;
    let total = |status: ObligationStatus| {
        counts
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let (overdue, open) = (
        total(ObligationStatus::Overdue),
        total(ObligationStatus::Open),
    );
    let more = (overdue + open - rows.len() as i64).max(0);
    // The families' notice says how many students are still unreached:
    // which incidents have a roster is read once, each one's coverage once.
    let with_roster = worker.store.incidents_with_roster().await?;
    let mut unreached: std::collections::BTreeMap<uuid::Uuid, usize> = Default::default();
    for row in &rows {
        let o = &row.obligation;
        if with_roster.contains(&o.incident_id) && !unreached.contains_key(&o.incident_id) {
            let report = worker.store.notice_coverage(o.incident_id).await?;
            unreached.insert(o.incident_id, report.uncovered());
        }
    }
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let o = &row.obligation;
            let due = o.due_at.unwrap_or(now);
            json!({
                "unreached": unreached.get(&o.incident_id).copied().filter(|_| {
                    worker.settings.engine.is_own_work(&o.kind, crate::rules::OwnWork::FamilyNotice)
                }),
                "status": o.status(now),
                "title": o.title,
                "due_local": readable_in_zone(due, zone),
                "time_text": time_left(due - now),
                "incident_title": row.incident_title,
                // The page where the person acts (`server.public_url`).
                "incident_url": worker
                    .settings
                    .public_url
                    .as_ref()
                    .map(|base| format!("{base}/incidents/{}", o.incident_id)),
                "citation": o.sources.iter().filter(|s| s.due_at.is_some()).min_by_key(|s| s.due_at).map(|s| s.citation.clone()),
            })
        })
        .collect();
    let context = json!({
        "district": worker.settings.district_name,
        "district_zone": zone.name(),
        "now_local": readable_in_zone(now, zone),
        "overdue_count": overdue,
        "open_count": open,
        "more": more,
        "rows": rows,
    });
    let rendered = worker
        .templates
        .render("digest.txt", &context)
        .map_err(anyhow::Error::msg)?;
    let planned = worker
        .addresses(&worker.settings.digest_recipients)
        .into_iter()
        .map(|recipient| Planned {
            recipient,
            subject: rendered.subject.clone(),
            body: rendered.body.clone(),
            obligations: Vec::new(),
        })
        .collect();
    deliver(worker, &job, KIND_DIGEST, None, planned).await
}
