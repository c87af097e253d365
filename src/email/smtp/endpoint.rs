//! Where a session connects and how long each of its steps may take.

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

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

/// Which reply is awaited: each has its own limit and its own words when
/// the limit passes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Awaiting {
    Greeting,
    Reply,
    DataEnd,
}
