//! Creating and revoking API tokens, opening and ending sessions: each
//! change and its audit entry in one transaction.

use crate::audit::NewAudit;
use crate::store::access::TokenCreated;
use crate::store::rows;
use crate::store::statements::access as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{SessionRecord, SignInAttempt, StoreResult, TokenRecord};
use chrono::{DateTime, Utc};

pub(crate) async fn create_token<S: Writer>(
    store: &S,
    token: &TokenRecord,
    audit: &NewAudit,
) -> StoreResult<TokenCreated> {
    let mut tx = store.begin_write().await?;
    if tx
        .fetch_optional(&sql::token_named(&token.name))
        .await?
        .is_some()
    {
        return Ok(TokenCreated::NameTaken);
    }
    tx.execute(&sql::insert_token(token)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(TokenCreated::Created)
}

/// Revokes a live token and ends the sessions its sign-ins opened; false
/// (and nothing audited) when no live token has that name.
pub(crate) async fn revoke_token<S: Writer>(
    store: &S,
    name: &str,
    at: DateTime<Utc>,
    audit: &NewAudit,
) -> StoreResult<bool> {
    let mut tx = store.begin_write().await?;
    if tx.execute(&sql::revoke_token(name, at)).await? == 0 {
        return Ok(false);
    }
    tx.execute(&sql::delete_token_sessions(name)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(true)
}

/// Opens a session, first clearing every session that has ended (so the
/// table holds only current ones without a sweeper job).
pub(crate) async fn create_session<S: Writer>(
    store: &S,
    session: &SessionRecord,
    idle_since: DateTime<Utc>,
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::delete_ended_sessions(session.created_at, idle_since))
        .await?;
    tx.execute(&sql::insert_session(session)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}

/// Ends one session; its record (None when there was none).
pub(crate) async fn end_session<S: Writer>(
    store: &S,
    id: &str,
    audit: &NewAudit,
) -> StoreResult<Option<SessionRecord>> {
    let mut tx = store.begin_write().await?;
    let Some(row) = tx.fetch_optional(&sql::session(id)).await? else {
        return Ok(None);
    };
    let session = rows::session(&row)?;
    tx.execute(&sql::delete_session(id)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(Some(session))
}

/// Ends every session of one person or token; how many there were.
pub(crate) async fn end_subject_sessions<S: Writer>(
    store: &S,
    subject: &str,
    audit: &NewAudit,
) -> StoreResult<u64> {
    let mut tx = store.begin_write().await?;
    let ended = tx.execute(&sql::delete_subject_sessions(subject)).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Keeps an OpenID sign-in under way, clearing those begun before
/// `stale_before`.
pub(crate) async fn begin_sign_in<S: Writer>(
    store: &S,
    attempt: &SignInAttempt,
    stale_before: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::delete_attempts_before(stale_before))
        .await?;
    tx.execute(&sql::insert_attempt(attempt)).await?;
    tx.commit().await
}

/// Takes (reads and deletes) the sign-in begun with this state, so that a
/// provider's answer is used once.
pub(crate) async fn take_sign_in<S: Writer>(
    store: &S,
    state_sha256: &str,
) -> StoreResult<Option<SignInAttempt>> {
    let mut tx = store.begin_write().await?;
    let Some(row) = tx.fetch_optional(&sql::attempt(state_sha256)).await? else {
        return Ok(None);
    };
    let attempt = rows::sign_in_attempt(&row)?;
    if tx.execute(&sql::delete_attempt(state_sha256)).await? == 0 {
        // Another instance took it first.
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(attempt))
}
