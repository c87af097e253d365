//! `[auth]`: the API tokens, each a name, a role and the SHA-256 of the
//! token (the token itself is never stored), and how long a sign-in lasts.

use super::raw::RawAuth;
use super::{ApiToken, Problems};

pub(crate) fn parse(raw: RawAuth, problems: &mut Problems) -> Vec<ApiToken> {
    let mut tokens: Vec<ApiToken> = Vec::new();
    for (i, token) in raw.tokens.into_iter().enumerate() {
        let key = format!("auth.tokens[{i}]");
        let name = token.name.unwrap_or_default();
        if name.trim().is_empty() {
            problems.push(&format!("{key}.name"), "is required".into());
        } else if tokens.iter().any(|other| other.name == name) {
            problems.push(
                &format!("{key}.name"),
                format!("{name:?} is used by another token"),
            );
        }
        let role = problems.parse(
            &format!("{key}.role"),
            token
                .role
                .ok_or_else(|| "is required".to_owned())
                .and_then(|role| role.parse()),
        );
        let sha256 = problems.parse(
            &format!("{key}.sha256"),
            token
                .sha256
                .ok_or_else(|| "is required".to_owned())
                .and_then(|hex_text| parse_sha256(&hex_text)),
        );
        if let (Some(role), Some(sha256)) = (role, sha256) {
            tokens.push(ApiToken { name, role, sha256 });
        }
    }
    tokens
}

fn parse_sha256(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text.trim()).map_err(|_| "must be 64 hexadecimal digits".to_owned())?;
    bytes
        .try_into()
        .map_err(|_| "must be 64 hexadecimal digits".to_owned())
}

/// `auth.failed_sign_ins_burst`: wrong tokens one address may present in a
/// burst before it is slowed down.
pub(crate) fn failed_sign_ins_burst(raw: i64, problems: &mut Problems) -> Option<u32> {
    let burst = u32::try_from(raw)
        .ok()
        .filter(|burst| (1..=1_000_000).contains(burst));
    if burst.is_none() {
        problems.push(
            "auth.failed_sign_ins_burst",
            "must be between 1 and 1000000".into(),
        );
    }
    burst
}

/// How long a web sign-in lasts: `auth.session_idle` without a request,
/// `auth.session_lifetime` at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

pub(crate) fn session_lifetimes(
    raw: &RawAuth,
    problems: &mut Problems,
) -> Option<SessionLifetimes> {
    let mut duration = |key: &str, text: &str| {
        let parsed = crate::duration::parse_std_duration(text)
            .and_then(|d| chrono::Duration::from_std(d).map_err(|_| "is too long".to_owned()))
            .and_then(|d| {
                if d < chrono::Duration::minutes(1) {
                    Err("must be at least a minute".to_owned())
                } else {
                    Ok(d)
                }
            });
        problems.parse(key, parsed)
    };
    let idle = duration("auth.session_idle", &raw.session_idle);
    let absolute = duration("auth.session_lifetime", &raw.session_lifetime);
    let (idle, absolute) = (idle?, absolute?);
    if idle > absolute {
        problems.push(
            "auth.session_idle",
            "must not be longer than auth.session_lifetime".into(),
        );
        return None;
    }
    Some(SessionLifetimes { idle, absolute })
}
