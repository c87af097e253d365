//! Reading a bounce's message and an incident's bounces.

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::bounces as sql;
use crate::store::{BounceRecord, EmailRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn email<S: Reader>(store: &S, id: Uuid) -> StoreResult<Option<EmailRecord>> {
    store
        .fetch_optional(&sql::email(id))
        .await?
        .as_ref()
        .map(rows::email)
        .transpose()
}

pub(crate) async fn of_incident<S: Reader>(
    store: &S,
    incident_id: Uuid,
) -> StoreResult<Vec<BounceRecord>> {
    store
        .fetch_all(&sql::of_incident(incident_id))
        .await?
        .iter()
        .map(rows::bounce)
        .collect()
}

pub(crate) async fn follow_up_incidents<S: Reader>(
    store: &S,
) -> StoreResult<std::collections::BTreeSet<Uuid>> {
    store
        .fetch_all(&sql::follow_up_incidents())
        .await?
        .iter()
        .map(rows::incident_with_roster)
        .collect()
}
