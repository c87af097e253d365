//! API tokens and sign-in sessions: the SQL both backends run alike.

use super::Statement;
use crate::store::access::{SessionRecord, SignInAttempt, TokenRecord};
use chrono::{DateTime, Utc};

pub(crate) fn token_named(name: &str) -> Statement<'_> {
    Statement::new("SELECT * FROM api_tokens WHERE name = $1").bind(name)
}

pub(crate) fn insert_token(token: &TokenRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO api_tokens (name, role, sha256, created_at, created_by, revoked_at)
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(&token.name)
    .bind(token.role.as_str())
    .bind(&token.sha256)
    .bind(token.created_at)
    .bind(&token.created_by)
}

pub(crate) fn tokens() -> Statement<'static> {
    Statement::new("SELECT * FROM api_tokens ORDER BY created_at, name")
}

/// The live token with this hash.
pub(crate) fn active_token(sha256: &str) -> Statement<'_> {
    Statement::new("SELECT * FROM api_tokens WHERE sha256 = $1 AND revoked_at IS NULL").bind(sha256)
}

pub(crate) fn revoke_token(name: &str, at: DateTime<Utc>) -> Statement<'_> {
    Statement::new("UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
        .bind(name)
        .bind(at)
}

/// The sessions a token's sign-ins opened, which end with it.
pub(crate) fn delete_token_sessions(name: &str) -> Statement<'_> {
    Statement::new("DELETE FROM sessions WHERE provider = 'token' AND subject = $1").bind(name)
}

pub(crate) fn insert_session(session: &SessionRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO sessions (id, secret_sha256, subject, role, provider, created_at, last_seen_at, expires_at, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&session.id)
    .bind(&session.secret_sha256)
    .bind(&session.subject)
    .bind(session.role.as_str())
    .bind(&session.provider)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(&session.user_agent)
}

/// Sessions past their absolute end, or idle since before `idle_since`.
pub(crate) fn delete_ended_sessions(
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Statement<'static> {
    Statement::new("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(idle_since)
}

/// The current session whose cookie hashes to `secret_sha256`.
pub(crate) fn current_session(
    secret_sha256: &str,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Statement<'_> {
    Statement::new(
        "SELECT * FROM sessions WHERE secret_sha256 = $1 AND expires_at > $2 AND last_seen_at > $3",
    )
    .bind(secret_sha256)
    .bind(now)
    .bind(idle_since)
}

pub(crate) fn session(id: &str) -> Statement<'_> {
    Statement::new("SELECT * FROM sessions WHERE id = $1").bind(id)
}

pub(crate) fn touch_session(id: &str, now: DateTime<Utc>) -> Statement<'_> {
    Statement::new("UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2")
        .bind(id)
        .bind(now)
}

pub(crate) fn sessions(now: DateTime<Utc>, idle_since: DateTime<Utc>) -> Statement<'static> {
    Statement::new(
        "SELECT * FROM sessions WHERE expires_at > $1 AND last_seen_at > $2
         ORDER BY last_seen_at DESC, id",
    )
    .bind(now)
    .bind(idle_since)
}

pub(crate) fn delete_session(id: &str) -> Statement<'_> {
    Statement::new("DELETE FROM sessions WHERE id = $1").bind(id)
}

pub(crate) fn delete_subject_sessions(subject: &str) -> Statement<'_> {
    Statement::new("DELETE FROM sessions WHERE subject = $1").bind(subject)
}

pub(crate) fn insert_attempt(attempt: &SignInAttempt) -> Statement<'_> {
    Statement::new(
        "INSERT INTO sign_in_attempts (state_sha256, provider, nonce, pkce_verifier, browser_sha256, next, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&attempt.state_sha256)
    .bind(&attempt.provider)
    .bind(&attempt.nonce)
    .bind(&attempt.pkce_verifier)
    .bind(&attempt.browser_sha256)
    .bind(&attempt.next)
    .bind(attempt.created_at)
}

pub(crate) fn delete_attempts_before(before: DateTime<Utc>) -> Statement<'static> {
    Statement::new("DELETE FROM sign_in_attempts WHERE created_at <= $1").bind(before)
}

pub(crate) fn attempt(state_sha256: &str) -> Statement<'_> {
    Statement::new("SELECT * FROM sign_in_attempts WHERE state_sha256 = $1").bind(state_sha256)
}

pub(crate) fn delete_attempt(state_sha256: &str) -> Statement<'_> {
    Statement::new("DELETE FROM sign_in_attempts WHERE state_sha256 = $1").bind(state_sha256)
}
