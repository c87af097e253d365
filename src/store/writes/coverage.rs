//! Recording paper letters mailed and exceptions, with their audit entry,
//! in one transaction.

use super::audit;
use crate::domain::coverage::StudentMark;
use crate::store::statements::coverage as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{audit_entries, StoreResult};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Rows per multi-row insert: 7 bound values each, far below either
/// backend's limit on parameters.
const PAGE_ROWS: usize = 500;

pub(crate) async fn record_marks<S: Writer>(
    store: &S,
    incident_id: Uuid,
    marks: &[StudentMark],
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let placeholders = <S::Tx as WriteTx>::PLACEHOLDERS;
    let incident = incident_id.to_string();
    let mut tx = store.begin_write().await?;
    for page in marks.chunks(PAGE_ROWS) {
        tx.execute(&sql::upsert_marks(&incident, page, by, now, placeholders))
            .await?;
    }
    audit::append(
        &mut tx,
        &audit_entries::student_marks_recorded(incident_id, marks, by, now),
    )
    .await?;
    tx.commit().await
}
