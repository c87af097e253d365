//! SMTP of breachd's own for `smtp://` relays: pipelined sessions
//! (`session`, over `wire`) and the pool of them the mailer sends through
//! (`direct`).

pub mod direct;
mod error;
pub mod session;
mod wire;

/// The same TLS client configuration serves the bounce mailbox's IMAP.
pub(crate) use wire::tls_config;
