//! The web pages' session cookie, the CSRF tokens of their forms, and
//! one-shot "flash" messages carried across a redirect.
//!
//! Sessions are rows in the database (`cases::access`): the cookie holds
//! an opaque random value whose SHA-256 names the row, so a session
//! survives a restart, every instance honours it, and signing out (or an
//! administrator revoking it) deletes the row, after which a copy of the
//! cookie is worthless. A session ends after `auth.session_idle` without a
//! request and `auth.session_lifetime` after it began.
//!
//! Every form carries the session's CSRF token, a hash of the cookie's
//! value under its own label. A POST is honoured only with a valid session
//! and its matching token, compared in constant time; otherwise nothing
//! changes and the answer is 403. The cookie is also `SameSite=Strict`, so a
//! cross-site form does not even carry it.
//!
//! Flash messages are signed with a key drawn when the web routes are
//! built: a restart loses at most a message on its way to the next page.

pub use crate::cases::access::SignedIn as Session;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "breachd_session";
/// The one-shot message cookie's name.
pub const FLASH_COOKIE: &str = "breachd_flash";
/// A flash message only has to survive one redirect.
const FLASH_LIFETIME: Duration = Duration::minutes(2);

/// The per-process key flash messages are signed with.
pub struct Keys {
    key: [u8; 32],
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
    /// purpose is never valid for another.
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

/// The sessions could not be read (the database is away): an error page,
/// never a silent sign-out.
pub(crate) fn session_unavailable(
    web: &super::Web,
    state: &AppState,
    error: &crate::cases::ServiceError,
) -> Response {
    tracing::error!(error = %error, "reading a session failed");
    super::message(
        web,
        state,
        None,
        StatusCode::SERVICE_UNAVAILABLE,
        "Something went wrong",
        "Your sign-in could not be checked just now. The error was logged; try again in a moment.",
    )
}

/// Whether cookies get `Secure`: when `server.public_url` is https (the
/// address people use, whatever the proxy says), or the request says it
/// came over TLS. Adding `Secure` can only make a cookie safer.
pub(crate) fn secure_cookies(state: &AppState, headers: &HeaderMap) -> bool {
    let public_https = state
        .settings
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"));
    public_https || over_tls(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
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
