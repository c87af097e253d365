//! Bearer-token authentication and role checks.
//!
//! Only the SHA-256 of each token is configured. A presented token is hashed
//! and compared with every configured hash in constant time, so neither the
//! comparison nor the position of a match leaks through timing.

use super::problem::Problem;
use super::AppState;
use crate::settings::{ApiToken, Role};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
}

/// What a route needs the caller to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read incidents, obligations, deliveries: every role.
    Read,
    /// File incidents and record events: reporter, admin.
    Report,
    /// Complete, waive, import rosters, approve notices: admin.
    Administer,
}

impl Caller {
    pub fn require(&self, permission: Permission) -> Result<(), Problem> {
        let allowed = match permission {
            Permission::Read => true,
            Permission::Report => matches!(self.role, Role::Reporter | Role::Admin),
            Permission::Administer => self.role == Role::Admin,
        };
        if allowed {
            Ok(())
        } else {
            Err(Problem::new(StatusCode::FORBIDDEN, "Forbidden")
                .detail(format!("the {} role may not do this", self.role.as_str())))
        }
    }
}

pub fn token_sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Finds the configured token matching `presented`, examining every one.
pub fn authenticate<'a>(tokens: &'a [ApiToken], presented: &str) -> Option<&'a ApiToken> {
    let digest = token_sha256(presented);
    let mut found = None;
    for token in tokens {
        if bool::from(token.sha256.ct_eq(&digest)) {
            found = Some(token);
        }
    }
    found
}

fn unauthorized(detail: &str) -> Problem {
    Problem {
        bearer_challenge: true,
        ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized").detail(detail)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header_value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
        let presented = header_value
            .to_str()
            .ok()
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
        let token = authenticate(&state.settings.tokens, presented)
            .ok_or_else(|| unauthorized("the token is not valid"))?;
        Ok(Caller {
            name: token.name.clone(),
            role: token.role,
        })
    }
}
