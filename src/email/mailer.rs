//! The transports: SMTP through lettre's pooled async transport (URL syntax
//! `smtp://host:port`, `?tls=required|opportunistic`, `smtps://` for implicit
//! TLS, credentials in the URL or from a credential file) and `.eml` files
//! for the embedded default. Every send is wrapped in a timeout and its
//! outcome classified: sent, temporary (retry later) or permanent.

use super::smtp::session::{reply_text, SmtpError};
use crate::settings::{EmailSettings, EmailTransport};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub enum Mailer {
    /// `smtps://`: lettre's pooled transport.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `smtp://` (plain or STARTTLS): connections of our own with TCP_NODELAY.
    /// Boxed: the endpoint with its four timeouts outweighs the others.
    Direct(Box<super::smtp::direct::DirectSmtp>),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted; the server's reply (or the file written).
    Sent(String),
    /// 4xx, connection trouble or a timeout: worth retrying.
    Temporary(String),
    /// 5xx or a message that cannot be built: never retried.
    Permanent(String),
}

impl From<Result<Response, SmtpError>> for SendOutcome {
    fn from(result: Result<Response, SmtpError>) -> Self {
        match result {
            Ok(response) => SendOutcome::Sent(reply_text(&response)),
            Err(error) if error.is_permanent() => SendOutcome::Permanent(error.to_string()),
            Err(error) => SendOutcome::Temporary(error.to_string()),
        }
    }
}

impl Mailer {
    pub fn from_settings(email: &EmailSettings) -> anyhow::Result<Self> {
        match email.transport {
            EmailTransport::File => {
                std::fs::create_dir_all(&email.dir)?;
                Ok(Mailer::File(AsyncFileTransport::<Tokio1Executor>::new(
                    &email.dir,
                )))
            }
            EmailTransport::Smtp if email.url.starts_with("smtp://") => {
                Ok(Mailer::Direct(Box::new(
                    super::smtp::direct::DirectSmtp::from_url(
                        &email.url,
                        email.password.as_ref().map(|secret| secret.expose()),
                        super::smtp::session::Timeouts {
                            connect: email.connect_timeout,
                            greeting: email.greeting_timeout,
                            reply: email.reply_timeout,
                            data: email.data_timeout,
                        },
                        email.max_connections as usize,
                    )
                    .map_err(anyhow::Error::msg)?
                    .with_parking(email.stall_after, email.max_parked_connections as usize),
                )))
            }
            EmailTransport::Smtp => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&email.url)
                    .map_err(|error| anyhow::anyhow!("email.url: {error}"))?
                    .timeout(Some(email.timeout))
                    .pool_config(PoolConfig::new().max_size(email.max_connections));
                if let Some(password) = &email.password {
                    let user = reqwest::Url::parse(&email.url)
                        .map(|url| url.username().to_owned())
                        .unwrap_or_default();
                    builder =
                        builder.credentials(Credentials::new(user, password.expose().to_owned()));
                }
                Ok(Mailer::Smtp(builder.build()))
            }
        }
    }

    /// Sends one message, giving up after `timeout`.
    pub async fn send(&self, message: Message, timeout: Duration) -> SendOutcome {
        self.send_raw(&message.envelope().clone(), &message.formatted(), timeout)
            .await
    }

    /// Sends a message already formatted (headers and encoded body).
    pub async fn send_raw(
        &self,
        envelope: &Envelope,
        message: &[u8],
        timeout: Duration,
    ) -> SendOutcome {
        let late =
            || SendOutcome::Temporary(format!("no answer from the SMTP server within {timeout:?}"));
        match self {
            Mailer::File(transport) => {
                match tokio::time::timeout(timeout, transport.send_raw(envelope, message)).await {
                    Ok(Ok(id)) => SendOutcome::Sent(format!("written to {id}.eml")),
                    Ok(Err(error)) => {
                        SendOutcome::Temporary(format!("writing the message failed: {error}"))
                    }
                    Err(_) => SendOutcome::Temporary("timed out writing the message".into()),
                }
            }
            Mailer::Smtp(transport) => {
                match tokio::time::timeout(timeout, transport.send_raw(envelope, message)).await {
                    Ok(Ok(response)) => SendOutcome::Sent(reply_text(&response)),
                    Ok(Err(error)) if error.is_permanent() => {
                        SendOutcome::Permanent(error.to_string())
                    }
                    Ok(Err(error)) => SendOutcome::Temporary(error.to_string()),
                    Err(_) => late(),
                }
            }
            Mailer::Direct(direct) => {
                match tokio::time::timeout(timeout, direct.send(envelope, message)).await {
                    Ok(result) => SendOutcome::from(result),
                    Err(_) => late(),
                }
            }
        }
    }

    /// Whether the SMTP server answers (always true for files).
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Mailer::File(_) => Ok(()),
            Mailer::Direct(direct) => {
                match tokio::time::timeout(Duration::from_secs(5), direct.check()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(format!("SMTP server unreachable: {error}")),
                    Err(_) => Err("SMTP server did not answer within 5 s".into()),
                }
            }
            Mailer::Smtp(transport) => {
                match tokio::time::timeout(Duration::from_secs(5), transport.test_connection())
                    .await
                {
                    Ok(Ok(true)) => Ok(()),
                    Ok(Ok(false)) => Err("the SMTP server refused the connection test".into()),
                    Ok(Err(error)) => Err(format!("SMTP server unreachable: {error}")),
                    Err(_) => Err("SMTP server did not answer within 5 s".into()),
                }
            }
        }
    }
}
