//! SMTP of breachd's own for `smtp://` relays: pipelined sessions
//! (`session`, over `wire`) and the pool of them the mailer sends through
//! (`direct`).

pub mod direct;
mod endpoint;
mod error;
mod exchange;
pub mod session;
#[cfg(test)]
mod test_peers;
mod transaction;
mod wire;
