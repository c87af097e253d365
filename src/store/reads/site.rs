//! Reading the public website's files, the checks of its pages and the
//! family notice's attempts for the evidence.

use crate::store::read::Reader;
use crate::store::rows::Columns;
use crate::store::statements::site as sql;
use crate::store::{
    DeliveryAttemptRecord, SiteFileRecord, StoreError, StoreResult, WebsiteCheckRecord,
};
use uuid::Uuid;

pub(crate) async fn file<S: Reader>(store: &S, name: &str) -> StoreResult<Option<SiteFileRecord>> {
    let row = store.fetch_optional(&sql::file(name)).await?;
    row.as_ref().map(site_file).transpose()
}

pub(crate) async fn checks<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<WebsiteCheckRecord>> {
    let rows = store.fetch_all(&sql::checks(incident_id)).await?;
    rows.iter().map(website_check).collect()
}

pub(crate) async fn delivery_attempts<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<DeliveryAttemptRecord>> {
    let rows = store
        .fetch_all(&sql::delivery_attempts(incident_id))
        .await?;
    rows.iter().map(delivery_attempt).collect()
}

fn id(row: &impl Columns, column: &str) -> StoreResult<Uuid> {
    let text: String = row.read(column)?;
    Uuid::parse_str(&text)
        .map_err(|_| StoreError::Corrupt(format!("{column} {text:?} is not a UUID")))
}

fn site_file(row: &impl Columns) -> StoreResult<SiteFileRecord> {
    Ok(SiteFileRecord {
        name: row.read("name")?,
        content_type: row.read("content_type")?,
        body: row.read("body")?,
        sha256: row.read("sha256")?,
        updated_at: row.read("updated_at")?,
    })
}

fn website_check(row: &impl Columns) -> StoreResult<WebsiteCheckRecord> {
    Ok(WebsiteCheckRecord {
        id: id(row, "id")?,
        incident_id: id(row, "incident_id")?,
        checked_at: row.read("checked_at")?,
        url: row.read("url")?,
        http_status: row.read("http_status")?,
        body_sha256: row.read("body_sha256")?,
        expected_sha256: row.read("expected_sha256")?,
        matched: row.read("matched")?,
        error: row.read("error")?,
        next_at: row.read("next_at")?,
        instance: row.read("instance")?,
    })
}

fn delivery_attempt(row: &impl Columns) -> StoreResult<DeliveryAttemptRecord> {
    Ok(DeliveryAttemptRecord {
        email_id: id(row, "email_id")?,
        recipient: row.read("recipient")?,
        status: row.read("status")?,
        last_reply: row.read("last_reply")?,
        at: row.read("at")?,
        outcome: row.read("outcome")?,
        reply: row.read("reply")?,
        worker: row.read("worker")?,
    })
}
