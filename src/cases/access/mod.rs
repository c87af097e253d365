//! Who is calling: API tokens (from the configuration file or made with
//! `breachd token new` and kept in the database) and the web pages'
//! sign-in sessions, kept in the database so that they survive a restart,
//! are honoured by every instance and can be revoked.
//!
//! Only hashes of secrets are stored. A session's cookie holds 32 random
//! bytes; the database keeps their SHA-256, and the session's CSRF token is
//! another hash of them under its own label, so nobody who can read the
//! database (or a log) can sign in or forge a form. Every change is audited
//! in the transaction that makes it, with names and roles, never a token.

mod provider;

pub use provider::{ProviderSignIn, Vouched};

use super::{Context, ServiceError};
use crate::audit::NewAudit;
use crate::auth::{authenticate, token_sha256, Role};
use crate::domain::FieldError;
use crate::store::{SessionRecord, TokenCreated, TokenRecord};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The `provider` of a session opened by pasting an API token.
pub const TOKEN_PROVIDER: &str = "token";

/// A session is marked used at most this often, so that browsing is not a
/// database write per page.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Who presented a valid API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHolder {
    pub name: String,
    pub role: Role,
}

/// A signed-in user of the web pages, from their session cookie.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session's public handle.
    pub id: String,
    /// The token's name or the person's email.
    pub name: String,
    pub role: Role,
    pub provider: String,
    /// This session's CSRF token, to put in every form.
    pub csrf: String,
}

impl SignedIn {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.csrf.as_bytes();
        let presented = presented.trim().as_bytes();
        expected.len() == presented.len() && bool::from(expected.ct_eq(presented))
    }
}

/// Where a token listed by `tokens` lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `[[auth.tokens]]` in the configuration file: revoked by removing it.
    File,
    Database,
}

/// One token as `breachd token list` shows it.
#[derive(Debug, Clone)]
pub struct ListedToken {
    pub name: String,
    pub role: Role,
    pub source: TokenSource,
    pub created_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn sha256_hex(label: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(label.as_bytes());
    hasher.update([0]);
    hasher.update(secret.as_bytes());
    hex::encode(hasher.finalize())
}

/// The hash a session's cookie value is stored as.
fn session_hash(secret: &str) -> String {
    sha256_hex("session", secret)
}

/// The session's CSRF token: derived from the cookie's secret, so it needs
/// no storage and no key, and a copy of the database cannot make one.
fn csrf_of(secret: &str) -> String {
    sha256_hex("csrf", secret)
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A token's name must be printable on one line in the audit log and the
/// CLI's listing.
fn check_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    let problem = if name.is_empty() {
        Some("must not be empty")
    } else if name.chars().count() > 100 {
        Some("must be at most 100 characters")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    };
    match problem {
        Some(reason) => Err(ServiceError::Invalid(vec![FieldError::new("name", reason)])),
        None => Ok(name.to_owned()),
    }
}

impl Context {
    fn idle_since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.settings.sessions.idle
    }

    /// The holder of `presented`: a configuration-file token (compared in
    /// constant time with every one), else a live token of the database
    /// (looked up by its SHA-256, which says nothing about other tokens).
    pub async fn authenticate_token(
        &self,
        presented: &str,
    ) -> Result<Option<TokenHolder>, ServiceError> {
        if let Some(token) = authenticate(&self.settings.tokens, presented) {
            return Ok(Some(TokenHolder {
                name: token.name.clone(),
                role: token.role,
            }));
        }
        let sha256 = hex::encode(token_sha256(presented));
        Ok(self
            .store
            .active_token(&sha256)
            .await?
            .map(|token| TokenHolder {
                name: token.name,
                role: token.role,
            }))
    }

    /// Whether any token exists to sign in with (file or database).
    pub async fn any_token(&self) -> Result<bool, ServiceError> {
        if !self.settings.tokens.is_empty() {
            return Ok(true);
        }
        let tokens = self.store.tokens().await?;
        Ok(tokens.iter().any(|token| token.revoked_at.is_none()))
    }

    /// Makes a token, keeps its SHA-256 and returns the token itself, which
    /// exists nowhere else: the caller shows it once.
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        by: &str,
    ) -> Result<String, ServiceError> {
        let name = check_name(name)?;
        if self.settings.tokens.iter().any(|token| token.name == name) {
            return Err(ServiceError::Conflict(format!(
                "a token named {name:?} is in the configuration file; choose another name"
            )));
        }
        let token = format!("bd_{}", random_hex());
        let now = self.now();
        let record = TokenRecord {
            name: name.clone(),
            role,
            sha256: hex::encode(token_sha256(&token)),
            created_at: now,
            created_by: by.to_owned(),
            revoked_at: None,
        };
        let audit = NewAudit::new(
            now,
            by,
            "token_created",
            None,
            Some(name.clone()),
            json!({ "role": role.as_str() }),
        );
        match self.store.create_token(&record, &audit).await? {
            TokenCreated::Created => {
                crate::metrics::access("token_created", TOKEN_PROVIDER);
                Ok(token)
            }
            TokenCreated::NameTaken => Err(ServiceError::Conflict(format!(
                "a token named {name:?} exists or existed (names are not reused); choose another name"
            ))),
        }
    }

    /// Every token: the file's, then the database's (revoked ones too).
    pub async fn tokens(&self) -> Result<Vec<ListedToken>, ServiceError> {
        let mut listed: Vec<ListedToken> = self
            .settings
            .tokens
            .iter()
            .map(|token| ListedToken {
                name: token.name.clone(),
                role: token.role,
                source: TokenSource::File,
                created_at: None,
                revoked_at: None,
            })
            .collect();
        listed.extend(
            self.store
                .tokens()
                .await?
                .into_iter()
                .map(|token| ListedToken {
                    name: token.name,
                    role: token.role,
                    source: TokenSource::Database,
                    created_at: Some(token.created_at),
                    revoked_at: token.revoked_at,
                }),
        );
        Ok(listed)
    }

    /// Revokes a database token; its web sessions end with it.
    pub async fn revoke_token(&self, name: &str, by: &str) -> Result<(), ServiceError> {
        let name = name.trim();
        if self.settings.tokens.iter().any(|token| token.name == name) {
            return Err(ServiceError::Conflict(format!(
                "the token {name:?} is in the configuration file: remove it there and restart"
            )));
        }
        let now = self.now();
        let audit = NewAudit::new(
            now,
            by,
            "token_revoked",
            None,
            Some(name.to_owned()),
            json!({}),
        );
        if !self.store.revoke_token(name, now, &audit).await? {
            return Err(ServiceError::NotFound);
        }
        crate::metrics::access("token_revoked", TOKEN_PROVIDER);
        Ok(())
    }

    /// Opens a session for someone who proved who they are; the cookie's
    /// value (to set once) and the session.
    pub async fn sign_in(
        &self,
        name: &str,
        role: Role,
        provider: &str,
        user_agent: &str,
    ) -> Result<(String, SignedIn), ServiceError> {
        let secret = random_hex();
        let now = self.now();
        let record = SessionRecord {
            id: uuid::Uuid::new_v4().to_string(),
            secret_sha256: session_hash(&secret),
            subject: name.to_owned(),
            role,
            provider: provider.to_owned(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.sessions.absolute,
            user_agent: browser_family(user_agent).to_owned(),
        };
        let audit = NewAudit::new(
            now,
            name,
            "signed_in",
            None,
            Some(record.id.clone()),
            json!({ "role": role.as_str(), "method": provider, "browser": record.user_agent }),
        );
        self.store
            .create_session(&record, self.idle_since(now), &audit)
            .await?;
        crate::metrics::access("signed_in", provider);
        let signed_in = SignedIn {
            id: record.id,
            name: record.subject,
            role,
            provider: record.provider,
            csrf: csrf_of(&secret),
        };
        Ok((secret, signed_in))
    }

    /// A failed sign-in, audited without what was presented.
    pub async fn sign_in_failed(&self, provider: &str, reason: &str) -> Result<(), ServiceError> {
        let audit = NewAudit::new(
            self.now(),
            "anonymous",
            "sign_in_failed",
            None,
            None,
            json!({ "method": provider, "reason": reason }),
        );
        self.store.append_audit(&audit).await?;
        crate::metrics::access("sign_in_failed", provider);
        Ok(())
    }

    /// The session a cookie's value stands for, if it is current and the
    /// token it was opened with is still valid.
    pub async fn session(&self, cookie: &str) -> Result<Option<SignedIn>, ServiceError> {
        // Cookie values breachd issues are 64 hex digits; anything else is
        // no session, and costs no query.
        if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let now = self.now();
        let Some(record) = self
            .store
            .current_session(&session_hash(cookie), now, self.idle_since(now))
            .await?
        else {
            return Ok(None);
        };
        if record.provider == TOKEN_PROVIDER {
            if !self.token_still_valid(&record).await? {
                return Ok(None);
            }
        } else if !self.settings.oidc.iter().any(|p| p.id == record.provider) {
            // The provider was removed from the configuration: so are the
            // sign-ins it vouched for.
            return Ok(None);
        }
        if now - record.last_seen_at >= TOUCH_EVERY {
            self.store.touch_session(&record.id, now).await?;
        }
        Ok(Some(SignedIn {
            id: record.id,
            name: record.subject,
            role: record.role,
            provider: record.provider,
            csrf: csrf_of(cookie),
        }))
    }

    /// A file token removed (or given another role) ends its sessions; a
    /// database token's revocation deletes them already.
    async fn token_still_valid(&self, record: &SessionRecord) -> Result<bool, ServiceError> {
        let in_file = |token: &crate::auth::ApiToken| token.name == record.subject;
        if let Some(token) = self.settings.tokens.iter().find(|t| in_file(t)) {
            return Ok(token.role == record.role);
        }
        let tokens = self.store.tokens().await?;
        Ok(tokens.iter().any(|token| {
            token.name == record.subject && token.role == record.role && token.revoked_at.is_none()
        }))
    }

    /// Ends the caller's own session.
    pub async fn sign_out(&self, session: &SignedIn) -> Result<(), ServiceError> {
        let audit = NewAudit::new(
            self.now(),
            &session.name,
            "signed_out",
            None,
            Some(session.id.clone()),
            json!({ "method": session.provider }),
        );
        self.store.end_session(&session.id, &audit).await?;
        crate::metrics::access("signed_out", &session.provider);
        Ok(())
    }

    /// Every current session, most recently used first.
    pub async fn sessions(&self) -> Result<Vec<SessionRecord>, ServiceError> {
        let now = self.now();
        Ok(self.store.sessions(now, self.idle_since(now)).await?)
    }

    /// An administrator ends someone's session by its handle.
    pub async fn revoke_session(&self, id: &str, by: &str) -> Result<(), ServiceError> {
        let audit = NewAudit::new(
            self.now(),
            by,
            "session_revoked",
            None,
            Some(id.to_owned()),
            json!({}),
        );
        match self.store.end_session(id, &audit).await? {
            Some(ended) => {
                crate::metrics::access("session_revoked", &ended.provider);
                Ok(())
            }
            None => Err(ServiceError::NotFound),
        }
    }

    /// Ends every session of one person or token ("sign out everywhere");
    /// how many ended.
    pub async fn end_sessions_of(&self, subject: &str, by: &str) -> Result<u64, ServiceError> {
        let audit = NewAudit::new(
            self.now(),
            by,
            "sessions_ended",
            None,
            Some(subject.to_owned()),
            json!({}),
        );
        let ended = self.store.end_subject_sessions(subject, &audit).await?;
        crate::metrics::access_many("session_revoked", "all", ended);
        Ok(ended)
    }
}

/// The browser's family from a User-Agent, so that a person can tell their
/// sessions apart without breachd keeping a fingerprint.
pub fn browser_family(user_agent: &str) -> &'static str {
    // Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
    let families = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    families
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map_or("other", |(_, family)| family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_families() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(browser_family(chrome), "Chrome");
        assert_eq!(
            browser_family("Mozilla/5.0 Gecko/20100101 Firefox/121.0"),
            "Firefox"
        );
        assert_eq!(browser_family(&format!("{chrome} Edg/120.0")), "Edge");
        assert_eq!(browser_family(""), "other");
    }

    #[test]
    fn the_csrf_token_is_not_the_stored_hash() {
        let secret = random_hex();
        assert_ne!(csrf_of(&secret), session_hash(&secret));
        assert_eq!(csrf_of(&secret).len(), 64);
    }

    #[test]
    fn token_names_are_checked() {
        assert!(check_name("  ").is_err());
        assert!(check_name("a\nb").is_err());
        assert_eq!(check_name(" me ").unwrap(), "me");
    }
}
