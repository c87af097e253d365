//! The notice to families on PostgreSQL: drafting, the statement that plans
//! every message of an approval (the approval itself is
//! `store::writes::notices`), the fan-out's pages and the published copies.
//! Roster replacement and approval of one incident take a transaction
//! advisory lock so that they cannot interleave.

use super::PgStore;
use super::Tx;
use crate::store::rows::{self};
use crate::store::{EmailRecord, EmailStatus, FamilyDelivery, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Serialises the roster and approval writes of one incident across
/// connections and instances (SQLite gets this from `BEGIN IMMEDIATE`).
pub(super) async fn lock_incident_notice(tx: &mut Tx, incident_id: &str) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('breachd-notice:' || $1, 0))")
        .bind(incident_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Plans one family notice per recipient, in chunks of `chunk_size`, in
/// one statement; how many were planned.
pub(super) async fn plan_family(
    tx: &mut Tx,
    incident: &str,
    message_domain: &str,
    now: DateTime<Utc>,
    chunk_size: i64,
) -> StoreResult<u64> {
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
         FROM (SELECT ROW_NUMBER() OVER (ORDER BY email_key) AS rn, email FROM notice_recipients
               WHERE incident_id = $1 AND roster_import = (SELECT import_id FROM roster_current WHERE incident_id = $1)) AS r",
    )
    .bind(incident)
    .bind(message_domain)
    .bind(now)
    .bind(chunk_size)
    .bind(now.timestamp_millis())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(planned)
}

pub(super) async fn deliveries_due(
    store: &PgStore,
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
                 AND r.roster_import = (SELECT import_id FROM roster_current WHERE incident_id = $1)
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
    .fetch_one(&store.pool)
    .await?;
    rows::due_page(&page)
}

pub(super) async fn deliveries(
    store: &PgStore,
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
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(rows::email).collect()
}

pub(super) async fn published(store: &PgStore) -> StoreResult<Vec<serde_json::Value>> {
    // NULLS LAST: SQLite puts NULL last in a descending order.
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT public FROM notices WHERE public IS NOT NULL ORDER BY published_at DESC NULLS LAST",
    )
    .fetch_all(&store.pool)
    .await?;
    rows::public_notices(&texts)
}
