//! The reply half of a session: a command and its reply, writes and reads
//! within the limit of the step they belong to, and the session marked
//! broken when a step fails mid-exchange.

use super::endpoint::Awaiting;
use super::error::{positive, SmtpError};
use super::session::Session;
use super::wire::reply_end;
use lettre::transport::smtp::response::Response;
use std::fmt::Display;
use std::str::FromStr;
use tokio::time::Instant;

/// A reply (all its lines) larger than this ends the session.
const MAX_REPLY_BYTES: usize = 64 * 1024;

impl Session {
    /// A command and its reply, which must be positive.
    pub(super) async fn command(&mut self, command: impl Display) -> Result<Response, SmtpError> {
        positive(self.exchange(command).await?)
    }

    pub(super) async fn exchange(&mut self, command: impl Display) -> Result<Response, SmtpError> {
        self.outgoing.clear();
        self.outgoing
            .extend_from_slice(command.to_string().as_bytes());
        self.flush_outgoing().await?;
        self.read_reply().await
    }

    pub(super) async fn flush_outgoing(&mut self) -> Result<(), SmtpError> {
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
    pub(super) async fn read_reply(&mut self) -> Result<Response, SmtpError> {
        self.read(Awaiting::Reply).await
    }

    /// The next complete reply, within the limit of what it answers (the
    /// whole reply, however the server trickles it); bytes after it stay
    /// for the next one.
    pub(super) async fn read(&mut self, awaiting: Awaiting) -> Result<Response, SmtpError> {
        let deadline = Instant::now() + self.limit(awaiting);
        self.read_until(awaiting, deadline).await
    }

    /// The limit of the step `awaiting` answers.
    pub(super) fn limit(&self, awaiting: Awaiting) -> std::time::Duration {
        match awaiting {
            Awaiting::Greeting => self.timeouts.greeting,
            Awaiting::Reply => self.timeouts.reply,
            Awaiting::DataEnd => self.timeouts.data,
        }
    }

    /// The next complete reply, by `deadline` (the end of the step's limit
    /// for `awaiting`, which words the failure).
    pub(super) async fn read_until(
        &mut self,
        awaiting: Awaiting,
        deadline: Instant,
    ) -> Result<Response, SmtpError> {
        match self.reply_before(deadline).await? {
            Some(response) => Ok(response),
            None => {
                let what = match awaiting {
                    Awaiting::Greeting => "no greeting from the SMTP server",
                    Awaiting::Reply => "no answer from the SMTP server",
                    Awaiting::DataEnd => "the SMTP server did not answer the end of the message",
                };
                let limit = self.limit(awaiting);
                Err(self.fail(format!("{what} within {limit:?}")))
            }
        }
    }

    /// The next complete reply, or None once `deadline` passes first: the
    /// session stays usable, the bytes read so far kept, and a later call
    /// goes on waiting for the same reply (a read is never half done when
    /// this is cancelled).
    pub(super) async fn reply_before(
        &mut self,
        deadline: Instant,
    ) -> Result<Option<Response>, SmtpError> {
        loop {
            if let Some(end) = reply_end(&self.received) {
                let text = String::from_utf8_lossy(&self.received[..end]).into_owned();
                self.received.drain(..end);
                return Response::from_str(&text).map(Some).map_err(|error| {
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
                Err(_) => return Ok(None),
            }
        }
    }

    pub(super) fn fail(&mut self, reason: String) -> SmtpError {
        self.broken = true;
        SmtpError::Connection(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_peers::{endpoint, envelope, short, stalling_peer};
    use super::*;
    use std::time::Duration;

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
}
