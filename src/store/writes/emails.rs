//! Planning messages.

use crate::store::statements::emails as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{NewEmail, StoreResult};
use chrono::{DateTime, Utc};

/// Plans messages in one transaction; one that exists (same job and
/// recipient) is kept.
pub(crate) async fn ensure<S: Writer>(
    store: &S,
    emails: &[NewEmail],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    for email in emails {
        tx.execute(&sql::insert(email, now)).await?;
    }
    tx.commit().await
}
