//! A pool of SMTP sessions of breachd's own for `smtp://` URLs (plain or
//! STARTTLS); the sessions themselves are in `session`.
//!
//! lettre 0.11.23's pooled transport leaves Nagle's algorithm on and writes
//! a message's closing `\r\n.\r\n` separately, so every message waits for
//! the server's delayed ACK (about 40 ms on Linux), and it does not pipeline
//! MAIL/RCPT/DATA. `smtps://` (implicit TLS) stays on lettre's transport.

use super::session::{Endpoint, Session, SmtpError, Timeouts};
use super::stalls::Stalls;
use crate::settings::StallAfter;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A connection idle longer than this is checked with NOOP before reuse.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);

pub struct DirectSmtp {
    endpoint: Endpoint,
    idle: Mutex<Vec<(Session, Instant)>>,
    max_idle: usize,
    stalls: Stalls,
}

impl DirectSmtp {
    /// From an `smtp://[user[:password]@]host[:port][?tls=required|opportunistic]` URL.
    pub fn from_url(
        url: &str,
        password: Option<&str>,
        timeouts: Timeouts,
        max_idle: usize,
    ) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|error| format!("email.url: {error}"))?;
        if parsed.scheme() != "smtp" {
            return Err("email.url: only smtp:// URLs use direct connections".into());
        }
        let host = parsed.host_str().ok_or("email.url has no host")?.to_owned();
        let starttls = match parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned())
        {
            None => None,
            Some(value) if value == "required" => Some(true),
            Some(value) if value == "opportunistic" => Some(false),
            Some(value) if value == "none" => None,
            Some(other) => {
                return Err(format!(
                    "email.url: tls={other} is not required, opportunistic or none"
                ))
            }
        };
        let user = percent_decode(parsed.username());
        let password = password
            .map(str::to_owned)
            .or_else(|| parsed.password().map(percent_decode));
        let credentials = match (user.is_empty(), password) {
            (false, Some(password)) => Some(Credentials::new(user, password)),
            _ => None,
        };
        Ok(Self {
            stalls: Stalls::off(timeouts.data),
            endpoint: Endpoint {
                port: parsed.port().unwrap_or(25),
                host,
                starttls,
                credentials,
                hello: ClientId::default(),
                timeouts,
            },
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    /// Parks connections whose dot stalls (`email.stall_after`), at most
    /// `max_parked` at once (0: never).
    pub fn with_parking(mut self, stall_after: StallAfter, max_parked: usize) -> Self {
        self.stalls = Stalls::new(stall_after, self.endpoint.timeouts.data, max_parked);
        self
    }

    /// When this server's dots count as stalled, and the parked connections.
    pub fn stalls(&self) -> &Stalls {
        &self.stalls
    }

    /// A pooled session that still answers, or a new one.
    pub async fn checkout(&self) -> Result<Session, SmtpError> {
        loop {
            let next = self.idle.lock().await.pop();
            match next {
                None => return Session::connect(&self.endpoint).await,
                Some((session, since)) if since.elapsed() < CHECK_AFTER_IDLE => return Ok(session),
                Some((mut session, _)) => {
                    if session.noop().await {
                        return Ok(session);
                    }
                    session.quit().await;
                }
            }
        }
    }

    /// Returns a session to the pool; a broken one is dropped.
    pub async fn checkin(&self, session: Session) {
        if session.is_broken() {
            return;
        }
        let mut idle = self.idle.lock().await;
        if idle.len() < self.max_idle {
            idle.push((session, Instant::now()));
        } else {
            drop(idle);
            session.quit().await;
        }
    }

    /// Sends one message on a pooled session.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, SmtpError> {
        let mut session = self.checkout().await?;
        let result = session.send(envelope, message).await;
        self.checkin(session).await;
        result
    }

    /// Whether the server answers a connection (for /readyz).
    pub async fn check(&self) -> Result<(), SmtpError> {
        Session::connect(&self.endpoint).await?.quit().await;
        Ok(())
    }
}

/// Decodes `%XX` escapes of a URL's user name or password.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let direct = DirectSmtp::from_url(
            "smtp://mailer:p%40ss@mail.example.org:587?tls=required",
            None,
            Timeouts::all(Duration::from_secs(5)),
            4,
        )
        .unwrap();
        assert_eq!(
            (
                direct.endpoint.host.as_str(),
                direct.endpoint.port,
                direct.endpoint.starttls
            ),
            ("mail.example.org", 587, Some(true))
        );
        assert!(direct.endpoint.credentials.is_some());
        assert_eq!(percent_decode("p%40ss%"), "p@ss%");
        assert!(DirectSmtp::from_url(
            "smtp://h?tls=maybe",
            None,
            Timeouts::all(Duration::from_secs(5)),
            4
        )
        .is_err());
        let plain = DirectSmtp::from_url(
            "smtp://127.0.0.1",
            None,
            Timeouts::all(Duration::from_secs(5)),
            4,
        )
        .unwrap();
        assert_eq!((plain.endpoint.port, plain.endpoint.starttls), (25, None));
        assert!(plain.endpoint.credentials.is_none());
    }
}
