//! What is stored about access: API tokens made with `breachd token new`
//! and the web pages' sign-in sessions. Only hashes of secrets are kept.

use crate::settings::Role;
use chrono::{DateTime, Utc};

/// An API token kept in the database (its SHA-256, never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub name: String,
    pub role: Role,
    /// Hex of the token's SHA-256.
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One sign-in to the web pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// A public handle (a UUID) by which an administrator revokes it.
    pub id: String,
    /// Hex of the SHA-256 of the cookie's value.
    pub secret_sha256: String,
    /// The token's name, or the signed-in person's email.
    pub subject: String,
    pub role: Role,
    /// `token`, or the id of an `[[auth.oidc]]` provider.
    pub provider: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The end of its absolute lifetime.
    pub expires_at: DateTime<Utc>,
    /// The browser's family ("Firefox"), never the whole User-Agent.
    pub user_agent: String,
}

/// What `Store::create_token` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCreated {
    Created,
    /// A token of that name exists (or existed: names are never reused).
    NameTaken,
}

/// An OpenID sign-in under way (see migration 0007).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    /// Hex SHA-256 of the `state` sent to the provider.
    pub state_sha256: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Hex SHA-256 of the binding cookie of the browser that began it.
    pub browser_sha256: String,
    pub next: String,
    pub created_at: DateTime<Utc>,
}
