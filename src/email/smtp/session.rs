//! One SMTP session of breachd's own, over a socket with `TCP_NODELAY`.
//!
//! lettre builds the commands, parses the replies and the EHLO keywords and
//! computes AUTH responses; tokio-rustls upgrades the socket for STARTTLS
//! (ring and the webpki roots, as lettre's own TLS). This module owns only
//! the order of the exchange, which lettre's connection type keeps to
//! itself:
//!
//! - PIPELINING (RFC 2920) where the server offers it: MAIL, RCPT and DATA
//!   leave in one write and their replies are read together, one round trip
//!   instead of three.
//! - A message's closing dot is a step of its own ([`Session::finish`]). The
//!   family-notice fan-out sends a message's content, then waits for the
//!   previous message's outcome to be committed before the dot. Until the
//!   dot the server has accepted nothing, so a crash repeats at most one
//!   message per connection, while the database commit overlaps the next
//!   message's dialogue instead of following it.
//!
//! Each step has a timeout of its own ([`Timeouts`]): connecting, the
//! greeting, each command's reply (and each write), and the reply to a
//! message's closing dot, when the server may be scanning the content. A
//! server that stalls at any step is given up on after that step's short
//! limit, not one long limit for the whole message. A session that failed
//! mid-exchange (a stall included) is marked broken and must not be reused:
//! its sender opens a fresh connection.
//!
//! The session's parts: `endpoint` (where, and each step's limit),
//! `exchange` (a command and its reply, within its step's limit),
//! `transaction` (a message's MAIL, RCPT, DATA, content and dot).

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth, Ehlo, Noop, Quit, Starttls};
use lettre::transport::smtp::extension::{ClientId, Extension, ServerInfo};
use tokio_rustls::rustls;

use super::endpoint::Awaiting;
pub use super::endpoint::{Endpoint, Timeouts};
use super::error::positive;
pub use super::error::{reply_text, SmtpError};
pub use super::transaction::{Ended, Stalled};
use super::wire::{tls_config, Stream};

pub struct Session {
    pub(super) stream: Stream,
    /// Bytes received and not yet consumed by a reply.
    pub(super) received: Vec<u8>,
    /// Bytes of the next write (commands, or a message's content).
    pub(super) outgoing: Vec<u8>,
    pub(super) info: ServerInfo,
    pub(super) pipelining: bool,
    pub(super) timeouts: Timeouts,
    pub(super) broken: bool,
}

impl Session {
    /// Connects, reads the greeting, says EHLO, upgrades to TLS and
    /// authenticates as the endpoint asks.
    pub async fn connect(endpoint: &Endpoint) -> Result<Session, SmtpError> {
        let socket = tokio::time::timeout(
            endpoint.timeouts.connect,
            tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port)),
        )
        .await
        .map_err(|_| SmtpError::Connection("connecting to the SMTP server timed out".into()))?
        .map_err(|error| {
            SmtpError::Connection(format!("connecting to the SMTP server failed: {error}"))
        })?;
        // Without it every message's last segment waits for the server's
        // delayed ACK (about 40 ms on Linux).
        socket.set_nodelay(true).map_err(|error| {
            SmtpError::Connection(format!("setting TCP_NODELAY failed: {error}"))
        })?;
        let mut session = Session {
            stream: Stream::Plain(socket),
            received: Vec::with_capacity(1024),
            outgoing: Vec::with_capacity(4096),
            info: ServerInfo::default(),
            pipelining: false,
            timeouts: endpoint.timeouts,
            broken: false,
        };
        let greeting = session.read(Awaiting::Greeting).await?;
        if let Err(refused) = positive(greeting) {
            session.broken = true;
            return Err(refused);
        }
        session.ehlo(&endpoint.hello).await?;
        let encrypt = match endpoint.starttls {
            None => false,
            Some(required) => required || session.info.supports_feature(Extension::StartTls),
        };
        if encrypt {
            session.command(Starttls).await?;
            session.upgrade(&endpoint.host).await?;
            session.ehlo(&endpoint.hello).await?;
        }
        if let Some(credentials) = &endpoint.credentials {
            session.authenticate(credentials).await?;
        }
        Ok(session)
    }

    async fn upgrade(&mut self, host: &str) -> Result<(), SmtpError> {
        let config = tls_config()
            .map_err(|error| SmtpError::Unsupported(format!("TLS cannot be set up: {error}")))?;
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|_| SmtpError::Unsupported(format!("{host} is not a name TLS can verify")))?;
        let Stream::Plain(socket) = std::mem::replace(&mut self.stream, Stream::Upgrading) else {
            return Err(self.fail("STARTTLS on a session that is not plain".into()));
        };
        // Bytes the server sent before the handshake would be a protocol
        // violation (and a classic injection): drop them.
        self.received.clear();
        let connector = tokio_rustls::TlsConnector::from(config);
        match tokio::time::timeout(self.timeouts.connect, connector.connect(name, socket)).await {
            Ok(Ok(tls)) => {
                self.stream = Stream::Tls(Box::new(tls));
                Ok(())
            }
            Ok(Err(error)) => Err(self.fail(format!("STARTTLS failed: {error}"))),
            Err(_) => Err(self.fail("the TLS handshake timed out".into())),
        }
    }

    async fn ehlo(&mut self, hello: &ClientId) -> Result<(), SmtpError> {
        let response = self.command(Ehlo::new(hello.clone())).await?;
        self.info = ServerInfo::from_response(&response)
            .map_err(|error| SmtpError::Connection(format!("unreadable EHLO reply: {error}")))?;
        // lettre's ServerInfo does not keep PIPELINING; the keyword is the
        // first word of one of the reply's lines after the greeting.
        self.pipelining = response.message().skip(1).any(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|keyword| keyword.eq_ignore_ascii_case("PIPELINING"))
        });
        Ok(())
    }

    async fn authenticate(&mut self, credentials: &Credentials) -> Result<(), SmtpError> {
        let mechanism = self
            .info
            .get_auth_mechanism(&[Mechanism::Plain, Mechanism::Login])
            .ok_or_else(|| {
                SmtpError::Unsupported(
                    "the SMTP server offers no authentication mechanism breachd supports".into(),
                )
            })?;
        let unusable =
            |error: lettre::transport::smtp::Error| SmtpError::Unsupported(error.to_string());
        let mut response = self
            .command(Auth::new(mechanism, credentials.clone(), None).map_err(unusable)?)
            .await?;
        // LOGIN asks twice; a server asking on and on is refused.
        let mut challenges = 10;
        while response.has_code(334) {
            challenges -= 1;
            if challenges == 0 {
                self.broken = true;
                return Err(SmtpError::Connection(
                    "the SMTP server kept asking for credentials".into(),
                ));
            }
            let next = Auth::new_from_response(mechanism, credentials.clone(), &response)
                .map_err(unusable)?;
            response = self.command(next).await?;
        }
        Ok(())
    }

    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether the server still answers (for a connection idle a while).
    pub async fn noop(&mut self) -> bool {
        self.command(Noop).await.is_ok()
    }

    /// Says goodbye; errors do not matter any more.
    pub async fn quit(mut self) {
        if !self.broken {
            let _ = self.command(Quit).await;
        }
        self.stream.shutdown().await;
    }
}
