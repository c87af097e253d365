//! The job queue's transactions: planning jobs, ending one (audited when
//! its work is done or it died), retrying a dead one, and the order a claim hands jobs out in.

use super::audit;
use crate::store::jobs::dead_job_report;
use crate::store::read::Reader;
use crate::store::rows::{self, Columns};
use crate::store::statements::jobs as sql;
use crate::store::statements::Statement;
use crate::store::tx::{Cells, WriteTx, Writer};
use crate::store::{
    audit_entries, FoldedReminder, Job, JobEnd, JobKind, JobState, NewJob, StoreResult,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// Plans jobs; a key that exists already is left alone. How many were new.
pub(crate) async fn enqueue<S: Writer>(
    store: &S,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    if jobs.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin_write().await?;
    let inserted = tx.insert_jobs(jobs, now).await?;
    tx.commit().await?;
    Ok(inserted)
}

/// The jobs a claim leased, soonest first and a reminder's steps in order.
pub(crate) fn claimed(rows: &[impl Columns]) -> StoreResult<Vec<Job>> {
    let mut jobs = rows
        .iter()
        .map(rows::job)
        .collect::<StoreResult<Vec<_>>>()?;
    jobs.sort_by_key(|job| (job.due_at, job.step_order));
    Ok(jobs)
}

/// Ends one job the worker holds (`finish_many` of one).
pub(crate) async fn finish<S: Writer>(
    store: &S,
    id: Uuid,
    worker: &str,
    state: JobState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let end = JobEnd {
        id,
        worker: worker.to_owned(),
        state,
        error: error.map(str::to_owned),
    };
    Ok(finish_many(store, &[end], now).await?[0])
}

/// What a finished job's audit entry needs, from the row it ended.
struct Ended {
    kind: String,
    key: String,
    incident: Option<Uuid>,
}

/// Ends the jobs their workers still hold, in one transaction: one UPDATE
/// per (worker, state, error) among them (a batch is nearly always one),
/// one read of the done jobs' message counts, and their audit entries
/// appended together in one turn at the chain, so the entries commit with
/// the state changes they record. For each end, in order, whether it ended
/// its job (false when the worker no longer held it, or it was named twice).
pub(crate) async fn finish_many<S: Writer>(
    store: &S,
    ends: &[JobEnd],
    now: DateTime<Utc>,
) -> StoreResult<Vec<bool>> {
    if ends.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = store.begin_write().await?;
    let mut groups: Vec<(&str, JobState, Option<&str>, Vec<Uuid>)> = Vec::new();
    for end in ends {
        let key = (end.worker.as_str(), end.state, end.error.as_deref());
        match groups
            .iter_mut()
            .find(|(worker, state, error, _)| (*worker, *state, *error) == key)
        {
            Some(group) => group.3.push(end.id),
            None => groups.push((key.0, key.1, key.2, vec![end.id])),
        }
    }
    let mut ended: HashMap<Uuid, Ended> = HashMap::new();
    for (worker, state, error, ids) in &groups {
        for row in tx
            .fetch_all(&sql::finish_many(ids, worker, *state, *error, now))
            .await?
        {
            ended.insert(
                rows::uuid(&row, "id")?,
                Ended {
                    kind: row.read("kind")?,
                    key: row.read("key")?,
                    incident: rows::optional_uuid(&row, "incident_id")?,
                },
            );
        }
    }
    // Work done (a reminder or digest sent, a chunk of notices sent, a
    // notice published) is audited with its message counts; skips and
    // cancellations are not state changes anyone acted on.
    let done: Vec<Uuid> = ends
        .iter()
        .filter(|end| end.state == JobState::Done && ended.contains_key(&end.id))
        .map(|end| end.id)
        .collect();
    let mut counts: HashMap<Uuid, Vec<(String, i64)>> = HashMap::new();
    if !done.is_empty() {
        for row in tx.fetch_all(&sql::email_counts_of(&done)).await? {
            let job: String = row.read_at(0)?;
            let job = Uuid::parse_str(&job)
                .map_err(|e| crate::store::StoreError::Corrupt(format!("job id {job:?}: {e}")))?;
            counts
                .entry(job)
                .or_default()
                .push((row.read_at(1)?, row.read_at(2)?));
        }
    }
    let mut entries = Vec::new();
    let mut reports = Vec::new();
    let mut answers = Vec::with_capacity(ends.len());
    let mut seen = std::collections::HashSet::new();
    for end in ends {
        let Some(row) = ended.get(&end.id).filter(|_| seen.insert(end.id)) else {
            answers.push(false);
            continue;
        };
        answers.push(true);
        match end.state {
            JobState::Done => entries.push(audit_entries::job_done(
                end.id,
                &row.kind,
                &row.key,
                row.incident,
                &end.worker,
                counts.remove(&end.id).unwrap_or_default(),
                now,
            )),
            // A job that died is audited and reported to the privacy
            // officer in the same transaction, so it is reported exactly
            // once; a report that itself dies is not reported again (no
            // loops), only logged and shown.
            JobState::Dead => {
                entries.push(audit_entries::job_dead(
                    end.id,
                    &row.kind,
                    &row.key,
                    row.incident,
                    &end.worker,
                    now,
                ));
                if JobKind::parse(&row.kind) != JobKind::DeadJobReport {
                    reports.push(dead_job_report(
                        end.id,
                        &row.kind,
                        end.error.as_deref(),
                        row.incident,
                        now,
                    ));
                }
            }
            _ => {}
        }
    }
    audit::append_all(&mut tx, &entries).await?;
    if !reports.is_empty() {
        tx.insert_jobs(&reports, now).await?;
    }
    tx.commit().await?;
    Ok(answers)
}

/// Puts a dead job back as due now with its attempts reset, audited as
/// `by`'s act; false when there is no such dead job.
pub(crate) async fn retry<S: Writer>(
    store: &S,
    id: Uuid,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    let Some(row) = tx.fetch_optional(&sql::retry(id, now)).await? else {
        return Ok(false);
    };
    let kind: String = row.read("kind")?;
    let key: String = row.read("key")?;
    let incident = rows::optional_uuid(&row, "incident_id")?;
    let entry = audit_entries::job_retried(id, &kind, &key, incident, by, now);
    audit::append(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(true)
}

/// Extends one job's lease while `worker` still holds it (one statement,
/// no transaction); false when it no longer does.
pub(crate) async fn renew_lease<S: Reader>(
    store: &S,
    id: Uuid,
    worker: &str,
    lease_until: DateTime<Utc>,
) -> StoreResult<bool> {
    Ok(store
        .execute(&sql::renew_lease(id, worker, lease_until))
        .await?
        == 1)
}

/// Cancels an obligation's planned reminders; how many.
pub(crate) async fn cancel_for_obligation<S: Reader>(
    store: &S,
    obligation_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    store
        .execute(&sql::cancel_for_obligation(obligation_id, now))
        .await
}

/// What a fold's statements run on: the store's pool, each statement on
/// its own (`OnPool`), or one write transaction for a group of folds
/// (`InTx`).
#[async_trait::async_trait]
trait Statements: Send {
    type Row: Cells;
    async fn rows(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<Self::Row>>;
    async fn run(&mut self, statement: &Statement<'_>) -> StoreResult<u64>;
}

struct OnPool<'a, S>(&'a S);

#[async_trait::async_trait]
impl<S: Reader> Statements for OnPool<'_, S> {
    type Row = S::Row;
    async fn rows(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<S::Row>> {
        self.0.fetch_all(statement).await
    }
    async fn run(&mut self, statement: &Statement<'_>) -> StoreResult<u64> {
        self.0.execute(statement).await
    }
}

struct InTx<'a, T>(&'a mut T);

#[async_trait::async_trait]
impl<T: WriteTx> Statements for InTx<'_, T> {
    type Row = T::Row;
    async fn rows(&mut self, statement: &Statement<'_>) -> StoreResult<Vec<T::Row>> {
        self.0.fetch_all(statement).await
    }
    async fn run(&mut self, statement: &Statement<'_>) -> StoreResult<u64> {
        self.0.execute(statement).await
    }
}

/// Folds the reminder steps planned for the same instant as `leader` (same
/// incident and step label, fixed-time steps only) into its message.
///
/// No statement here holds a lock while waiting for another (each is one
/// row, on its own), so folding cannot deadlock with a transaction that
/// re-plans the incident's jobs. The candidates are first written into the
/// leader's payload (`folded`), then each is ended unless another worker
/// leased it meanwhile; `folded_by` tells, after a crash, which of them were
/// ended. A step another worker holds is left to it, so none is sent twice.
/// The caller's own batch runs a group's jobs one after another (the folded
/// ones are then found ended and skipped: `Worker::run_due`).
pub(crate) async fn fold_reminders<S: Reader>(
    store: &S,
    leader: &Job,
    worker: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<FoldedReminder>> {
    fold(&mut OnPool(store), leader, worker, now).await
}

/// Folds for several leaders at once (`fold_reminders` for each). Where
/// one writer at a time is all there is (SQLite), they share one write
/// transaction, so a burst of reminders pays one commit (an fsync) for a
/// group of folds instead of two per fold, which bounded it; a deadlock is
/// impossible there, the writer lock being the only lock. Elsewhere
/// (PostgreSQL) each fold runs on its own, concurrently, statement by
/// statement as `fold_reminders` explains.
pub(crate) async fn fold_reminders_many<S: Writer + Reader>(
    store: &S,
    leaders: &[Job],
    worker: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Vec<FoldedReminder>>> {
    if !S::ONE_WRITER {
        let folds = leaders
            .iter()
            .map(|leader| fold_reminders(store, leader, worker, now));
        return futures_util::future::try_join_all(folds).await;
    }
    let mut tx = store.begin_write().await?;
    let mut folded = Vec::with_capacity(leaders.len());
    for leader in leaders {
        folded.push(fold(&mut InTx(&mut tx), leader, worker, now).await?);
    }
    tx.commit().await?;
    Ok(folded)
}

async fn fold<R: Statements>(
    on: &mut R,
    leader: &Job,
    worker: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<FoldedReminder>> {
    let Some(incident_id) = leader.incident_id else {
        return Ok(Vec::new());
    };
    let label = leader.payload["label"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let candidates: Vec<FoldedReminder> = on
        .rows(&sql::reminder_siblings(
            incident_id,
            leader.due_at,
            leader.id,
            worker,
            now,
        ))
        .await?
        .iter()
        .map(rows::job)
        .collect::<StoreResult<Vec<Job>>>()?
        .into_iter()
        .filter(|job| job.payload["label"].as_str() == Some(label.as_str()))
        .filter(|job| job.payload.get("asap_point").is_none())
        .filter_map(|job| {
            Some(FoldedReminder {
                job_id: job.id,
                obligation_id: job.obligation_id?,
                obligation_due: job.obligation_due,
                step_order: job.step_order?,
                late: job.late,
                payload: job.payload,
            })
        })
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The intent first: a crash after a sibling is ended but before it is
    // sent leaves it named here.
    let mut payload = leader.payload.clone();
    let mut all: Vec<FoldedReminder> =
        serde_json::from_value(payload["folded"].clone()).unwrap_or_default();
    all.extend(candidates.iter().cloned());
    payload["folded"] = serde_json::to_value(&all).expect("folded reminders serialize");
    if on
        .run(&sql::set_payload(
            leader.id,
            worker,
            rows::to_json(&payload),
        ))
        .await?
        == 0
    {
        // The leader is no longer ours: fold nothing.
        return Ok(Vec::new());
    }
    let mut folded = Vec::new();
    for candidate in candidates {
        if on
            .run(&sql::fold_into(candidate.job_id, leader.id, worker, now))
            .await?
            == 1
        {
            folded.push(candidate);
        }
    }
    Ok(folded)
}

/// Of the steps a leader's payload names, those it ended (a re-run after a
/// crash sends exactly these).
pub(crate) async fn folded_by<S: Reader>(
    store: &S,
    leader: &Job,
    named: Vec<FoldedReminder>,
) -> StoreResult<Vec<FoldedReminder>> {
    let ended: Vec<String> = store
        .fetch_all(&sql::folded_into(leader.id))
        .await?
        .iter()
        .map(|row| row.read_at::<String>(0))
        .collect::<StoreResult<Vec<String>>>()?;
    let ended: Vec<uuid::Uuid> = ended
        .iter()
        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
        .collect();
    Ok(named
        .into_iter()
        .filter(|step| ended.contains(&step.job_id))
        .collect())
}
