//! SMTP connections of breachd's own for `smtp://` URLs (plain or STARTTLS),
//! built from lettre's connection type over a socket with `TCP_NODELAY`.
//!
//! lettre 0.11.23's pooled transport leaves Nagle's algorithm on and writes
//! a message's closing `\r\n.\r\n` separately, so every message waits for
//! the server's delayed ACK (about 40 ms on Linux): a connection then sends
//! at most ~22 messages a second. Opening the socket here and handing it to
//! `AsyncSmtpConnection::connect_with_transport` keeps lettre's SMTP
//! dialogue (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA) without the wait.
//! `smtps://` (implicit TLS) stays on lettre's transport.

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::Error;

/// Why a message was not handed over.
#[derive(Debug)]
pub enum Failure {
    /// The SMTP server answered with an error (4xx or 5xx), or lettre failed.
    Smtp(Error),
    /// No connection: refused, unreachable or timed out; worth retrying.
    Connect(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Smtp(error)
    }
}
use lettre::Message;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A connection idle longer than this is checked with NOOP before reuse.
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    None,
    Opportunistic,
    Required,
}

pub struct DirectSmtp {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    max_idle: usize,
}

impl DirectSmtp {
    /// From an `smtp://[user[:password]@]host[:port][?tls=required|opportunistic]` URL.
    pub fn from_url(
        url: &str,
        password: Option<&str>,
        timeout: Duration,
        max_idle: usize,
    ) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url).map_err(|error| format!("email.url: {error}"))?;
        if parsed.scheme() != "smtp" {
            return Err("email.url: only smtp:// URLs use direct connections".into());
        }
        let host = parsed.host_str().ok_or("email.url has no host")?.to_owned();
        let tls = match parsed
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned())
        {
            None => Tls::None,
            Some(value) if value == "required" => Tls::Required,
            Some(value) if value == "opportunistic" => Tls::Opportunistic,
            Some(value) if value == "none" => Tls::None,
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
            port: parsed.port().unwrap_or(25),
            host,
            tls,
            credentials,
            hello: ClientId::default(),
            timeout,
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Failure> {
        let stream = tokio::time::timeout(
            self.timeout,
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| Failure::Connect("connecting to the SMTP server timed out".into()))?
        .map_err(|error| {
            Failure::Connect(format!("connecting to the SMTP server failed: {error}"))
        })?;
        stream
            .set_nodelay(true)
            .map_err(|error| Failure::Connect(format!("setting TCP_NODELAY failed: {error}")))?;
        let mut connection =
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello).await?;
        let encrypt = match self.tls {
            Tls::None => false,
            Tls::Opportunistic => connection.can_starttls(),
            Tls::Required => true,
        };
        if encrypt {
            let parameters = TlsParameters::new(self.host.clone())?;
            connection.starttls(parameters, &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await?;
        }
        Ok(connection)
    }

    /// A pooled connection that still answers, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, Failure> {
        loop {
            let next = self.idle.lock().await.pop();
            match next {
                None => return self.connect().await,
                Some((connection, since))
                    if since.elapsed() < CHECK_AFTER_IDLE && !connection.has_broken() =>
                {
                    return Ok(connection)
                }
                Some((mut connection, _)) => {
                    if connection.test_connected().await {
                        return Ok(connection);
                    }
                    connection.abort().await;
                }
            }
        }
    }

    /// Sends one message; a connection is reused only after a success.
    pub async fn send(&self, message: &Message) -> Result<Response, Failure> {
        let mut connection = self.checkout().await?;
        let result = connection
            .send(message.envelope(), &message.formatted())
            .await;
        match &result {
            Ok(_) if !connection.has_broken() => {
                let mut idle = self.idle.lock().await;
                if idle.len() < self.max_idle {
                    idle.push((connection, Instant::now()));
                } else {
                    drop(idle);
                    let _ = connection.quit().await;
                }
            }
            // After a refusal the SMTP session may be mid-transaction:
            // start the next message on a fresh connection.
            _ => connection.abort().await,
        }
        Ok(result?)
    }

    /// Whether the server answers a connection (for /readyz).
    pub async fn check(&self) -> Result<(), Failure> {
        let mut connection = self.connect().await?;
        let _ = connection.quit().await;
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
            Duration::from_secs(5),
            4,
        )
        .unwrap();
        assert_eq!(
            (direct.host.as_str(), direct.port, direct.tls),
            ("mail.example.org", 587, Tls::Required)
        );
        assert!(direct.credentials.is_some());
        assert_eq!(percent_decode("p%40ss%"), "p@ss%");
        assert!(
            DirectSmtp::from_url("smtp://h?tls=maybe", None, Duration::from_secs(5), 4).is_err()
        );
        let plain =
            DirectSmtp::from_url("smtp://127.0.0.1", None, Duration::from_secs(5), 4).unwrap();
        assert_eq!((plain.port, plain.tls), (25, Tls::None));
        assert!(plain.credentials.is_none());
    }
}
