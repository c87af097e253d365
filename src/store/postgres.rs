//! The PostgreSQL store, for districts (or regions) that run several
//! instances of breachd against one database.
//!
//! It mirrors `sqlite.rs` statement by statement, so that users see the same
//! behaviour on either backend (tests/store_conformance.rs runs one suite
//! against both). Where the two databases differ, the difference is handled
//! here:
//!
//! - Instants are `timestamptz` (microsecond precision); ids stay text, so
//!   that `breachd migrate-data` copies SQLite rows unchanged. Text columns
//!   use the "C" collation, so ordering and `>` follow byte order, as
//!   SQLite's BINARY collation does; NULL placement is spelled out where
//!   SQLite's (NULLs smallest) differs from PostgreSQL's (NULLs largest).
//! - SQLite serialises writers with `BEGIN IMMEDIATE`; PostgreSQL runs them
//!   concurrently under READ COMMITTED. Each conditional write re-checks its
//!   condition on the row it locks (version bumps, approvals, settlements);
//!   jobs are claimed with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//!   (in one instance or several) never get the same job; roster
//!   replacement and notice approval of one incident take a transaction
//!   advisory lock so that they cannot interleave.
//! - Planning a job sends `NOTIFY breachd_jobs` (delivered on commit), and
//!   `watch_jobs` LISTENs, so an instance whose scheduler sleeps wakes when
//!   another instance plans nearer work.

use super::*;
use crate::wake::Wake;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, QueryBuilder, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The channel on which planned jobs are announced to every instance.
pub const JOBS_CHANNEL: &str = "breachd_jobs";

/// Rows per multi-row INSERT: far below PostgreSQL's 65,535 bind parameters
/// for the widest table we insert into this way (jobs, 14 columns).
const INSERT_CHUNK: usize = 1000;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("breachd");
        let pool = PgPoolOptions::new()
            // Enough for a batch of jobs, the HTTP API and the listener
            // without exhausting a server shared by several instances.
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn events(&self, incident_id: Uuid) -> StoreResult<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT kind, at, recorded_at, recorded_by FROM incident_events WHERE incident_id = $1 ORDER BY at, kind",
        )
        .bind(incident_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(EventRecord {
                    kind: row.try_get("kind")?,
                    at: row.try_get("at")?,
                    recorded_at: row.try_get("recorded_at")?,
                    recorded_by: row.try_get("recorded_by")?,
                })
            })
            .collect()
    }
}

fn uuid_of(row: &PgRow, column: &str) -> StoreResult<Uuid> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text)
        .map_err(|_| StoreError::Corrupt(format!("{column} {text:?} is not a UUID")))
}

fn optional_uuid(row: &PgRow, column: &str) -> StoreResult<Option<Uuid>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|text| {
        Uuid::parse_str(&text).map_err(|_| StoreError::Corrupt(format!("{column} {text:?}")))
    })
    .transpose()
}

fn json_of<T: serde::de::DeserializeOwned>(row: &PgRow, column: &str) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON: no maps with non-string keys")
}

fn incident_of(row: &PgRow) -> StoreResult<IncidentRecord> {
    let affected: Option<i64> = row.try_get("affected_students")?;
    Ok(IncidentRecord {
        id: uuid_of(row, "id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        contractor: row.try_get("contractor")?,
        own_systems: row.try_get("own_systems")?,
        data_elements: json_of(row, "data_elements")?,
        classification: json_of(row, "classification")?,
        affected_students: affected.and_then(|n| u64::try_from(n).ok()),
        filed_by: row.try_get("filed_by")?,
        created_at: row.try_get("created_at")?,
        version: row.try_get("version")?,
        events: Vec::new(),
    })
}

fn obligation_of(row: &PgRow) -> StoreResult<ObligationRecord> {
    Ok(ObligationRecord {
        id: uuid_of(row, "id")?,
        incident_id: uuid_of(row, "incident_id")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        party: row.try_get("party")?,
        recipient: row.try_get("recipient")?,
        clock: row.try_get("clock")?,
        clock_started_at: row.try_get("clock_started_at")?,
        due_at: row.try_get("due_at")?,
        sources: json_of(row, "sources")?,
        completed_at: row.try_get("completed_at")?,
        completion_note: row.try_get("completion_note")?,
        completed_by: row.try_get("completed_by")?,
        waived_at: row.try_get("waived_at")?,
        waive_reason: row.try_get("waive_reason")?,
        waived_by: row.try_get("waived_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn job_of(row: &PgRow) -> StoreResult<Job> {
    let state: String = row.try_get("state")?;
    Ok(Job {
        id: uuid_of(row, "id")?,
        kind: row.try_get("kind")?,
        key: row.try_get("key")?,
        payload: json_of(row, "payload")?,
        due_at: row.try_get("due_at")?,
        state: JobState::parse(&state)?,
        attempts: row.try_get("attempts")?,
        locked_until: row.try_get("locked_until")?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
        incident_id: optional_uuid(row, "incident_id")?,
        obligation_id: optional_uuid(row, "obligation_id")?,
        obligation_due: row.try_get("obligation_due")?,
        step_order: row.try_get("step_order")?,
        late: row.try_get("late")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn email_of(row: &PgRow) -> StoreResult<EmailRecord> {
    let status: String = row.try_get("status")?;
    Ok(EmailRecord {
        id: uuid_of(row, "id")?,
        job_id: optional_uuid(row, "job_id")?,
        kind: row.try_get("kind")?,
        incident_id: optional_uuid(row, "incident_id")?,
        recipient: row.try_get("recipient")?,
        message_id: row.try_get("message_id")?,
        status: EmailStatus::parse(&status)?,
        attempts: row.try_get("attempts")?,
        last_reply: row.try_get("last_reply")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// SQL for one obligation status, over columns of `obligations` aliased `o`;
/// `now` is pushed as a bind where the status depends on it.
fn push_status_clause(
    query: &mut QueryBuilder<'_, Postgres>,
    status: ObligationStatus,
    now: DateTime<Utc>,
) {
    match status {
        ObligationStatus::Pending => {
            query.push("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at IS NULL)");
        }
        ObligationStatus::Open => {
            query.push("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at >= ");
            query.push_bind(now).push(")");
        }
        ObligationStatus::Overdue => {
            query.push("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at < ");
            query.push_bind(now).push(")");
        }
        ObligationStatus::Done => {
            query.push(
                "(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND (o.due_at IS NULL OR o.completed_at <= o.due_at))",
            );
        }
        ObligationStatus::Late => {
            query.push(
                "(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND o.completed_at > o.due_at)",
            );
        }
        ObligationStatus::Waived => {
            query.push("(o.waived_at IS NOT NULL)");
        }
    }
}

async fn upsert_obligations(
    tx: &mut Transaction<'static, Postgres>,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    for obligation in obligations {
        // A recorded completion or waiver is never undone by recomputation;
        // a completing event only fills an empty completion.
        sqlx::query(
            "INSERT INTO obligations (id, incident_id, kind, title, party, recipient, clock, clock_started_at, due_at, sources,
                                      completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (incident_id, kind) DO UPDATE SET
                title = excluded.title, party = excluded.party, recipient = excluded.recipient,
                clock = excluded.clock, clock_started_at = excluded.clock_started_at,
                due_at = excluded.due_at, sources = excluded.sources,
                completed_at = COALESCE(obligations.completed_at, excluded.completed_at),
                completion_note = CASE WHEN obligations.completed_at IS NULL THEN excluded.completion_note ELSE obligations.completion_note END,
                completed_by = CASE WHEN obligations.completed_at IS NULL THEN excluded.completed_by ELSE obligations.completed_by END,
                updated_at = excluded.updated_at",
        )
        .bind(obligation.id.to_string())
        .bind(incident_id.to_string())
        .bind(&obligation.kind)
        .bind(&obligation.title)
        .bind(&obligation.party)
        .bind(&obligation.recipient)
        .bind(&obligation.clock)
        .bind(obligation.clock_started_at)
        .bind(obligation.due_at)
        .bind(to_json(&obligation.sources))
        .bind(obligation.completed_at)
        .bind(&obligation.completion_note)
        .bind(&obligation.completed_by)
        .bind(obligation.waived_at)
        .bind(&obligation.waive_reason)
        .bind(&obligation.waived_by)
        .bind(obligation.updated_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Plans jobs (a key that exists is left alone) and, when any is new,
/// announces them to every instance once the transaction commits.
async fn insert_jobs(
    tx: &mut Transaction<'static, Postgres>,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut inserted = 0;
    // Multi-row statements: one round trip per thousand jobs instead of one
    // per job. ON CONFLICT DO NOTHING also skips a key repeated within one
    // statement, as the one-row-at-a-time SQLite version does.
    for rows in jobs.chunks(INSERT_CHUNK) {
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO jobs (id, kind, key, payload, due_at, state, incident_id, obligation_id, obligation_due,
                               step_order, late, created_at, updated_at, finished_at) ",
        );
        insert.push_values(rows, |mut row, job| {
            let done = job.state != JobState::Scheduled;
            row.push_bind(job.id.to_string())
                .push_bind(job.kind.clone())
                .push_bind(job.key.clone())
                .push_bind(job.payload.to_string())
                .push_bind(job.due_at)
                .push_bind(job.state.as_str())
                .push_bind(job.incident_id.map(|id| id.to_string()))
                .push_bind(job.obligation_id.map(|id| id.to_string()))
                .push_bind(job.obligation_due)
                .push_bind(job.step_order)
                .push_bind(job.late)
                .push_bind(now)
                .push_bind(now)
                .push_bind(done.then_some(now));
        });
        insert.push(" ON CONFLICT (key) DO NOTHING");
        inserted += insert.build().execute(&mut **tx).await?.rows_affected();
    }
    if inserted > 0 {
        notify_jobs(tx).await?;
    }
    Ok(inserted)
}

/// Tells every listening instance (on commit) that the schedule changed.
async fn notify_jobs(tx: &mut Transaction<'static, Postgres>) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(JOBS_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Cancels the scheduled jobs of obligations that are settled or whose due
/// time is no longer the one they were planned for.
async fn cancel_stale_jobs(
    tx: &mut Transaction<'static, Postgres>,
    incident_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, locked_until = NULL
         WHERE state = 'scheduled' AND incident_id = $2 AND obligation_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM obligations o WHERE o.id = jobs.obligation_id
                             AND o.completed_at IS NULL AND o.waived_at IS NULL
                             AND o.due_at IS NOT DISTINCT FROM jobs.obligation_due)",
    )
    .bind(now)
    .bind(incident_id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Serialises the roster and approval writes of one incident across
/// connections and instances (SQLite gets this from `BEGIN IMMEDIATE`).
async fn lock_incident_notice(
    tx: &mut Transaction<'static, Postgres>,
    incident_id: &str,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('breachd-notice:' || $1, 0))")
        .bind(incident_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The LISTEN loop of `watch_jobs`: wakes the scheduler on every
/// notification, and once more after each reconnection, since
/// notifications sent while the connection was down are lost.
async fn listen_for_jobs(pool: PgPool, wake: Wake, shutdown: CancellationToken) {
    let mut failures = 0u32;
    while !shutdown.is_cancelled() {
        let connected = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(JOBS_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        }
        .await;
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                failures += 1;
                tracing::warn!(
                    error = format!("{error:#}"),
                    "cannot LISTEN for planned jobs; retrying"
                );
                let pause = Duration::from_millis(500 * u64::from(failures.min(20)));
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
        };
        failures = 0;
        // Anything planned before LISTEN took effect is caught by this wake.
        wake.wake();
        loop {
            let received = tokio::select! {
                _ = shutdown.cancelled() => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(_)) => wake.wake(),
                // The connection was lost and re-established: notifications
                // may have been missed in between.
                Ok(None) => wake.wake(),
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "the LISTEN connection failed; reconnecting"
                    );
                    break;
                }
            }
        }
    }
}

/// Any number that is this store's own: the advisory lock that makes
/// audit appends take turns, keeping the chain linear.
const AUDIT_LOCK: i64 = 0x6272_6561_6368_6431; // "breachd1"

/// Appends an audit entry inside the caller's transaction. Writers run
/// concurrently under READ COMMITTED, so appenders first take a transaction
/// advisory lock (released at commit) and only then read the chain's head.
async fn append_audit(
    tx: &mut Transaction<'static, Postgres>,
    entry: &crate::audit::NewAudit,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut **tx)
        .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (last_seq, prev_hash) = last.unwrap_or((0, crate::audit::GENESIS.to_owned()));
    let seq = last_seq + 1;
    let hash = crate::audit::entry_hash(&prev_hash, seq, entry);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, incident_id, subject, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(entry.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(entry.incident_id.map(|id| id.to_string()))
    .bind(&entry.subject)
    .bind(entry.details.to_string())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn audit_of(row: &PgRow) -> StoreResult<crate::audit::AuditEntry> {
    let at: String = row.try_get("at")?;
    Ok(crate::audit::AuditEntry {
        seq: row.try_get("seq")?,
        at: DateTime::parse_from_rfc3339(&at)
            .map_err(|_| StoreError::Corrupt(format!("audit_log.at {at:?}")))?
            .with_timezone(&Utc),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        incident_id: optional_uuid(row, "incident_id")?,
        subject: row.try_get("subject")?,
        details: json_of(row, "details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Splits attempts into rounds in which each message appears once, so that
/// the multi-row UPDATE counts every attempt (the fan-out never
/// repeats a message in one group commit; a caller could).
fn attempt_rounds(attempts: &[Attempt]) -> Vec<Vec<&Attempt>> {
    let mut rounds: Vec<(std::collections::HashSet<Uuid>, Vec<&Attempt>)> = Vec::new();
    for attempt in attempts {
        match rounds
            .iter_mut()
            .find(|(seen, _)| !seen.contains(&attempt.email_id))
        {
            Some((seen, round)) => {
                seen.insert(attempt.email_id);
                round.push(attempt);
            }
            None => rounds.push((std::iter::once(attempt.email_id).collect(), vec![attempt])),
        }
    }
    rounds.into_iter().map(|(_, round)| round).collect()
}

/// A pool connection held by the fan-out's recorder.
struct PgRecorder {
    connection: sqlx::pool::PoolConnection<Postgres>,
}

#[async_trait]
impl AttemptRecorder for PgRecorder {
    async fn record(&mut self, attempts: &[Attempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        record_attempts_on(&mut self.connection, attempts).await
    }
}

async fn record_attempts_on(
    connection: &mut sqlx::PgConnection,
    attempts: &[Attempt],
) -> StoreResult<()> {
    use sqlx::Connection as _;
    let mut tx = connection.begin().await?;
    for round in attempt_rounds(attempts) {
        // Arrays unnested into rows: two statements per group commit,
        // whatever its size.
        let ids: Vec<String> = round.iter().map(|a| a.email_id.to_string()).collect();
        let outcomes: Vec<&str> = round.iter().map(|a| a.outcome.as_str()).collect();
        let replies: Vec<Option<String>> = round.iter().map(|a| a.reply.clone()).collect();
        let next: Vec<Option<DateTime<Utc>>> = round.iter().map(|a| a.next_attempt_at).collect();
        let at: Vec<DateTime<Utc>> = round.iter().map(|a| a.at).collect();
        let workers: Vec<&str> = round.iter().map(|a| a.worker.as_str()).collect();
        sqlx::query(
            "UPDATE emails AS e SET status = v.status, attempts = e.attempts + 1, last_reply = v.reply,
                    next_attempt_at = v.next_at,
                    sent_at = CASE WHEN v.status = 'sent' THEN v.at ELSE e.sent_at END, updated_at = v.at
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                  AS v (id, status, reply, next_at, at)
             WHERE e.id = v.id",
        )
        .bind(&ids)
        .bind(&outcomes)
        .bind(&replies)
        .bind(&next)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO email_attempts (email_id, at, outcome, reply, worker)
             SELECT * FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[])",
        )
        .bind(&ids)
        .bind(&at)
        .bind(&outcomes)
        .bind(&replies)
        .bind(&workers)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[async_trait]
impl Store for PgStore {
    async fn migrate(&self) -> StoreResult<()> {
        // sqlx takes an advisory lock: instances starting together migrate once.
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ready(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .map_err(|_| StoreError::NotReady("migrations have not been applied".into()))?;
        match MIGRATOR
            .iter()
            .find(|migration| !applied.contains(&migration.version))
        {
            Some(missing) => Err(StoreError::NotReady(format!(
                "migration {} is not applied",
                missing.version
            ))),
            None => Ok(()),
        }
    }

    fn watch_jobs(&self, wake: Wake, shutdown: CancellationToken) {
        tokio::spawn(listen_for_jobs(self.pool.clone(), wake, shutdown));
    }

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE caller = $1 AND key = $2",
        )
        .bind(caller)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let status: i64 = row.try_get("status")?;
            Ok(StoredResponse {
                request_hash: row.try_get("request_hash")?,
                status: u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt(format!("status {status}")))?,
                body: row.try_get("body")?,
            })
        })
        .transpose()
    }

    async fn create_incident(
        &self,
        incident: &IncidentRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<CreateOutcome> {
        let mut tx = self.pool.begin().await?;
        if let Some(record) = idempotency {
            // A concurrent request with the same key waits here on the
            // unique index until the first commits, then inserts nothing.
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (caller, key, request_hash, status, body, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (caller, key) DO NOTHING",
            )
            .bind(&record.caller)
            .bind(&record.key)
            .bind(&record.response.request_hash)
            .bind(i64::from(record.response.status))
            .bind(&record.response.body)
            .bind(incident.created_at)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                drop(tx);
                let first = self
                    .idempotent_response(&record.caller, &record.key)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("idempotency key vanished".into()))?;
                return Ok(CreateOutcome::Replayed(first));
            }
        }
        sqlx::query(
            "INSERT INTO incidents (id, title, description, contractor, own_systems, data_elements, classification,
                                    affected_students, filed_by, created_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)",
        )
        .bind(incident.id.to_string())
        .bind(&incident.title)
        .bind(&incident.description)
        .bind(&incident.contractor)
        .bind(incident.own_systems)
        .bind(to_json(&incident.data_elements))
        .bind(to_json(&incident.classification))
        .bind(incident.affected_students.and_then(|n| i64::try_from(n).ok()))
        .bind(&incident.filed_by)
        .bind(incident.created_at)
        .execute(&mut *tx)
        .await?;
        for event in &incident.events {
            sqlx::query("INSERT INTO incident_events (incident_id, kind, at, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(incident.id.to_string())
                .bind(&event.kind)
                .bind(event.at)
                .bind(event.recorded_at)
                .bind(&event.recorded_by)
                .execute(&mut *tx)
                .await?;
        }
        upsert_obligations(&mut tx, incident.id, obligations).await?;
        insert_jobs(&mut tx, jobs, incident.created_at).await?;
        append_audit(
            &mut tx,
            &audit_entries::incident_filed(incident, obligations),
        )
        .await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created)
    }

    async fn incident(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
        let row = sqlx::query("SELECT * FROM incidents WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut incident = incident_of(&row)?;
        incident.events = self.events(id).await?;
        Ok(Some(incident))
    }

    async fn list_incidents(
        &self,
        status: Option<IncidentStatusFilter>,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<IncidentSummary>> {
        let filter = match status {
            None => "",
            Some(IncidentStatusFilter::Open) => "WHERE unsettled > 0",
            Some(IncidentStatusFilter::Closed) => "WHERE unsettled = 0",
            Some(IncidentStatusFilter::Overdue) => "WHERE next_due_at < $1",
        };
        // $1 is bound (typed) even when the filter does not use it, so the
        // parameter numbering stays fixed.
        let sql = format!(
            "SELECT * FROM (
                SELECT i.*,
                  (SELECT COUNT(*) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS unsettled,
                  (SELECT MIN(o.due_at) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS next_due_at
                FROM incidents i
             ) AS summary {filter}
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let mut summaries = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut incident = incident_of(row)?;
            incident.events = self.events(incident.id).await?;
            summaries.push(IncidentSummary {
                incident,
                unsettled: row.try_get("unsettled")?,
                next_due_at: row.try_get("next_due_at")?,
            });
        }
        Ok(summaries)
    }

    async fn record_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // A concurrent writer holding the row makes this wait, then the
        // version check fails on the row it committed: Conflict.
        let bumped = sqlx::query(
            "UPDATE incidents SET version = version + 1 WHERE id = $1 AND version = $2",
        )
        .bind(incident_id.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?;
        if bumped.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query("INSERT INTO incident_events (incident_id, kind, at, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(incident_id.to_string())
            .bind(&event.kind)
            .bind(event.at)
            .bind(event.recorded_at)
            .bind(&event.recorded_by)
            .execute(&mut *tx)
            .await?;
        upsert_obligations(&mut tx, incident_id, obligations).await?;
        // Kinds the rules no longer produce go, unless someone acted on them.
        let kinds: Vec<String> = obligations.iter().map(|o| o.kind.clone()).collect();
        sqlx::query(
            "DELETE FROM obligations WHERE incident_id = $1 AND completed_at IS NULL AND waived_at IS NULL
               AND NOT (kind = ANY($2))",
        )
        .bind(incident_id.to_string())
        .bind(kinds)
        .execute(&mut *tx)
        .await?;
        cancel_stale_jobs(&mut tx, incident_id, event.recorded_at).await?;
        insert_jobs(&mut tx, jobs, event.recorded_at).await?;
        append_audit(
            &mut tx,
            &audit_entries::event_recorded(incident_id, event, obligations),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
        let row = sqlx::query("SELECT * FROM obligations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(obligation_of).transpose()
    }

    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM obligations WHERE incident_id = $1 ORDER BY due_at IS NULL, due_at, kind",
        )
        .bind(incident_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(obligation_of).collect()
    }

    async fn list_obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>> {
        let mut query = QueryBuilder::<Postgres>::new(
            "SELECT o.*, i.title AS incident_title FROM obligations o JOIN incidents i ON i.id = o.incident_id",
        );
        let mut conjunction = " WHERE ";
        if !filter.statuses.is_empty() {
            query.push(conjunction).push("(");
            for (index, &status) in filter.statuses.iter().enumerate() {
                if index > 0 {
                    query.push(" OR ");
                }
                push_status_clause(&mut query, status, filter.now);
            }
            query.push(")");
            conjunction = " AND ";
        }
        if let Some(before) = filter.due_before {
            query
                .push(conjunction)
                .push("o.due_at < ")
                .push_bind(before);
            conjunction = " AND ";
        }
        if let Some(incident_id) = filter.incident_id {
            query
                .push(conjunction)
                .push("o.incident_id = ")
                .push_bind(incident_id.to_string());
        }
        query
            .push(" ORDER BY o.due_at IS NULL, o.due_at, o.kind LIMIT ")
            .push_bind(filter.limit);
        let rows = query.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(ObligationWithIncident {
                    obligation: obligation_of(row)?,
                    incident_title: row.try_get("incident_title")?,
                })
            })
            .collect()
    }

    async fn settle_obligation(
        &self,
        id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SettleOutcome> {
        let mut tx = self.pool.begin().await?;
        // Two administrators settling at once: the second waits for the
        // first's row lock, then finds it settled (AlreadySettled).
        let updated = match settlement {
            Settlement::Complete { at, note } => {
                sqlx::query(
                    "UPDATE obligations SET completed_at = $1, completion_note = $2, completed_by = $3, updated_at = $4
                     WHERE id = $5 AND completed_at IS NULL AND waived_at IS NULL",
                )
                .bind(at)
                .bind(note)
                .bind(by)
                .bind(now)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?
            }
            Settlement::Waive { reason } => {
                sqlx::query(
                    "UPDATE obligations SET waived_at = $1, waive_reason = $2, waived_by = $3, updated_at = $4
                     WHERE id = $5 AND completed_at IS NULL AND waived_at IS NULL",
                )
                .bind(now)
                .bind(reason)
                .bind(by)
                .bind(now)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?
            }
        };
        if updated.rows_affected() > 0 {
            let incident: Option<String> =
                sqlx::query_scalar("SELECT incident_id FROM obligations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            let incident = incident.and_then(|t| Uuid::parse_str(&t).ok());
            append_audit(
                &mut tx,
                &audit_entries::obligation_settled(incident, id, settlement, by, now),
            )
            .await?;
            sqlx::query(
                "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, locked_until = NULL
                 WHERE obligation_id = $2 AND state = 'scheduled'",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let row = sqlx::query("SELECT * FROM obligations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(match row {
            None => SettleOutcome::NotFound,
            Some(row) if updated.rows_affected() == 0 => {
                SettleOutcome::AlreadySettled(obligation_of(&row)?)
            }
            Some(row) => SettleOutcome::Settled(obligation_of(&row)?),
        })
    }

    async fn unsettled_obligations(&self) -> StoreResult<Vec<ObligationRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM obligations WHERE due_at IS NOT NULL AND completed_at IS NULL AND waived_at IS NULL ORDER BY due_at",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(obligation_of).collect()
    }

    async fn enqueue(&self, jobs: &[NewJob]) -> StoreResult<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let inserted = insert_jobs(&mut tx, jobs, Utc::now()).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn claim_jobs_where(
        &self,
        kinds: JobKinds,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        // SKIP LOCKED: concurrent claimers (other tasks, other instances)
        // pass over rows another claimer is locking instead of waiting for
        // them or claiming them twice. A row whose claim committed while we
        // waited is re-checked (READ COMMITTED) and no longer qualifies.
        let rows = sqlx::query(&format!(
            "UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3
             WHERE id IN (SELECT id FROM jobs
                          WHERE state = 'scheduled' AND due_at <= $3 AND (locked_until IS NULL OR locked_until < $3){}
                          ORDER BY due_at LIMIT $4
                          FOR UPDATE SKIP LOCKED)
             RETURNING *",
            kinds.sql()
        ))
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = rows.iter().map(job_of).collect::<StoreResult<Vec<_>>>()?;
        jobs.sort_by_key(|job| (job.due_at, job.step_order));
        Ok(jobs)
    }

    async fn next_job_at_where(&self, kinds: JobKinds) -> StoreResult<Option<DateTime<Utc>>> {
        // A leased job becomes claimable again when its lease runs out.
        let next: Option<DateTime<Utc>> = sqlx::query_scalar(&format!(
            "SELECT MIN(CASE WHEN locked_until IS NOT NULL AND locked_until > due_at THEN locked_until ELSE due_at END)
             FROM jobs WHERE state = 'scheduled'{}",
            kinds.sql()
        ))
        .fetch_one(&self.pool)
        .await?;
        Ok(next)
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        state: JobState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let finished = sqlx::query(
            "UPDATE jobs SET state = $1, last_error = COALESCE($2, last_error), finished_at = $3, updated_at = $3, locked_until = NULL
             WHERE id = $4 AND locked_by = $5 AND state = 'scheduled'
             RETURNING kind, key, incident_id",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(now)
        .bind(id.to_string())
        .bind(worker)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = finished else {
            return Ok(false);
        };
        if state == JobState::Done {
            let kind: String = row.try_get("kind")?;
            let key: String = row.try_get("key")?;
            let incident = optional_uuid(&row, "incident_id")?;
            let counts: Vec<(String, i64)> = sqlx::query_as(
                "SELECT status, COUNT(*) FROM emails WHERE job_id = $1 GROUP BY status",
            )
            .bind(id.to_string())
            .fetch_all(&mut *tx)
            .await?;
            append_audit(
                &mut tx,
                &audit_entries::job_done(id, &kind, &key, incident, worker, counts, now),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn reschedule_job(
        &self,
        id: Uuid,
        worker: &str,
        due_at: DateTime<Utc>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let result = sqlx::query(
            "UPDATE jobs SET due_at = $1, last_error = $2, locked_until = NULL, updated_at = $3
             WHERE id = $4 AND locked_by = $5 AND state = 'scheduled'",
        )
        .bind(due_at)
        .bind(error)
        .bind(now)
        .bind(id.to_string())
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        // Should this instance die before the retry, another one must know
        // when to pick it up.
        if result.rows_affected() == 1 {
            notify_jobs(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(result.rows_affected() == 1)
    }

    async fn renew_lease(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'scheduled'",
        )
        .bind(lease_until)
        .bind(id.to_string())
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn renew_leases(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<u64> {
        // Only leases still held: one that ran out may be another
        // instance's by now, and is not ours to extend.
        let result = sqlx::query(
            "UPDATE jobs SET locked_until = $1
             WHERE locked_by = $2 AND state = 'scheduled' AND locked_until >= $3 AND locked_until < $1",
        )
        .bind(lease_until)
        .bind(worker)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    async fn later_reminder_due(
        &self,
        obligation_id: Uuid,
        order: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let later: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE obligation_id = $1 AND kind = 'reminder' AND state = 'scheduled'
               AND step_order > $2 AND due_at <= $3",
        )
        .bind(obligation_id.to_string())
        .bind(order)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(later > 0)
    }

    async fn cancel_obligation_jobs(
        &self,
        obligation_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let result = sqlx::query(
            "UPDATE jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, locked_until = NULL
             WHERE obligation_id = $2 AND state = 'scheduled'",
        )
        .bind(now)
        .bind(obligation_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    async fn incident_jobs(&self, incident_id: Uuid) -> StoreResult<Vec<Job>> {
        // NULLS FIRST: SQLite sorts NULL before any value.
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE incident_id = $1
             ORDER BY obligation_id NULLS FIRST, step_order NULLS FIRST, due_at",
        )
        .bind(incident_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_of).collect()
    }

    async fn ensure_emails(&self, emails: &[NewEmail], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        for email in emails {
            sqlx::query(
                "INSERT INTO emails (id, job_id, kind, incident_id, recipient, message_id, status, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) ON CONFLICT (job_id, recipient) DO NOTHING",
            )
            .bind(email.id.to_string())
            .bind(email.job_id.map(|id| id.to_string()))
            .bind(&email.kind)
            .bind(email.incident_id.map(|id| id.to_string()))
            .bind(&email.recipient)
            .bind(&email.message_id)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn job_emails(&self, job_id: Uuid) -> StoreResult<Vec<EmailRecord>> {
        let rows = sqlx::query("SELECT * FROM emails WHERE job_id = $1 ORDER BY recipient")
            .bind(job_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(email_of).collect()
    }

    async fn record_attempts(&self, attempts: &[Attempt]) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut connection = self.pool.acquire().await?;
        record_attempts_on(&mut connection, attempts).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn attempt_recorder(&self) -> StoreResult<Box<dyn AttemptRecorder>> {
        Ok(Box::new(PgRecorder {
            connection: self.pool.acquire().await?,
        }))
    }

    async fn replace_roster(
        &self,
        record: &RosterImportRecord,
        source: &mut dyn RosterPages,
    ) -> StoreResult<bool> {
        let incident = record.incident_id.to_string();
        let mut tx = self.pool.begin().await?;
        lock_incident_notice(&mut tx, &incident).await?;
        let approved: Option<Option<DateTime<Utc>>> =
            sqlx::query_scalar("SELECT approved_at FROM notices WHERE incident_id = $1")
                .bind(&incident)
                .fetch_optional(&mut *tx)
                .await?;
        if approved.flatten().is_some() {
            return Ok(false);
        }
        for table in ["notice_recipients", "unreachable_students"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE incident_id = $1"))
                .bind(&incident)
                .execute(&mut *tx)
                .await?;
        }
        loop {
            let page = source
                .next_recipients()
                .await
                .map_err(|e| StoreError::NotReady(format!("reading the roster: {e}")))?;
            if page.is_empty() {
                break;
            }
            for rows in page.chunks(500) {
                let mut insert = QueryBuilder::<Postgres>::new(
                    "INSERT INTO notice_recipients (incident_id, email_key, email, name, language, children) ",
                );
                insert.push_values(rows, |mut row, recipient| {
                    row.push_bind(&incident)
                        .push_bind(recipient.email.to_lowercase())
                        .push_bind(&recipient.email)
                        .push_bind(&recipient.name)
                        .push_bind(&recipient.language)
                        .push_bind(to_json(&recipient.children));
                });
                insert.push(" ON CONFLICT (incident_id, email_key) DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
        }
        loop {
            let page = source
                .next_unreachable()
                .await
                .map_err(|e| StoreError::NotReady(format!("reading the roster: {e}")))?;
            if page.is_empty() {
                break;
            }
            for rows in page.chunks(500) {
                let mut insert = QueryBuilder::<Postgres>::new(
                    "INSERT INTO unreachable_students (incident_id, student_id, name) ",
                );
                insert.push_values(rows, |mut row, (student_id, name)| {
                    row.push_bind(&incident)
                        .push_bind(student_id)
                        .push_bind(name);
                });
                insert.push(" ON CONFLICT (incident_id, student_id) DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
        }
        sqlx::query(
            "INSERT INTO roster_imports (id, incident_id, format, students, recipients, unreachable, rejected_rows, imported_at, imported_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(record.id.to_string())
        .bind(&incident)
        .bind(&record.format)
        .bind(record.students as i64)
        .bind(record.recipients as i64)
        .bind(record.unreachable as i64)
        .bind(record.rejected_rows as i64)
        .bind(record.imported_at)
        .bind(&record.imported_by)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, &audit_entries::roster_imported(record)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn latest_roster_import(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Option<RosterImportRecord>> {
        let row = sqlx::query(
            "SELECT * FROM roster_imports WHERE incident_id = $1 ORDER BY imported_at DESC, id DESC LIMIT 1",
        )
        .bind(incident_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let count = |column: &str| -> StoreResult<u64> {
                Ok(u64::try_from(row.try_get::<i64, _>(column)?).unwrap_or(0))
            };
            Ok(RosterImportRecord {
                id: uuid_of(&row, "id")?,
                incident_id: uuid_of(&row, "incident_id")?,
                format: row.try_get("format")?,
                students: count("students")?,
                recipients: count("recipients")?,
                unreachable: count("unreachable")?,
                rejected_rows: count("rejected_rows")?,
                imported_at: row.try_get("imported_at")?,
                imported_by: row.try_get("imported_by")?,
            })
        })
        .transpose()
    }

    async fn unreachable_students(&self, incident_id: Uuid) -> StoreResult<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT student_id, name FROM unreachable_students WHERE incident_id = $1 ORDER BY student_id",
        )
        .bind(incident_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("student_id")?, row.try_get("name")?)))
            .collect()
    }

    async fn ensure_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO notices (incident_id, what_happened, what_we_are_doing, what_families_can_do, contact, drafted_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (incident_id) DO NOTHING",
        )
        .bind(draft.incident_id.to_string())
        .bind(&draft.what_happened)
        .bind(&draft.what_we_are_doing)
        .bind(&draft.what_families_can_do)
        .bind(&draft.contact)
        .bind(draft.drafted_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn update_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<bool> {
        // An approval that commits first holds the row; the WHERE is then
        // re-checked on the approved row and nothing changes.
        let result = sqlx::query(
            "INSERT INTO notices (incident_id, what_happened, what_we_are_doing, what_families_can_do, contact, drafted_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (incident_id) DO UPDATE SET what_happened = $2, what_we_are_doing = $3,
                 what_families_can_do = $4, contact = $5
             WHERE notices.approved_at IS NULL",
        )
        .bind(draft.incident_id.to_string())
        .bind(&draft.what_happened)
        .bind(&draft.what_we_are_doing)
        .bind(&draft.what_families_can_do)
        .bind(&draft.contact)
        .bind(draft.drafted_at)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn notice(&self, incident_id: Uuid) -> StoreResult<Option<NoticeRecord>> {
        let row = sqlx::query("SELECT * FROM notices WHERE incident_id = $1")
            .bind(incident_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(NoticeRecord {
                incident_id: uuid_of(&row, "incident_id")?,
                what_happened: row.try_get("what_happened")?,
                what_we_are_doing: row.try_get("what_we_are_doing")?,
                what_families_can_do: row.try_get("what_families_can_do")?,
                contact: row.try_get("contact")?,
                drafted_at: row.try_get("drafted_at")?,
                approved_at: row.try_get("approved_at")?,
                approved_by: row.try_get("approved_by")?,
                recipients: row.try_get("recipients")?,
                published_at: row.try_get("published_at")?,
                published_url: row.try_get("published_url")?,
            })
        })
        .transpose()
    }

    async fn approve_notice(
        &self,
        incident_id: Uuid,
        by: &str,
        now: DateTime<Utc>,
        chunk_size: u64,
        message_domain: &str,
    ) -> StoreResult<ApproveOutcome> {
        let incident = incident_id.to_string();
        let mut tx = self.pool.begin().await?;
        lock_incident_notice(&mut tx, &incident).await?;
        let approved = sqlx::query(
            "UPDATE notices SET approved_at = $1, approved_by = $2,
                    recipients = (SELECT COUNT(*) FROM notice_recipients WHERE incident_id = $3)
             WHERE incident_id = $3 AND approved_at IS NULL",
        )
        .bind(now)
        .bind(by)
        .bind(&incident)
        .execute(&mut *tx)
        .await?;
        if approved.rows_affected() == 0 {
            let recipients: Option<i64> =
                sqlx::query_scalar("SELECT recipients FROM notices WHERE incident_id = $1")
                    .bind(&incident)
                    .fetch_optional(&mut *tx)
                    .await?
                    .flatten();
            let recipients = u64::try_from(recipients.unwrap_or(0)).unwrap_or(0);
            return Ok(ApproveOutcome {
                recipients,
                chunks: recipients.div_ceil(chunk_size.max(1)),
                already: true,
            });
        }
        let chunk_size = i64::try_from(chunk_size.max(1)).unwrap_or(500);
        // Ids are UUIDs in their hyphenated text form, the form every other
        // id is stored in, so that `record_attempts` (which binds
        // `Uuid::to_string()`) finds them; in the UUIDv7 layout and in
        // sending order, as SQLite makes them (`ordered_email_id`).
        // Message-IDs: 32 random lowercase hex digits, as SQLite's
        // lower(hex(randomblob(16))) gives.
        let planned = sqlx::query(
            "INSERT INTO emails (id, job_id, kind, incident_id, recipient, message_id, status, attempts, created_at, updated_at, chunk)
             SELECT lpad(to_hex(($5 >> 16) & 4294967295), 8, '0') || '-' || lpad(to_hex($5 & 65535), 4, '0')
                    || '-7' || lpad(to_hex((rn >> 26) & 4095), 3, '0') || '-' || to_hex(32768 | ((rn >> 12) & 16383))
                    || '-' || lpad(to_hex(rn & 4095), 3, '0') || lpad(to_hex(floor(random() * 68719476736)::bigint), 9, '0'),
                    NULL, 'family-notice', $1, email,
                    '<' || replace(gen_random_uuid()::text, '-', '') || '@' || $2 || '>', 'queued', 0, $3, $3,
                    (rn - 1) / $4
             FROM (SELECT ROW_NUMBER() OVER (ORDER BY email_key) AS rn, email FROM notice_recipients WHERE incident_id = $1) AS r",
        )
        .bind(&incident)
        .bind(message_domain)
        .bind(now)
        .bind(chunk_size)
        .bind(now.timestamp_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let chunks = planned.div_ceil(chunk_size as u64);
        let mut jobs: Vec<NewJob> = (0..chunks)
            .map(|chunk| NewJob {
                id: Uuid::now_v7(),
                kind: "family_notice".into(),
                key: format!("family-notice:{incident_id}:{chunk}"),
                payload: serde_json::json!({ "chunk": chunk }),
                due_at: now,
                state: JobState::Scheduled,
                incident_id: Some(incident_id),
                obligation_id: None,
                obligation_due: None,
                step_order: None,
                late: false,
            })
            .collect();
        jobs.push(NewJob {
            id: Uuid::now_v7(),
            kind: "publish".into(),
            key: format!("publish:{incident_id}"),
            payload: serde_json::json!({}),
            due_at: now,
            state: JobState::Scheduled,
            incident_id: Some(incident_id),
            obligation_id: None,
            obligation_due: None,
            step_order: None,
            late: false,
        });
        insert_jobs(&mut tx, &jobs, now).await?;
        append_audit(
            &mut tx,
            &audit_entries::notice_approved(incident_id, by, now, planned, chunks),
        )
        .await?;
        tx.commit().await?;
        Ok(ApproveOutcome {
            recipients: planned,
            chunks,
            already: false,
        })
    }

    async fn family_deliveries_due(
        &self,
        incident_id: Uuid,
        chunk: i64,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FamilyDelivery>> {
        // One row: the page as a JSON array (see `DuePageRow`), as SQLite.
        let page: String = sqlx::query_scalar(
            "SELECT COALESCE(json_agg(json_build_object(
                        'id', id, 'job_id', job_id, 'kind', kind, 'incident_id', incident_id,
                        'recipient', recipient, 'message_id', message_id, 'status', status,
                        'attempts', attempts, 'last_reply', last_reply, 'next_attempt_at', next_attempt_at,
                        'sent_at', sent_at, 'r_email', r_email, 'r_name', r_name, 'r_language', r_language,
                        'r_children', r_children::json) ORDER BY recipient), '[]')::text
             FROM (SELECT e.*, r.email AS r_email, r.name AS r_name, r.language AS r_language, r.children AS r_children
                   FROM emails e JOIN notice_recipients r ON r.incident_id = e.incident_id AND r.email_key = lower(e.recipient)
                   WHERE e.incident_id = $1 AND e.kind = 'family-notice' AND e.chunk = $2
                     AND (e.status = 'queued' OR (e.status = 'deferred' AND e.next_attempt_at <= $3))
                     AND e.recipient > $4
                   ORDER BY e.recipient LIMIT $5) AS page",
        )
        .bind(incident_id.to_string())
        .bind(chunk)
        .bind(now)
        // "" sorts before every address: the first page seeks like the others.
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_one(&self.pool)
        .await?;
        due_page(&page)
    }

    async fn family_unsettled(&self, incident_id: Uuid) -> StoreResult<bool> {
        let unsettled: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM emails WHERE incident_id = $1 AND status IN ('queued', 'deferred')
                            AND kind = 'family-notice')",
        )
        .bind(incident_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(unsettled)
    }

    async fn family_chunk_pending(
        &self,
        incident_id: Uuid,
        chunk: i64,
    ) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, MIN(next_attempt_at) AS next FROM emails
             WHERE incident_id = $1 AND kind = 'family-notice' AND chunk = $2 AND status IN ('queued', 'deferred')",
        )
        .bind(incident_id.to_string())
        .bind(chunk)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("pending")?, row.try_get("next")?))
    }

    async fn delivery_counts(&self, incident_id: Uuid) -> StoreResult<Vec<(EmailStatus, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM emails WHERE incident_id = $1 AND kind = 'family-notice' GROUP BY status",
        )
        .bind(incident_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok((EmailStatus::parse(&status)?, row.try_get("n")?))
            })
            .collect()
    }

    async fn deliveries(
        &self,
        incident_id: Uuid,
        status: Option<EmailStatus>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EmailRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM emails WHERE incident_id = $1 AND kind = 'family-notice'
               AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR recipient > $3)
             ORDER BY recipient LIMIT $4",
        )
        .bind(incident_id.to_string())
        .bind(status.map(EmailStatus::as_str))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(email_of).collect()
    }

    async fn mark_published(
        &self,
        incident_id: Uuid,
        public: &serde_json::Value,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE notices SET public = $1, published_url = $2, published_at = $3 WHERE incident_id = $4",
        )
        .bind(public.to_string())
        .bind(url)
        .bind(at)
        .bind(incident_id.to_string())
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            &audit_entries::notice_published(incident_id, url, at),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn published_notices(&self) -> StoreResult<Vec<serde_json::Value>> {
        // NULLS LAST: SQLite puts NULL last in a descending order.
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT public FROM notices WHERE public IS NOT NULL ORDER BY published_at DESC NULLS LAST",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|text| {
                serde_json::from_str(text)
                    .map_err(|e| StoreError::Corrupt(format!("notices.public: {e}")))
            })
            .collect()
    }

    async fn obligation_counts(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(ObligationStatus, i64)>> {
        let row = sqlx::query(
            "SELECT
               COUNT(*) FILTER (WHERE completed_at IS NULL AND waived_at IS NULL AND due_at IS NULL) AS pending,
               COUNT(*) FILTER (WHERE completed_at IS NULL AND waived_at IS NULL AND due_at >= $1) AS open,
               COUNT(*) FILTER (WHERE completed_at IS NULL AND waived_at IS NULL AND due_at < $1) AS overdue,
               COUNT(*) FILTER (WHERE completed_at IS NOT NULL AND waived_at IS NULL AND (due_at IS NULL OR completed_at <= due_at)) AS done,
               COUNT(*) FILTER (WHERE completed_at IS NOT NULL AND waived_at IS NULL AND completed_at > due_at) AS late,
               COUNT(*) FILTER (WHERE waived_at IS NOT NULL) AS waived
             FROM obligations",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        ObligationStatus::ALL
            .into_iter()
            .map(|status| Ok((status, row.try_get::<i64, _>(status.as_str())?)))
            .collect()
    }

    async fn queue_depth(&self, now: DateTime<Utc>) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE due_at <= $1) AS due, COUNT(*) AS scheduled FROM jobs WHERE state = 'scheduled'",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("due")?, row.try_get("scheduled")?))
    }

    async fn audit_entries(
        &self,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<crate::audit::AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_of).collect()
    }

    async fn incident_audit(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Vec<crate::audit::AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE incident_id = $1 ORDER BY seq")
            .bind(incident_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_of).collect()
    }

    async fn append_audit(&self, entry: &crate::audit::NewAudit) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        append_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
