//! How an SMTP exchange fails, in the words recorded for a delivery.

use lettre::transport::smtp::response::{Response, Severity};
use std::fmt::Display;

/// Why an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpError {
    /// The server answered with a 4xx (`permanent: false`) or 5xx reply;
    /// `reply` is its code and text, as recorded for the delivery.
    Refused { permanent: bool, reply: String },
    /// The connection failed, timed out or the server spoke nonsense:
    /// worth retrying.
    Connection(String),
    /// The message cannot go through this server (it lacks an extension
    /// the message needs): retrying will not help.
    Unsupported(String),
}

impl SmtpError {
    pub fn is_permanent(&self) -> bool {
        match self {
            SmtpError::Refused { permanent, .. } => *permanent,
            SmtpError::Connection(_) => false,
            SmtpError::Unsupported(_) => true,
        }
    }

    pub(super) fn refused(response: &Response) -> Self {
        SmtpError::Refused {
            permanent: response.code().severity == Severity::PermanentNegativeCompletion,
            reply: reply_text(response),
        }
    }
}

impl Display for SmtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmtpError::Refused { reply, .. } => f.write_str(reply),
            SmtpError::Connection(reason) | SmtpError::Unsupported(reason) => f.write_str(reason),
        }
    }
}

/// A reply as one line: `250 2.0.0 Ok: queued as 1234`.
pub fn reply_text(response: &Response) -> String {
    let mut text = response.code().to_string();
    for line in response.message() {
        text.push(' ');
        text.push_str(line);
    }
    text
}

/// A positive reply, or the refusal it is.
pub(super) fn positive(response: Response) -> Result<Response, SmtpError> {
    if response.is_positive() {
        Ok(response)
    } else {
        Err(SmtpError::refused(&response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

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
