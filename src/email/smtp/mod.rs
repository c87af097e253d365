//! SMTP of breachd's own for `smtp://` relays: pipelined sessions
//! (`session`, over `wire`) and the pool of them the mailer sends through
//! (`direct`).

pub mod direct;
mod error;
pub mod session;
mod wire;
