//! Signing in with an identity provider, the use-case half (the protocol
//! is `crate::oidc`'s): the sign-in under way between the redirect and the
//! provider's answer, bound to the browser that began it and used once, and
//! the session opened with the role `[auth.roles]` gives.

use super::{random_hex, sha256_hex};
use crate::audit::NewAudit;
use crate::cases::{Context, ServiceError};
use crate::store::SignInAttempt;
use chrono::Duration;
use serde_json::json;

/// How long a person may take at the identity provider.
const SIGN_IN_WINDOW: Duration = Duration::minutes(10);

/// What an identity provider vouched for, as `oidc` reports it.
#[derive(Debug, Clone)]
pub struct Vouched<'a> {
    pub provider: &'a str,
    pub subject: &'a str,
    pub verified_email: Option<&'a str>,
    pub groups: &'a [String],
    pub user_agent: &'a str,
}

/// How a provider's sign-in ended.
#[derive(Debug)]
pub enum ProviderSignIn {
    /// Signed in: the cookie's value and the session.
    Session(String, super::SignedIn),
    /// Who they are is known, but `[auth.roles]` gives them no role: no
    /// session; the person is told whom to ask.
    NoRole,
}

impl Context {
    /// Keeps an OpenID sign-in under way until the provider answers; the
    /// value of the cookie that binds it to this browser.
    pub async fn keep_sign_in(
        &self,
        provider: &str,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
        next: &str,
    ) -> Result<String, ServiceError> {
        let browser = random_hex();
        let now = self.now();
        let attempt = SignInAttempt {
            state_sha256: sha256_hex("state", state),
            provider: provider.to_owned(),
            nonce: nonce.to_owned(),
            pkce_verifier: pkce_verifier.to_owned(),
            browser_sha256: sha256_hex("browser", &browser),
            next: next.to_owned(),
            created_at: now,
        };
        self.store
            .begin_sign_in(&attempt, now - SIGN_IN_WINDOW)
            .await?;
        Ok(browser)
    }

    /// The sign-in a provider's answer (its `state`) belongs to, once, if
    /// it was begun by this browser (its binding cookie), with the same
    /// provider, less than ten minutes ago.
    pub async fn take_sign_in(
        &self,
        provider: &str,
        state: &str,
        browser: Option<&str>,
    ) -> Result<Option<SignInAttempt>, ServiceError> {
        let Some(attempt) = self.store.take_sign_in(&sha256_hex("state", state)).await? else {
            return Ok(None);
        };
        let same_browser = browser.is_some_and(|browser| {
            use subtle::ConstantTimeEq;
            let presented = sha256_hex("browser", browser);
            bool::from(
                presented
                    .as_bytes()
                    .ct_eq(attempt.browser_sha256.as_bytes()),
            )
        });
        let fresh = self.now() - attempt.created_at < SIGN_IN_WINDOW;
        Ok((same_browser && fresh && attempt.provider == provider).then_some(attempt))
    }

    /// Opens a session for someone a provider vouched for, with the role
    /// `[auth.roles]` gives their verified email or groups.
    pub async fn provider_sign_in(
        &self,
        vouched: &Vouched<'_>,
    ) -> Result<ProviderSignIn, ServiceError> {
        let Some(role) = self
            .settings
            .roles
            .role_of(vouched.verified_email, vouched.groups)
        else {
            let audit = NewAudit::new(
                self.now(),
                vouched.verified_email.unwrap_or("anonymous"),
                "sign_in_failed",
                None,
                None,
                json!({ "method": vouched.provider, "reason": "no role" }),
            );
            self.store.append_audit(&audit).await?;
            crate::metrics::access("sign_in_failed", vouched.provider);
            return Ok(ProviderSignIn::NoRole);
        };
        // The verified email is the name people know; without one (a role
        // by group alone) the provider's own id for the person.
        let name = match vouched.verified_email {
            Some(email) => email.to_lowercase(),
            None => format!("{}:{}", vouched.provider, vouched.subject),
        };
        let (cookie, session) = self
            .sign_in(&name, role, vouched.provider, vouched.user_agent)
            .await?;
        Ok(ProviderSignIn::Session(cookie, session))
    }
}
