//! Stateless, signed sessions for the web pages, the CSRF tokens of their
//! forms, and one-shot "flash" messages carried across a redirect.
//!
//! Why stateless: the daemon may run as several instances and keeps no
//! session table to clean up. A session cookie holds the caller's role, name,
//! expiry and a random nonce, signed with HMAC-SHA256 under a key drawn at
//! random when the web routes are built. Nothing else is trusted: a cookie
//! whose signature fails, whose time is up, or whose token name and role are
//! no longer configured is no session at all.
//!
//! Consequences, documented for operators: restarting the daemon signs
//! everyone out (the key is gone), and signing out removes the cookie from
//! that browser but cannot revoke a copy of it before its expiry (at most
//! [`LIFETIME`]); removing the token from the configuration and restarting
//! does.
//!
//! Every form carries a CSRF token, the HMAC of the session cookie's signed
//! payload under its own label. A POST is honoured only with a valid session
//! and its matching token, compared in constant time; otherwise nothing
//! changes and the answer is 403. The cookie is also `SameSite=Strict`, so a
//! cross-site form does not even carry it.

use crate::settings::{ApiToken, Role};
use axum::http::{header, HeaderMap, HeaderValue};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "breachd_session";
/// The one-shot message cookie's name.
pub const FLASH_COOKIE: &str = "breachd_flash";
/// How long a sign-in lasts: a working day, so a forgotten browser on a
/// shared machine does not stay signed in overnight.
pub const LIFETIME: Duration = Duration::hours(12);
/// A flash message only has to survive one redirect.
const FLASH_LIFETIME: Duration = Duration::minutes(2);
const VERSION: &str = "v1";

/// The per-process signing key.
pub struct Keys {
    key: [u8; 32],
}

/// A signed-in user of the web pages.
#[derive(Debug, Clone)]
pub struct Session {
    pub name: String,
    pub role: Role,
    /// This session's CSRF token, to put in every form.
    pub csrf: String,
}

/// A one-shot message shown on the next page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Flash {
    /// "ok" or "error": decides the colour, the icon word and the ARIA role.
    pub level: &'static str,
    pub message: String,
}

impl Keys {
    /// A fresh random key from the operating system.
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self { key }
    }

    /// HMAC-SHA256 of `payload` under a label, so that a MAC made for one
    /// purpose (a CSRF token) is never valid for another (a cookie).
    fn mac(&self, label: &str, payload: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC accepts a key of any length");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn verify(&self, label: &str, payload: &str, presented_hex: &str) -> bool {
        let Ok(presented) = hex::decode(presented_hex) else {
            return false;
        };
        presented.len() == 32 && bool::from(self.mac(label, payload).ct_eq(&presented))
    }

    /// A new session's cookie value, and the session it stands for.
    pub fn issue(&self, name: &str, role: Role, now: DateTime<Utc>) -> (String, Session) {
        let mut nonce = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let expires = now + LIFETIME;
        let payload = format!(
            "{VERSION}.{}.{}.{}.{}",
            role.as_str(),
            hex::encode(name.as_bytes()),
            expires.timestamp(),
            hex::encode(nonce)
        );
        let value = format!("{payload}.{}", hex::encode(self.mac("session", &payload)));
        let session = Session {
            name: name.to_owned(),
            role,
            csrf: hex::encode(self.mac("csrf", &payload)),
        };
        (value, session)
    }

    /// The session a cookie value stands for, if it is genuine, current and
    /// its token is still configured.
    pub fn open(&self, value: &str, now: DateTime<Utc>, tokens: &[ApiToken]) -> Option<Session> {
        let (payload, mac) = value.rsplit_once('.')?;
        if !self.verify("session", payload, mac) {
            return None;
        }
        let mut parts = payload.split('.');
        let (Some(VERSION), Some(role), Some(name), Some(expires), Some(_nonce), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let role: Role = role.parse().ok()?;
        let name = String::from_utf8(hex::decode(name).ok()?).ok()?;
        let expires = DateTime::from_timestamp(expires.parse().ok()?, 0)?;
        if expires <= now {
            return None;
        }
        // A token removed from the configuration (or given another role)
        // ends its sessions at the next restart at the latest; checking here
        // also covers a configuration reloaded some day without one.
        if !tokens.iter().any(|t| t.name == name && t.role == role) {
            return None;
        }
        Some(Session {
            name,
            role,
            csrf: hex::encode(self.mac("csrf", payload)),
        })
    }

    /// A signed flash cookie value.
    pub fn flash(&self, flash: &Flash, now: DateTime<Utc>) -> String {
        let payload = format!(
            "{}.{}.{}",
            flash.level,
            hex::encode(flash.message.as_bytes()),
            (now + FLASH_LIFETIME).timestamp()
        );
        format!("{payload}.{}", hex::encode(self.mac("flash", &payload)))
    }

    /// The message of a flash cookie, if genuine and recent. Signed so that
    /// nobody can make the pages display a message breachd did not write.
    pub fn open_flash(&self, value: &str, now: DateTime<Utc>) -> Option<Flash> {
        let (payload, mac) = value.rsplit_once('.')?;
        if !self.verify("flash", payload, mac) {
            return None;
        }
        let mut parts = payload.split('.');
        let (Some(level), Some(message), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let level = match level {
            "ok" => "ok",
            "error" => "error",
            _ => return None,
        };
        if expires.parse::<i64>().ok()? <= now.timestamp() {
            return None;
        }
        Some(Flash {
            level,
            message: String::from_utf8(hex::decode(message).ok()?).ok()?,
        })
    }
}

impl Session {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let expected = self.csrf.as_bytes();
        let presented = presented.trim().as_bytes();
        expected.len() == presented.len() && bool::from(expected.ct_eq(presented))
    }
}

/// The value of the cookie `name` among the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// Whether the request reached the site over TLS: the daemon speaks plain
/// HTTP, so TLS ends at a reverse proxy that says so. Trusting the header
/// only ever adds `Secure`, which cannot weaken anything.
pub fn over_tls(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

/// A `Set-Cookie` value: HttpOnly (no script reads it), SameSite=Strict (no
/// other site's page sends it), Secure over TLS, and a limited lifetime.
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        max_age.num_seconds().max(0)
    );
    HeaderValue::from_str(&text)
        .expect("cookie names and values here are ASCII letters, digits, dots and '='")
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", Duration::zero(), secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::token_sha256;

    fn tokens() -> Vec<ApiToken> {
        vec![
            ApiToken {
                name: "pat.o'brien".into(),
                role: Role::Admin,
                sha256: token_sha256("a"),
            },
            ApiToken {
                name: "viewer".into(),
                role: Role::Viewer,
                sha256: token_sha256("v"),
            },
        ]
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    #[test]
    fn a_session_round_trips_and_expires() {
        let keys = Keys::random();
        let (value, issued) = keys.issue("pat.o'brien", Role::Admin, now());
        let opened = keys.open(&value, now(), &tokens()).expect("valid");
        assert_eq!(opened.name, "pat.o'brien");
        assert_eq!(opened.role, Role::Admin);
        assert_eq!(opened.csrf, issued.csrf);
        assert!(keys.open(&value, now() + LIFETIME, &tokens()).is_none());
    }

    #[test]
    fn tampering_another_key_or_a_removed_token_is_no_session() {
        let keys = Keys::random();
        let (value, _) = keys.issue("viewer", Role::Viewer, now());
        let promoted = value.replacen(".viewer.", ".admin.", 1);
        assert!(keys.open(&promoted, now(), &tokens()).is_none());
        assert!(Keys::random().open(&value, now(), &tokens()).is_none());
        assert!(keys.open(&value, now(), &tokens()[..1]).is_none());
        assert!(keys.open("garbage", now(), &tokens()).is_none());
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_are_checked() {
        let keys = Keys::random();
        let (_, one) = keys.issue("viewer", Role::Viewer, now());
        let (_, two) = keys.issue("viewer", Role::Viewer, now());
        assert_ne!(one.csrf, two.csrf);
        assert!(one.csrf_matches(&one.csrf));
        assert!(!one.csrf_matches(&two.csrf));
        assert!(!one.csrf_matches(""));
    }

    #[test]
    fn flashes_are_signed_and_short_lived() {
        let keys = Keys::random();
        let flash = Flash {
            level: "ok",
            message: "Report filed.".into(),
        };
        let value = keys.flash(&flash, now());
        assert_eq!(keys.open_flash(&value, now()), Some(flash));
        assert!(keys.open_flash(&value, now() + FLASH_LIFETIME).is_none());
        let forged = value.replacen("ok.", "error.", 1);
        assert!(keys.open_flash(&forged, now()).is_none());
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        headers.append(header::COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "c"), Some("3"));
        assert_eq!(cookie(&headers, "d"), None);
    }
}
