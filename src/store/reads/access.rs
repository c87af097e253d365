//! Reading API tokens and sessions, and the single-statement writes that
//! need no audit entry (a session seen again).

use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::access as sql;
use crate::store::{SessionRecord, StoreResult, TokenRecord};
use chrono::{DateTime, Utc};

pub(crate) async fn tokens<S: Reader>(store: &S) -> StoreResult<Vec<TokenRecord>> {
    let rows = store.fetch_all(&sql::tokens()).await?;
    rows.iter().map(rows::token).collect()
}

pub(crate) async fn active_token<S: Reader>(
    store: &S,
    sha256: &str,
) -> StoreResult<Option<TokenRecord>> {
    store
        .fetch_optional(&sql::active_token(sha256))
        .await?
        .as_ref()
        .map(rows::token)
        .transpose()
}

pub(crate) async fn current_session<S: Reader>(
    store: &S,
    secret_sha256: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> StoreResult<Option<SessionRecord>> {
    store
        .fetch_optional(&sql::current_session(secret_sha256, now, idle_since))
        .await?
        .as_ref()
        .map(rows::session)
        .transpose()
}

pub(crate) async fn touch_session<S: Reader>(
    store: &S,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    store.execute(&sql::touch_session(id, now)).await?;
    Ok(())
}

pub(crate) async fn sessions<S: Reader>(
    store: &S,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> StoreResult<Vec<SessionRecord>> {
    let rows = store.fetch_all(&sql::sessions(now, idle_since)).await?;
    rows.iter().map(rows::session).collect()
}
