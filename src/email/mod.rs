//! Outbound email: rendering from district-editable templates, building
//! messages with the headers users filter on, and sending them over SMTP
//! (lettre, pooled, rustls) or into `.eml` files.

pub mod mailer;
pub mod message;
pub mod permits;
pub mod smtp;
pub mod templates;

pub use mailer::{Mailer, SendOutcome};
pub use templates::Templates;
