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

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth, Data, Ehlo, Mail, Noop, Quit, Rcpt, Rset, Starttls};
use lettre::transport::smtp::extension::{
    ClientId, Extension, MailBodyParameter, MailParameter, ServerInfo,
};
use lettre::transport::smtp::response::Response;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;
use tokio_rustls::rustls;

pub use super::error::{reply_text, SmtpError};
use super::wire::{dot_stuff, push_transaction, reply_end, tls_config, Stream};

/// A reply (all its lines) larger than this ends the session.
const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Where to connect and how to introduce ourselves.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// Upgrade with STARTTLS: `Some(true)` required, `Some(false)` when
    /// offered, `None` never.
    pub starttls: Option<bool>,
    pub credentials: Option<Credentials>,
    pub hello: ClientId,
    pub timeouts: Timeouts,
}

/// How long each step of a session may take (`email.connect_timeout`,
/// `email.greeting_timeout`, `email.reply_timeout`, `email.data_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The TCP connection (and the TLS handshake).
    pub connect: Duration,
    /// The server's 220 greeting.
    pub greeting: Duration,
    /// Each command's reply, and each write.
    pub reply: Duration,
    /// The reply to a message's closing dot.
    pub data: Duration,
}

impl Timeouts {
    /// The same limit for every step.
    #[cfg(test)]
    pub fn all(limit: Duration) -> Self {
        Self {
            connect: limit,
            greeting: limit,
            reply: limit,
            data: limit,
        }
    }
}

pub struct Session {
    stream: Stream,
    /// Bytes received and not yet consumed by a reply.
    received: Vec<u8>,
    /// Bytes of the next write (commands, or a message's content).
    outgoing: Vec<u8>,
    info: ServerInfo,
    pipelining: bool,
    timeouts: Timeouts,
    broken: bool,
}

/// Which reply is awaited: each has its own limit and its own words when
/// the limit passes.
#[derive(Debug, Clone, Copy)]
enum Awaiting {
    Greeting,
    Reply,
    DataEnd,
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

    /// Starts a transaction: MAIL, RCPT (each recipient) and DATA, in one
    /// write when the server pipelines. On a refusal the transaction is
    /// reset and the session stays usable.
    pub async fn begin(&mut self, envelope: &Envelope, eight_bit: bool) -> Result<(), SmtpError> {
        let parameters = self.mail_parameters(envelope, eight_bit)?;
        let mail = Mail::new(envelope.from().cloned(), parameters);
        let recipients = envelope.to().iter().map(|to| Rcpt::new(to.clone(), vec![]));
        let outcome = if self.pipelining {
            self.outgoing.clear();
            let expected = push_transaction(&mut self.outgoing, mail, recipients);
            self.flush_outgoing().await?;
            self.transaction_replies(expected).await
        } else {
            self.one_by_one(mail, recipients).await
        };
        self.reset_after_refusal(outcome).await
    }

    /// The MAIL parameters `envelope` needs, or why this server cannot
    /// take it.
    fn mail_parameters(
        &self,
        envelope: &Envelope,
        eight_bit: bool,
    ) -> Result<Vec<MailParameter>, SmtpError> {
        let mut parameters = Vec::new();
        let addresses = envelope.from().into_iter().chain(envelope.to());
        if addresses
            .into_iter()
            .any(|address| !AsRef::<str>::as_ref(address).is_ascii())
        {
            if !self.info.supports_feature(Extension::SmtpUtfEight) {
                return Err(SmtpError::Unsupported(
                    "the address is not ASCII and the SMTP server does not offer SMTPUTF8".into(),
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if eight_bit {
            if !self.info.supports_feature(Extension::EightBitMime) {
                return Err(SmtpError::Unsupported(
                    "the message is 8-bit and the SMTP server does not offer 8BITMIME".into(),
                ));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        Ok(parameters)
    }

    /// A refused MAIL or RCPT leaves a half-open transaction: reset it.
    async fn reset_after_refusal(
        &mut self,
        outcome: Result<(), SmtpError>,
    ) -> Result<(), SmtpError> {
        if matches!(outcome, Err(SmtpError::Refused { .. })) && !self.broken {
            self.command(Rset).await?;
        }
        outcome
    }

    /// Reads the replies to a pipelined MAIL, RCPT..., DATA (`expected` of
    /// them): every one, even after a refusal, to stay in step.
    async fn transaction_replies(&mut self, expected: usize) -> Result<(), SmtpError> {
        let mut first_refusal = None;
        let mut data_accepted = false;
        for index in 0..expected {
            let response = self.read_reply().await?;
            let last = index == expected - 1;
            if last {
                data_accepted = response.has_code(354);
            }
            let positive = if last {
                data_accepted
            } else {
                response.is_positive()
            };
            if !positive && first_refusal.is_none() {
                first_refusal = Some(SmtpError::refused(&response));
            }
        }
        match first_refusal {
            None => Ok(()),
            Some(refusal) => {
                if data_accepted {
                    // A server that took DATA after refusing MAIL or RCPT
                    // gets an empty message ended at once (and no recipient).
                    self.outgoing.clear();
                    self.outgoing.extend_from_slice(b".\r\n");
                    self.flush_outgoing().await?;
                    self.read_reply().await?;
                }
                Err(refusal)
            }
        }
    }

    async fn one_by_one(
        &mut self,
        mail: Mail,
        recipients: impl Iterator<Item = Rcpt>,
    ) -> Result<(), SmtpError> {
        self.command(mail).await?;
        for rcpt in recipients {
            self.command(rcpt).await?;
        }
        let response = self.exchange(Data).await?;
        if response.has_code(354) {
            Ok(())
        } else {
            Err(SmtpError::refused(&response))
        }
    }

    /// Ends the begun message (content and dot) and begins `next` (its
    /// envelope, and whether it is 8-bit) in the same write where the
    /// server pipelines: RFC 2920 lets message content open a group, so a
    /// stream of messages costs one round trip each. Returns the message's
    /// answer and, if `next` was given, whether it was begun (a refusal
    /// resets the transaction; a broken connection begins nothing).
    pub async fn finish_and_begin(
        &mut self,
        message: &[u8],
        next: Option<(&Envelope, bool)>,
    ) -> (Result<Response, SmtpError>, Option<Result<(), SmtpError>>) {
        let next = next.map(|(envelope, eight_bit)| {
            self.mail_parameters(envelope, eight_bit)
                .map(|parameters| (envelope, parameters))
        });
        self.outgoing.clear();
        dot_stuff(message, &mut self.outgoing);
        if !message.ends_with(b"\r\n") {
            self.outgoing.extend_from_slice(b"\r\n");
        }
        self.outgoing.extend_from_slice(b".\r\n");
        let mut pipelined = None;
        if let Some(Ok((envelope, parameters))) = &next {
            if self.pipelining {
                let mail = Mail::new(envelope.from().cloned(), parameters.clone());
                let recipients = envelope.to().iter().map(|to| Rcpt::new(to.clone(), vec![]));
                pipelined = Some(push_transaction(&mut self.outgoing, mail, recipients));
            }
        }
        if let Err(error) = self.flush_outgoing().await {
            return (Err(error), None);
        }
        let done = self.read(Awaiting::DataEnd).await.and_then(positive);
        if self.broken {
            return (done, None);
        }
        let begun = match next {
            None => None,
            Some(Err(unsupported)) => Some(Err(unsupported)),
            Some(Ok((envelope, parameters))) => Some(match pipelined {
                Some(expected) => {
                    let outcome = self.transaction_replies(expected).await;
                    self.reset_after_refusal(outcome).await
                }
                None => {
                    let eight_bit = parameters
                        .iter()
                        .any(|p| matches!(p, MailParameter::Body(MailBodyParameter::EightBitMime)));
                    self.begin(envelope, eight_bit).await
                }
            }),
        };
        (done, begun)
    }

    /// One whole message.
    pub async fn send(
        &mut self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<Response, SmtpError> {
        self.begin(envelope, !message.is_ascii()).await?;
        self.finish_and_begin(message, None).await.0
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

    /// A command and its reply, which must be positive.
    async fn command(&mut self, command: impl Display) -> Result<Response, SmtpError> {
        positive(self.exchange(command).await?)
    }

    async fn exchange(&mut self, command: impl Display) -> Result<Response, SmtpError> {
        self.outgoing.clear();
        self.outgoing
            .extend_from_slice(command.to_string().as_bytes());
        self.flush_outgoing().await?;
        self.read_reply().await
    }

    async fn flush_outgoing(&mut self) -> Result<(), SmtpError> {
        let limit = self.timeouts.reply;
        let written = tokio::time::timeout(limit, self.stream.write_all(&self.outgoing)).await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(self.fail(format!("writing to the SMTP server failed: {error}"))),
            Err(_) => Err(self.fail(format!(
                "the SMTP server took more than {limit:?} to take our data"
            ))),
        }
    }

    /// The next complete reply to a command.
    async fn read_reply(&mut self) -> Result<Response, SmtpError> {
        self.read(Awaiting::Reply).await
    }

    /// The next complete reply, within the limit of what it answers (the
    /// whole reply, however the server trickles it); bytes after it stay
    /// for the next one.
    async fn read(&mut self, awaiting: Awaiting) -> Result<Response, SmtpError> {
        let limit = match awaiting {
            Awaiting::Greeting => self.timeouts.greeting,
            Awaiting::Reply => self.timeouts.reply,
            Awaiting::DataEnd => self.timeouts.data,
        };
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(end) = reply_end(&self.received) {
                let text = String::from_utf8_lossy(&self.received[..end]).into_owned();
                self.received.drain(..end);
                return Response::from_str(&text).map_err(|error| {
                    self.fail(format!("the SMTP server's reply is unreadable: {error}"))
                });
            }
            if self.received.len() > MAX_REPLY_BYTES {
                return Err(self.fail("the SMTP server's reply is too long".into()));
            }
            let mut buffer = [0u8; 4096];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut buffer)).await;
            match read {
                Ok(Ok(0)) => return Err(self.fail("the SMTP server closed the connection".into())),
                Ok(Ok(n)) => self.received.extend_from_slice(&buffer[..n]),
                Ok(Err(error)) => {
                    return Err(self.fail(format!("reading from the SMTP server failed: {error}")))
                }
                Err(_) => {
                    let what = match awaiting {
                        Awaiting::Greeting => "no greeting from the SMTP server",
                        Awaiting::Reply => "no answer from the SMTP server",
                        Awaiting::DataEnd => {
                            "the SMTP server did not answer the end of the message"
                        }
                    };
                    return Err(self.fail(format!("{what} within {limit:?}")));
                }
            }
        }
    }

    fn fail(&mut self, reason: String) -> SmtpError {
        self.broken = true;
        SmtpError::Connection(reason)
    }
}

/// A positive reply, or the refusal it is.
fn positive(response: Response) -> Result<Response, SmtpError> {
    if response.is_positive() {
        Ok(response)
    } else {
        Err(SmtpError::refused(&response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A peer on loopback that follows a script: it reads until it has
    /// seen `until`, then writes the reply. It answers nothing before a
    /// whole group is in, so a client that waited for replies between
    /// pipelined commands would hang here.
    async fn scripted_peer(
        script: Vec<(&'static str, &'static str)>,
    ) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.write_all(b"220 scripted ESMTP\r\n").await.unwrap();
            let mut received = Vec::new();
            let mut pending = Vec::new();
            for (until, reply) in script {
                while !String::from_utf8_lossy(&pending).contains(until) {
                    let mut buffer = [0u8; 4096];
                    let n = socket.read(&mut buffer).await.unwrap();
                    assert!(
                        n > 0,
                        "the client hung up while the peer waited for {until:?}"
                    );
                    pending.extend_from_slice(&buffer[..n]);
                }
                received.push(String::from_utf8(std::mem::take(&mut pending)).unwrap());
                socket.write_all(reply.as_bytes()).await.unwrap();
            }
            received
        });
        (port, peer)
    }

    fn endpoint(port: u16) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".into(),
            port,
            starttls: None,
            credentials: None,
            hello: ClientId::Domain("breachd.test".into()),
            timeouts: Timeouts::all(Duration::from_secs(5)),
        }
    }

    fn envelope(to: &str) -> Envelope {
        Envelope::new(
            Some("dataprivacy@example.org".parse().unwrap()),
            vec![to.parse().unwrap()],
        )
        .unwrap()
    }

    /// A peer that answers like a server until a point, then never again
    /// (and keeps the connection open): before its greeting, or after a
    /// message's closing dot.
    async fn stalling_peer(greets: bool) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            if greets {
                socket.write_all(b"220 stalling ESMTP\r\n").await.unwrap();
                let mut seen = String::new();
                let mut in_data = false;
                loop {
                    let mut buffer = [0u8; 4096];
                    let n = socket.read(&mut buffer).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
                    if in_data {
                        if seen.contains("\r\n.\r\n") {
                            break;
                        }
                        continue;
                    }
                    while let Some(end) = seen.find("\r\n") {
                        let line: String = seen.drain(..end + 2).collect();
                        let reply: &[u8] = if line.starts_with("DATA") {
                            in_data = true;
                            b"354 go ahead\r\n"
                        } else {
                            b"250 ok\r\n"
                        };
                        socket.write_all(reply).await.unwrap();
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(socket);
        });
        port
    }

    fn short(greeting: Duration, data: Duration) -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(5),
            greeting,
            reply: Duration::from_secs(5),
            data,
        }
    }

    #[tokio::test]
    async fn a_server_that_never_greets_is_given_up_on_after_the_greeting_limit() {
        let port = stalling_peer(false).await;
        let mut endpoint = endpoint(port);
        endpoint.timeouts = short(Duration::from_millis(200), Duration::from_secs(30));
        let started = std::time::Instant::now();
        let error = Session::connect(&endpoint)
            .await
            .err()
            .expect("no greeting");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert!(error.to_string().contains("no greeting"), "{error}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_the_dot_is_given_up_on_after_the_data_limit() {
        let port = stalling_peer(true).await;
        let mut endpoint = endpoint(port);
        endpoint.timeouts = short(Duration::from_secs(30), Duration::from_millis(300));
        let mut session = Session::connect(&endpoint).await.expect("a greeting");
        let started = std::time::Instant::now();
        let error = session
            .send(
                &envelope("guardian@families.example"),
                b"Subject: x\r\n\r\nhello\r\n",
            )
            .await
            .expect_err("the dot is never answered");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(error.to_string().contains("end of the message"), "{error}");
        assert!(session.is_broken(), "a stalled session is not reused");
    }

    #[tokio::test]
    async fn a_message_ends_in_the_write_that_begins_the_next() {
        let (port, peer) = scripted_peer(vec![
            ("\r\n", "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
            ("DATA\r\n", "250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),
            (
                "DATA\r\n",
                "250 2.0.0 queued as A1\r\n250 2.1.0 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n",
            ),
            ("RSET\r\n", "250 2.0.0 ok\r\n"),
            ("QUIT\r\n", "221 2.0.0 bye\r\n"),
        ])
        .await;
        let mut session = Session::connect(&endpoint(port)).await.unwrap();
        session
            .begin(&envelope("one@families.example"), false)
            .await
            .unwrap();
        let (done, next) = session
            .finish_and_begin(
                b"Subject: one\r\n\r\n.a line starting with a dot\r\n",
                Some((&envelope("nobody@families.example"), false)),
            )
            .await;
        assert_eq!(reply_text(&done.unwrap()), "250 2.0.0 queued as A1");
        let refused = next.unwrap().unwrap_err();
        assert!(refused.is_permanent());
        assert_eq!(refused.to_string(), "550 5.1.1 no such user");
        assert!(
            !session.is_broken(),
            "the refusal was reset, the session goes on"
        );
        session.quit().await;
        let received = peer.await.unwrap();
        assert!(received[0].starts_with("EHLO breachd.test"), "{received:?}");
        assert_eq!(
            received[1],
            "MAIL FROM:<dataprivacy@example.org>\r\nRCPT TO:<one@families.example>\r\nDATA\r\n"
        );
        assert_eq!(
            received[2],
            "Subject: one\r\n\r\n..a line starting with a dot\r\n.\r\n\
             MAIL FROM:<dataprivacy@example.org>\r\nRCPT TO:<nobody@families.example>\r\nDATA\r\n"
        );
    }

    #[tokio::test]
    async fn without_pipelining_commands_wait_for_their_replies() {
        let (port, peer) = scripted_peer(vec![
            ("\r\n", "250-scripted\r\n250 8BITMIME\r\n"),
            ("MAIL FROM:<dataprivacy@example.org>\r\n", "250 ok\r\n"),
            ("RCPT TO:<one@families.example>\r\n", "250 ok\r\n"),
            ("DATA\r\n", "354 go ahead\r\n"),
            ("\r\n.\r\n", "451 4.3.0 try later\r\n"),
            ("QUIT\r\n", "221 bye\r\n"),
        ])
        .await;
        let mut session = Session::connect(&endpoint(port)).await.unwrap();
        let refused = session
            .send(
                &envelope("one@families.example"),
                b"Subject: one\r\n\r\nhello",
            )
            .await
            .unwrap_err();
        assert!(!refused.is_permanent(), "451 is worth retrying");
        session.quit().await;
        let received = peer.await.unwrap();
        assert_eq!(received[1], "MAIL FROM:<dataprivacy@example.org>\r\n");
        assert_eq!(received[2], "RCPT TO:<one@families.example>\r\n");
        assert_eq!(received[3], "DATA\r\n");
        assert_eq!(received[4], "Subject: one\r\n\r\nhello\r\n.\r\n");
    }

    #[test]
    fn replies_read_as_one_line() {
        let response = Response::from_str("250-mail.example.org\r\n250 2.0.0 Ok\r\n").unwrap();
        assert_eq!(reply_text(&response), "250 mail.example.org 2.0.0 Ok");
        let refused = SmtpError::refused(&Response::from_str("550 5.1.1 unknown\r\n").unwrap());
        assert!(refused.is_permanent());
        assert_eq!(refused.to_string(), "550 5.1.1 unknown");
        let later = SmtpError::refused(&Response::from_str("451 4.3.0 later\r\n").unwrap());
        assert!(!later.is_permanent());
    }
}
