//! Reading messages (planning them is `store::writes::emails`; recording
//! send attempts is each backend's own group commit).

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::emails as sql;
use crate::store::{EmailRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn of_job<S: Reader>(store: &S, job_id: Uuid) -> StoreResult<Vec<EmailRecord>> {
    let rows = store.fetch_all(&sql::of_job(job_id)).await?;
    rows.iter().map(rows::email).collect()
}
