//! The job queue's statements that read the same on both backends.

use super::Statement;
use crate::store::{JobKinds, JobState, NewJob};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Plans one job; a key that exists already is left alone (rows affected 0).
pub(crate) fn insert(job: &NewJob, now: DateTime<Utc>) -> Statement<'_> {
    let done = job.state != JobState::Scheduled;
    Statement::new(
        "INSERT INTO jobs (id, kind, key, payload, due_at, state, incident_id, obligation_id, obligation_due,
                           step_order, late, created_at, updated_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (key) DO NOTHING",
    )
    .bind(job.id)
    .bind(job.kind.as_str())
    .bind(&job.key)
    .bind(job.payload.to_string())
    .bind(job.due_at)
    .bind(job.state.as_str())
    .bind(job.incident_id)
    .bind(job.obligation_id)
    .bind(job.obligation_due)
    .bind(job.step_order)
    .bind(job.late)
    .bind(now)
    .bind(now)
    .bind(done.then_some(now))
}

/// When the next scheduled job of `kinds` becomes claimable: a leased job
/// becomes claimable again when its lease runs out.
pub(crate) fn next_at(kinds: JobKinds) -> Statement<'static> {
    Statement::new(format!(
        "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > due_at THEN locked_until ELSE due_at END)
         FROM jobs WHERE state = 'scheduled'{}",
        kinds.sql()
    ))
}

/// Ends the jobs of `ids` the worker still holds, returning what their
/// audit entries need: `finish` for many rows in one round trip.
pub(crate) fn finish_many<'a>(
    ids: &[Uuid],
    worker: &'a str,
    state: JobState,
    error: Option<&'a str>,
    now: DateTime<Utc>,
) -> Statement<'a> {
    let mut statement = Statement::new(
        "UPDATE jobs SET state = $1, last_error = COALESCE($2, last_error), finished_at = $3, updated_at = $3, locked_until = NULL
         WHERE locked_by = $4 AND state = 'scheduled' AND id IN (",
    )
    .bind(state.as_str())
    .bind(error)
    .bind(now)
    .bind(worker);
    push_ids(&mut statement, ids);
    statement.push(") RETURNING id, kind, key, incident_id");
    statement
}

/// `$N, $N+1, …` for `ids`: an IN list both backends read (the ids are
/// text on both, so PostgreSQL's `= ANY($1)` would need a cast SQLite
/// lacks; a few hundred numbered parameters cost SQLite nothing).
fn push_ids<'a>(statement: &mut Statement<'a>, ids: &[Uuid]) {
    for (index, id) in ids.iter().enumerate() {
        if index > 0 {
            statement.push(", ");
        }
        statement.push_bind(*id);
    }
}

/// (job id, status, count) of the messages of the jobs of `ids`.
pub(crate) fn email_counts_of(ids: &[Uuid]) -> Statement<'static> {
    let mut statement =
        Statement::new("SELECT job_id, status, COUNT(*) FROM emails WHERE job_id IN (");
    push_ids(&mut statement, ids);
    statement.push(") GROUP BY job_id, status");
    statement
}

pub(crate) fn reschedule<'a>(
    id: Uuid,
    worker: &'a str,
    due_at: DateTime<Utc>,
    error: Option<&'a str>,
    now: DateTime<Utc>,
) -> Statement<'a> {
    Statement::new(
        "UPDATE jobs SET due_at = $1, last_error = $2, locked_until = NULL, updated_at = $3
         WHERE id = $4 AND locked_by = $5 AND state = 'scheduled'",
    )
    .bind(due_at)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(worker)
}

pub(crate) fn renew_lease(id: Uuid, worker: &str, lease_until: DateTime<Utc>) -> Statement<'_> {
    Statement::new(
        "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'scheduled'",
    )
    .bind(lease_until)
    .bind(id)
    .bind(worker)
}

pub(crate) fn later_reminders_due(
    obligation_id: Uuid,
    order: i64,
    now: DateTime<Utc>,
) -> Statement<'static> {
    Statement::new(
        "SELECT COUNT(*) FROM jobs WHERE obligation_id = $1 AND kind = 'reminder' AND state = 'scheduled'
           AND step_order > $2 AND due_at <= $3",
    )
    .bind(obligation_id)
    .bind(order)
    .bind(now)
}

/// Cancels every scheduled job of an obligation.
pub(crate) fn cancel_for_obligation(obligation_id: Uuid, now: DateTime<Utc>) -> Statement<'static> {
    Statement::new(
        "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, locked_until = NULL
         WHERE obligation_id = $2 AND state = 'scheduled'",
    )
    .bind(now)
    .bind(obligation_id)
}

/// The other reminder steps of an incident planned for the same instant,
/// leased by no one else: candidates to be sent in one message per person.
pub(crate) fn reminder_siblings<'a>(
    incident_id: Uuid,
    due_at: DateTime<Utc>,
    leader: Uuid,
    worker: &'a str,
    now: DateTime<Utc>,
) -> Statement<'a> {
    Statement::new(
        "SELECT * FROM jobs WHERE kind = 'reminder' AND state = 'scheduled' AND incident_id = $1
           AND due_at = $2 AND id <> $3
           AND (locked_until IS NULL OR locked_until < $4 OR locked_by = $5)
         ORDER BY step_order, id",
    )
    .bind(incident_id)
    .bind(due_at)
    .bind(leader)
    .bind(now)
    .bind(worker)
}

/// Ends a sibling folded into `leader`'s message, unless another worker
/// leased it meanwhile (rows affected 0).
pub(crate) fn fold_into<'a>(
    sibling: Uuid,
    leader: Uuid,
    worker: &'a str,
    now: DateTime<Utc>,
) -> Statement<'a> {
    Statement::new(
        "UPDATE jobs SET state = 'done', finished_at = $1, updated_at = $1, locked_until = NULL,
                last_error = $2
         WHERE id = $3 AND state = 'scheduled'
           AND (locked_until IS NULL OR locked_until < $1 OR locked_by = $4)",
    )
    .bind(now)
    .bind(folded_mark(leader))
    .bind(sibling)
    .bind(worker)
}

/// What a folded step's `last_error` says: whose message it went in.
pub(crate) fn folded_mark(leader: Uuid) -> String {
    format!("sent in the message of reminder {leader}")
}

/// Replaces the payload of a job the worker holds.
pub(crate) fn set_payload<'a>(id: Uuid, worker: &'a str, payload: String) -> Statement<'a> {
    Statement::new(
        "UPDATE jobs SET payload = $1 WHERE id = $2 AND locked_by = $3 AND state = 'scheduled'",
    )
    .bind(payload)
    .bind(id)
    .bind(worker)
}

/// The jobs ended as folded into `leader`'s message.
pub(crate) fn folded_into(leader: Uuid) -> Statement<'static> {
    Statement::new("SELECT id FROM jobs WHERE state = 'done' AND last_error = $1")
        .bind(folded_mark(leader))
}

/// Jobs in any of `states`: the dead most recently died first, then the
/// scheduled soonest first.
pub(crate) fn in_states(states: &[JobState]) -> Statement<'static> {
    // The states are this program's own words, never input: safe inline.
    // Within each group the death times are all set or all NULL, so the
    // backends' different NULL orders do not matter.
    let list = states
        .iter()
        .map(|state| format!("'{}'", state.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    Statement::new(format!(
        "SELECT * FROM jobs WHERE state IN ({list})
         ORDER BY CASE WHEN state = 'dead' THEN 0 ELSE 1 END,
                  CASE WHEN state = 'dead' THEN finished_at END DESC, due_at, id"
    ))
}

/// Puts a dead job back as due now, its attempts and lease reset, keeping
/// its last error for the record.
pub(crate) fn retry(id: Uuid, now: DateTime<Utc>) -> Statement<'static> {
    Statement::new(
        "UPDATE jobs SET state = 'scheduled', due_at = $1, attempts = 0, locked_until = NULL, locked_by = NULL,
                         finished_at = NULL, updated_at = $1
         WHERE id = $2 AND state = 'dead'
         RETURNING kind, key, incident_id",
    )
    .bind(now)
    .bind(id)
}
