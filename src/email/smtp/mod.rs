//! SMTP of breachd's own for `smtp://` relays: pipelined sessions
//! (`session`, over `wire`), the pool of them the mailer sends through
//! (`direct`), and when a stalled reply parks its connection (`stalls`).

pub mod direct;
mod endpoint;
mod error;
mod exchange;
pub mod session;
pub mod stalls;
#[cfg(test)]
mod test_peers;
mod transaction;
mod wire;

/// The same TLS client configuration serves the bounce mailbox's IMAP.
pub(crate) use wire::tls_config;
