//! The SQLite store: one file, WAL journal, foreign keys on, a busy timeout,
//! created (with its folder) when missing. Write transactions start with
//! `BEGIN IMMEDIATE` so that two writers queue on the busy timeout instead of
//! failing when a read lock cannot be upgraded.

use super::*;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|error| {
                    StoreError::NotReady(format!("cannot create {}: {error}", parent.display()))
                })?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn events(&self, incident_id: Uuid) -> StoreResult<Vec<EventRecord>> {
        let rows = sqlx::query(
            "SELECT kind, at, recorded_at, recorded_by FROM incident_events WHERE incident_id = ? ORDER BY at, kind",
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

fn uuid_of(row: &SqliteRow, column: &str) -> StoreResult<Uuid> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text)
        .map_err(|_| StoreError::Corrupt(format!("{column} {text:?} is not a UUID")))
}

fn json_of<T: serde::de::DeserializeOwned>(row: &SqliteRow, column: &str) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("records serialize to JSON: no maps with non-string keys")
}

fn incident_of(row: &SqliteRow) -> StoreResult<IncidentRecord> {
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

fn obligation_of(row: &SqliteRow) -> StoreResult<ObligationRecord> {
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

/// SQL for one obligation status, over columns of `obligations` aliased `o`;
/// `?` is bound to "now".
fn status_clause(status: ObligationStatus) -> (&'static str, bool) {
    match status {
        ObligationStatus::Pending => ("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at IS NULL)", false),
        ObligationStatus::Open => ("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at >= ?)", true),
        ObligationStatus::Overdue => ("(o.completed_at IS NULL AND o.waived_at IS NULL AND o.due_at < ?)", true),
        ObligationStatus::Done => (
            "(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND (o.due_at IS NULL OR o.completed_at <= o.due_at))",
            false,
        ),
        ObligationStatus::Late => ("(o.completed_at IS NOT NULL AND o.waived_at IS NULL AND o.completed_at > o.due_at)", false),
        ObligationStatus::Waived => ("(o.waived_at IS NOT NULL)", false),
    }
}

async fn upsert_obligations(
    tx: &mut Transaction<'static, Sqlite>,
    incident_id: Uuid,
    obligations: &[ObligationRecord],
) -> StoreResult<()> {
    for obligation in obligations {
        // A recorded completion or waiver is never undone by recomputation;
        // a completing event only fills an empty completion.
        sqlx::query(
            "INSERT INTO obligations (id, incident_id, kind, title, party, recipient, clock, clock_started_at, due_at, sources,
                                      completed_at, completion_note, completed_by, waived_at, waive_reason, waived_by, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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

#[async_trait]
impl Store for SqliteStore {
    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ready(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
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

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys WHERE caller = ? AND key = ?",
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
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<CreateOutcome> {
        let mut tx = self.write().await?;
        if let Some(record) = idempotency {
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (caller, key, request_hash, status, body, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (caller, key) DO NOTHING",
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
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
            sqlx::query("INSERT INTO incident_events (incident_id, kind, at, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)")
                .bind(incident.id.to_string())
                .bind(&event.kind)
                .bind(event.at)
                .bind(event.recorded_at)
                .bind(&event.recorded_by)
                .execute(&mut *tx)
                .await?;
        }
        upsert_obligations(&mut tx, incident.id, obligations).await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created)
    }

    async fn incident(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
        let row = sqlx::query("SELECT * FROM incidents WHERE id = ?")
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
            Some(IncidentStatusFilter::Overdue) => "WHERE next_due_at < ?1",
        };
        let sql = format!(
            "SELECT * FROM (
                SELECT i.*,
                  (SELECT COUNT(*) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS unsettled,
                  (SELECT MIN(o.due_at) FROM obligations o WHERE o.incident_id = i.id AND o.completed_at IS NULL AND o.waived_at IS NULL) AS next_due_at
                FROM incidents i
             ) {filter}
             ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
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
    ) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let bumped =
            sqlx::query("UPDATE incidents SET version = version + 1 WHERE id = ? AND version = ?")
                .bind(incident_id.to_string())
                .bind(expected_version)
                .execute(&mut *tx)
                .await?;
        if bumped.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query("INSERT INTO incident_events (incident_id, kind, at, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)")
            .bind(incident_id.to_string())
            .bind(&event.kind)
            .bind(event.at)
            .bind(event.recorded_at)
            .bind(&event.recorded_by)
            .execute(&mut *tx)
            .await?;
        upsert_obligations(&mut tx, incident_id, obligations).await?;
        // Kinds the rules no longer produce go, unless someone acted on them.
        let kinds = to_json(
            &obligations
                .iter()
                .map(|o| o.kind.as_str())
                .collect::<Vec<_>>(),
        );
        sqlx::query(
            "DELETE FROM obligations WHERE incident_id = ? AND completed_at IS NULL AND waived_at IS NULL
               AND kind NOT IN (SELECT value FROM json_each(?))",
        )
        .bind(incident_id.to_string())
        .bind(kinds)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
        let row = sqlx::query("SELECT * FROM obligations WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(obligation_of).transpose()
    }

    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM obligations WHERE incident_id = ? ORDER BY due_at IS NULL, due_at, kind",
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
        let mut clauses = Vec::new();
        let mut now_binds = 0;
        if !filter.statuses.is_empty() {
            let parts: Vec<&str> = filter
                .statuses
                .iter()
                .map(|&status| {
                    let (sql, binds_now) = status_clause(status);
                    now_binds += usize::from(binds_now);
                    sql
                })
                .collect();
            clauses.push(format!("({})", parts.join(" OR ")));
        }
        if filter.due_before.is_some() {
            clauses.push("o.due_at < ?".into());
        }
        if filter.incident_id.is_some() {
            clauses.push("o.incident_id = ?".into());
        }
        let sql = format!(
            "SELECT o.*, i.title AS incident_title FROM obligations o JOIN incidents i ON i.id = o.incident_id
             {} ORDER BY o.due_at IS NULL, o.due_at, o.kind LIMIT ?",
            if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) }
        );
        let mut query = sqlx::query(&sql);
        for _ in 0..now_binds {
            query = query.bind(filter.now);
        }
        if let Some(before) = filter.due_before {
            query = query.bind(before);
        }
        if let Some(incident_id) = filter.incident_id {
            query = query.bind(incident_id.to_string());
        }
        let rows = query.bind(filter.limit).fetch_all(&self.pool).await?;
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
        let mut tx = self.write().await?;
        let updated = match settlement {
            Settlement::Complete { at, note } => {
                sqlx::query(
                    "UPDATE obligations SET completed_at = ?, completion_note = ?, completed_by = ?, updated_at = ?
                     WHERE id = ? AND completed_at IS NULL AND waived_at IS NULL",
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
                    "UPDATE obligations SET waived_at = ?, waive_reason = ?, waived_by = ?, updated_at = ?
                     WHERE id = ? AND completed_at IS NULL AND waived_at IS NULL",
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
        let row = sqlx::query("SELECT * FROM obligations WHERE id = ?")
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
}
