//! The notice to families on SQLite: drafting, the statement that plans
//! every message of an approval (the approval itself is
//! `store::writes::notices`), the fan-out's pages and the published copies.

use super::{SqliteStore, Tx};
use crate::store::rows::{self};
use crate::store::{EmailRecord, EmailStatus, FamilyDelivery, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Plans one family notice per recipient, in chunks of `chunk_size`, in
/// one statement; how many were planned.
pub(super) async fn plan_family(
    tx: &mut Tx,
    incident: &str,
    message_domain: &str,
    now: DateTime<Utc>,
    chunk_size: i64,
) -> StoreResult<u64> {
    // Ids in the UUIDv7 layout, in sending order (see `ordered_email_id`):
    // each outcome recorded then appends to the attempts' index instead of
    // dirtying a random page of it.
    let planned = sqlx::query(
        "INSERT INTO emails (id, job_id, kind, incident_id, recipient, message_id, status, attempts, created_at, updated_at, chunk)
         SELECT printf('%08x-%04x-7%03x-%04x-%03x%09x', (?5 >> 16) & 4294967295, ?5 & 65535,
                       (rn >> 26) & 4095, 32768 | ((rn >> 12) & 16383), rn & 4095, random() & 68719476735),
                NULL, 'family-notice', ?1, email,
                '<' || lower(hex(randomblob(16))) || '@' || ?2 || '>', 'queued', 0, ?3, ?3,
                (rn - 1) / ?4
         FROM (SELECT ROW_NUMBER() OVER (ORDER BY email_key) AS rn, email FROM notice_recipients
               WHERE incident_id = ?1 AND roster_import = (SELECT import_id FROM roster_current WHERE incident_id = ?1))",
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
    store: &SqliteStore,
    incident_id: Uuid,
    chunk: i64,
    now: DateTime<Utc>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<FamilyDelivery>> {
    // One row: the page as a JSON array (see `DuePageRow`).
    let page: String = sqlx::query_scalar(
        "SELECT json_group_array(json_object(
                    'id', id, 'job_id', job_id, 'kind', kind, 'incident_id', incident_id,
                    'recipient', recipient, 'message_id', message_id, 'status', status,
                    'attempts', attempts, 'last_reply', last_reply, 'next_attempt_at', next_attempt_at,
                    'sent_at', sent_at, 'r_email', r_email, 'r_name', r_name, 'r_language', r_language,
                    'r_children', json(r_children)) ORDER BY recipient)
         FROM (SELECT e.*, r.email AS r_email, r.name AS r_name, r.language AS r_language, r.children AS r_children
               FROM emails e JOIN notice_recipients r ON r.incident_id = e.incident_id AND r.email_key = lower(e.recipient)
                 AND r.roster_import = (SELECT import_id FROM roster_current WHERE incident_id = ?1)
               WHERE e.incident_id = ?1 AND e.kind = 'family-notice' AND e.chunk = ?2
                 AND (e.status = 'queued' OR (e.status = 'deferred' AND e.next_attempt_at <= ?3))
                 AND e.recipient > ?4
               ORDER BY e.recipient LIMIT ?5)",
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
    store: &SqliteStore,
    incident_id: Uuid,
    status: Option<EmailStatus>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<EmailRecord>> {
    let rows = sqlx::query(
        "SELECT * FROM emails WHERE incident_id = ?1 AND kind = 'family-notice'
           AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR recipient > ?3)
         ORDER BY recipient LIMIT ?4",
    )
    .bind(incident_id.to_string())
    .bind(status.map(EmailStatus::as_str))
    .bind(after)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(rows::email).collect()
}

pub(super) async fn published(store: &SqliteStore) -> StoreResult<Vec<serde_json::Value>> {
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT public FROM notices WHERE public IS NOT NULL ORDER BY published_at DESC",
    )
    .fetch_all(&store.pool)
    .await?;
    rows::public_notices(&texts)
}
