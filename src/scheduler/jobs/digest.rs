//! The digest: every open and overdue obligation in one email to the digest
//! recipients. The next fire time is planned first, so there is one digest
//! per fire time and the chain survives a crash in the middle of one.

use super::delivery::{deliver, Planned};
use crate::domain::timestamp::readable_in_zone;
use crate::domain::{ObligationStatus, Subject};
use crate::email::message::KIND_DIGEST;
use crate::scheduler::planning;
use crate::scheduler::Worker;
use crate::store::{Job, ObligationFilter};
use crate::views::time_left;
use serde_json::{json, Value};

pub(crate) async fn run(worker: &Worker, job: Job) -> anyhow::Result<()> {
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
        let Some(incident) = row.obligation.subject.incident() else {
            continue;
        };
        if with_roster.contains(&incident) && !unreached.contains_key(&incident) {
            let report = worker.store.notice_coverage(incident).await?;
            unreached.insert(incident, report.uncovered());
        }
    }
    let rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            let o = &row.obligation;
            let due = o.due_at.unwrap_or(now);
            json!({
                "unreached": o.subject.incident().and_then(|incident| unreached.get(&incident)).copied().filter(|_| {
                    worker.settings.engine.is_own_work(&o.kind, crate::rules::OwnWork::FamilyNotice)
                }),
                "status": o.status(now),
                "title": o.title,
                "due_local": readable_in_zone(due, zone),
                "time_text": time_left(due - now),
                "incident_title": row.incident_title,
                // What it is owed about, so the text can say so in words.
                "owed_about": match o.subject {
                    Subject::Incident(_) => "incident",
                    Subject::Request(_) => "request",
                    Subject::Contract(_) => "contract",
                },
                // The page where the person acts (`server.public_url`).
                "incident_url": worker
                    .settings
                    .public_url
                    .as_ref()
                    .map(|base| format!("{base}{}", o.subject.page_path())),
                "citation": o.sources.iter().filter(|s| s.due_at.is_some()).min_by_key(|s| s.due_at).map(|s| s.citation.clone()),
            })
        })
        .collect();
    let follow_ups: Vec<Value> = super::coverage::follow_ups(worker.store.as_ref())
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "incident_title": f.incident_title,
                "letters_needed": f.letters_needed,
                "incident_url": worker
                    .settings
                    .public_url
                    .as_ref()
                    .map(|base| format!("{base}/incidents/{}", f.incident_id)),
            })
        })
        .collect();
    let context = json!({
        "follow_ups": follow_ups,
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
