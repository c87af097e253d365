//! Who may do what, for the API and the web pages alike: the permissions a
//! route needs, which roles hold them, and API-token checks.
//!
//! Only the SHA-256 of each token is configured. A presented token is hashed
//! and compared with every configured hash in constant time, so neither the
//! comparison nor the position of a match leaks through timing.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::str::FromStr;
use subtle::ConstantTimeEq;

/// What a person or a token may do, from least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Reporter,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reporter => "reporter",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "reporter" => Ok(Role::Reporter),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("{s:?} is not a role (reporter, viewer or admin)")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub name: String,
    pub role: Role,
    pub sha256: [u8; 32],
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

impl Permission {
    /// Whether `role` holds this permission.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::Read => true,
            Permission::Report => matches!(role, Role::Reporter | Role::Admin),
            Permission::Administer => role == Role::Admin,
        }
    }

    /// Who holds it, for a refusal people read: "a reporter or an
    /// administrator".
    pub fn holders(self) -> &'static str {
        match self {
            Permission::Read => "any signed-in role",
            Permission::Report => "a reporter or an administrator",
            Permission::Administer => "an administrator",
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
