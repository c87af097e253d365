//! Outbound email: rendering from district-editable templates, building
//! messages with the headers users filter on, and sending them over SMTP
//! (lettre, pooled, rustls) or into `.eml` files.

pub mod bounces;
pub mod dates;
pub mod mailer;
pub mod message;
pub mod permits;
pub mod quota;
pub mod smtp;
pub mod templates;
pub mod verp;

pub use mailer::{Mailer, SendOutcome};

use crate::settings::EmailSettings;
use permits::SendPermits;

/// The one place `email.max_connections` becomes both the mailer's
/// connection pool and the process's send permits, so the two cannot
/// disagree.
pub(crate) fn sending(email: &EmailSettings) -> anyhow::Result<(Mailer, SendPermits)> {
    let mailer = Mailer::from_settings(email)?;
    let permits = SendPermits::new(email.max_connections as usize);
    Ok((mailer, permits))
}
pub use templates::Templates;
