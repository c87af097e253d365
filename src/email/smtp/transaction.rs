//! A message's transaction on a session: MAIL, RCPT and DATA (pipelined
//! where the server offers it), the content and its closing dot, and the
//! next message begun in the same write.

use super::endpoint::Awaiting;
use super::error::positive;
use super::session::{Session, SmtpError};
use super::wire::{dot_stuff, push_transaction};
use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use std::time::Duration;
use tokio::time::Instant;

/// How a message's end went.
pub enum Ended {
    /// The dot was answered (or the connection failed): the message's
    /// answer, `next` begun or not as for [`Session::finish_and_begin`],
    /// and how long the answer took from the dot.
    Answered {
        done: Result<Response, SmtpError>,
        begun: Option<Result<(), SmtpError>>,
        took: Duration,
    },
    /// No answer yet: the server may still take the message.
    Stalled(Stalled),
}

/// A dot not answered within the stall wait: its session still owes the
/// reply.
#[must_use = "a stalled message's reply is still owed"]
pub struct Stalled {
    /// The dot's own limit, from when it was written.
    deadline: Instant,
    /// Replies owed after the dot's: the next message's MAIL, RCPT, DATA.
    pipelined: Option<usize>,
}

impl Session {
    /// Starts a transaction: MAIL, RCPT (each recipient) and DATA, in one
    /// write when the server pipelines. On a refusal the transaction is
    /// reset and the session stays usable.
    pub async fn begin(&mut self, envelope: &Envelope, eight_bit: bool) -> Result<(), SmtpError> {
        let parameters = self.mail_parameters(envelope, eight_bit)?;
        let mail = Mail::new(envelope.from().cloned(), parameters);
        let recipients = envelope.to().iter().map(|to| Rcpt::new(to.clone(), vec![]));
        let outcome = if self.pipelining {
            self.outgoing.clear();
            let expected = push_transaction(&mut self.outgoing, mail, recipients);
            self.flush_outgoing().await?;
            self.transaction_replies(expected).await
        } else {
            self.one_by_one(mail, recipients).await
        };
        self.reset_after_refusal(outcome).await
    }

    /// The MAIL parameters `envelope` needs, or why this server cannot
    /// take it.
    fn mail_parameters(
        &self,
        envelope: &Envelope,
        eight_bit: bool,
    ) -> Result<Vec<MailParameter>, SmtpError> {
        let mut parameters = Vec::new();
        let addresses = envelope.from().into_iter().chain(envelope.to());
        if addresses
            .into_iter()
            .any(|address| !AsRef::<str>::as_ref(address).is_ascii())
        {
            if !self.info.supports_feature(Extension::SmtpUtfEight) {
                return Err(SmtpError::Unsupported(
                    "the address is not ASCII and the SMTP server does not offer SMTPUTF8".into(),
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if eight_bit {
            if !self.info.supports_feature(Extension::EightBitMime) {
                return Err(SmtpError::Unsupported(
                    "the message is 8-bit and the SMTP server does not offer 8BITMIME".into(),
                ));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        Ok(parameters)
    }

    /// A refused MAIL or RCPT leaves a half-open transaction: reset it.
    async fn reset_after_refusal(
        &mut self,
        outcome: Result<(), SmtpError>,
    ) -> Result<(), SmtpError> {
        if matches!(outcome, Err(SmtpError::Refused { .. })) && !self.broken {
            self.command(Rset).await?;
        }
        outcome
    }

    /// Reads the replies to a pipelined MAIL, RCPT..., DATA (`expected` of
    /// them): every one, even after a refusal, to stay in step.
    async fn transaction_replies(&mut self, expected: usize) -> Result<(), SmtpError> {
        let mut first_refusal = None;
        let mut data_accepted = false;
        for index in 0..expected {
            let response = self.read_reply().await?;
            let last = index == expected - 1;
            if last {
                data_accepted = response.has_code(354);
            }
            let positive = if last {
                data_accepted
            } else {
                response.is_positive()
            };
            if !positive && first_refusal.is_none() {
                first_refusal = Some(SmtpError::refused(&response));
            }
        }
        match first_refusal {
            None => Ok(()),
            Some(refusal) => {
                if data_accepted {
                    // A server that took DATA after refusing MAIL or RCPT
                    // gets an empty message ended at once (and no recipient).
                    self.outgoing.clear();
                    self.outgoing.extend_from_slice(b".\r\n");
                    self.flush_outgoing().await?;
                    self.read_reply().await?;
                }
                Err(refusal)
            }
        }
    }

    async fn one_by_one(
        &mut self,
        mail: Mail,
        recipients: impl Iterator<Item = Rcpt>,
    ) -> Result<(), SmtpError> {
        self.command(mail).await?;
        for rcpt in recipients {
            self.command(rcpt).await?;
        }
        let response = self.exchange(Data).await?;
        if response.has_code(354) {
            Ok(())
        } else {
            Err(SmtpError::refused(&response))
        }
    }

    /// Ends the begun message (content and dot) and begins `next` (its
    /// envelope, and whether it is 8-bit) in the same write where the
    /// server pipelines: RFC 2920 lets message content open a group, so a
    /// stream of messages costs one round trip each. Returns the message's
    /// answer and, if `next` was given, whether it was begun (a refusal
    /// resets the transaction; a broken connection begins nothing).
    pub async fn finish_and_begin(
        &mut self,
        message: &[u8],
        next: Option<(&Envelope, bool)>,
    ) -> (Result<Response, SmtpError>, Option<Result<(), SmtpError>>) {
        match self.finish_unless_stalled(message, next, None).await {
            Ended::Answered { done, begun, .. } => (done, begun),
            Ended::Stalled(stalled) => self.resume(stalled, next).await,
        }
    }

    /// As [`Session::finish_and_begin`], except that once the dot has gone
    /// unanswered for `stall_after` the wait stops and the message is
    /// [`Ended::Stalled`]: the session still owes its reply, which
    /// [`Session::resume`] or [`Session::await_parked`] go on waiting for,
    /// up to the data limit counted from the dot.
    pub async fn finish_unless_stalled(
        &mut self,
        message: &[u8],
        next: Option<(&Envelope, bool)>,
        stall_after: Option<Duration>,
    ) -> Ended {
        let next = next.map(|(envelope, eight_bit)| {
            self.mail_parameters(envelope, eight_bit)
                .map(|parameters| (envelope, parameters))
        });
        self.outgoing.clear();
        dot_stuff(message, &mut self.outgoing);
        if !message.ends_with(b"\r\n") {
            self.outgoing.extend_from_slice(b"\r\n");
        }
        self.outgoing.extend_from_slice(b".\r\n");
        let mut pipelined = None;
        if let Some(Ok((envelope, parameters))) = &next {
            if self.pipelining {
                let mail = Mail::new(envelope.from().cloned(), parameters.clone());
                let recipients = envelope.to().iter().map(|to| Rcpt::new(to.clone(), vec![]));
                pipelined = Some(push_transaction(&mut self.outgoing, mail, recipients));
            }
        }
        if let Err(error) = self.flush_outgoing().await {
            return Ended::Answered {
                done: Err(error),
                begun: None,
                took: Duration::ZERO,
            };
        }
        let written = Instant::now();
        let deadline = written + self.limit(Awaiting::DataEnd);
        let reply = match stall_after {
            Some(after) if written + after < deadline => {
                match self.reply_before(written + after).await {
                    Ok(Some(reply)) => Ok(reply),
                    Ok(None) => {
                        return Ended::Stalled(Stalled {
                            deadline,
                            pipelined,
                        })
                    }
                    Err(error) => Err(error),
                }
            }
            _ => self.read_until(Awaiting::DataEnd, deadline).await,
        };
        let took = written.elapsed();
        let done = reply.and_then(positive);
        let begun = self.begin_after_dot(next, pipelined).await;
        Ended::Answered { done, begun, took }
    }

    /// Goes on waiting for a stalled dot's reply (up to the data limit),
    /// then begins `next` (the same as given to
    /// [`Session::finish_unless_stalled`]) as [`Session::finish_and_begin`]
    /// does.
    pub async fn resume(
        &mut self,
        stalled: Stalled,
        next: Option<(&Envelope, bool)>,
    ) -> (Result<Response, SmtpError>, Option<Result<(), SmtpError>>) {
        let done = self
            .read_until(Awaiting::DataEnd, stalled.deadline)
            .await
            .and_then(positive);
        let next = next.map(|(envelope, eight_bit)| {
            self.mail_parameters(envelope, eight_bit)
                .map(|parameters| (envelope, parameters))
        });
        let begun = self.begin_after_dot(next, stalled.pipelined).await;
        (done, begun)
    }

    /// Waits for a parked connection's stalled dot reply (up to the data
    /// limit), and nothing more: the session ends here, and whatever was
    /// pipelined after the dot (the next message's MAIL, RCPT and DATA, no
    /// content) is abandoned with the connection, which the server
    /// discards.
    pub async fn await_parked(mut self, stalled: Stalled) -> Result<Response, SmtpError> {
        let done = self
            .read_until(Awaiting::DataEnd, stalled.deadline)
            .await
            .and_then(positive);
        self.stream.shutdown().await;
        done
    }

    /// After a dot's reply: reads the replies to `next`'s pipelined MAIL,
    /// RCPT and DATA (`pipelined` of them), or begins it now.
    async fn begin_after_dot(
        &mut self,
        next: Option<Result<(&Envelope, Vec<MailParameter>), SmtpError>>,
        pipelined: Option<usize>,
    ) -> Option<Result<(), SmtpError>> {
        if self.broken {
            return None;
        }
        match next? {
            Err(unsupported) => Some(Err(unsupported)),
            Ok((envelope, parameters)) => Some(match pipelined {
                Some(expected) => {
                    let outcome = self.transaction_replies(expected).await;
                    self.reset_after_refusal(outcome).await
                }
                None => {
                    let eight_bit = parameters
                        .iter()
                        .any(|p| matches!(p, MailParameter::Body(MailBodyParameter::EightBitMime)));
                    self.begin(envelope, eight_bit).await
                }
            }),
        }
    }

    /// One whole message.
    pub async fn send(
        &mut self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<Response, SmtpError> {
        self.begin(envelope, !message.is_ascii()).await?;
        self.finish_and_begin(message, None).await.0
    }
}

#[cfg(test)]
mod tests {
    use super::super::error::reply_text;
    use super::super::test_peers::{endpoint, envelope, scripted_peer};
    use super::*;

    #[tokio::test]
    async fn a_message_ends_in_the_write_that_begins_the_next() {
        let (port, peer) = scripted_peer(vec![
            ("\r\n", "250-scripted\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
            ("DATA\r\n", "250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"),
            (
                "DATA\r\n",
                "250 2.0.0 queued as A1\r\n250 2.1.0 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n",
            ),
            ("RSET\r\n", "250 2.0.0 ok\r\n"),
            ("QUIT\r\n", "221 2.0.0 bye\r\n"),
        ])
        .await;
        let mut session = Session::connect(&endpoint(port)).await.unwrap();
        session
            .begin(&envelope("one@families.example"), false)
            .await
            .unwrap();
        let (done, next) = session
            .finish_and_begin(
                b"Subject: one\r\n\r\n.a line starting with a dot\r\n",
                Some((&envelope("nobody@families.example"), false)),
            )
            .await;
        assert_eq!(reply_text(&done.unwrap()), "250 2.0.0 queued as A1");
        let refused = next.unwrap().unwrap_err();
        assert!(refused.is_permanent());
        assert_eq!(refused.to_string(), "550 5.1.1 no such user");
        assert!(
            !session.is_broken(),
            "the refusal was reset, the session goes on"
        );
        session.quit().await;
        let received = peer.await.unwrap();
        assert!(received[0].starts_with("EHLO breachd.test"), "{received:?}");
        assert_eq!(
            received[1],
            "MAIL FROM:<dataprivacy@example.org>\r\nRCPT TO:<one@families.example>\r\nDATA\r\n"
        );
        assert_eq!(
            received[2],
            "Subject: one\r\n\r\n..a line starting with a dot\r\n.\r\n\
             MAIL FROM:<dataprivacy@example.org>\r\nRCPT TO:<nobody@families.example>\r\nDATA\r\n"
        );
    }

    #[tokio::test]
    async fn without_pipelining_commands_wait_for_their_replies() {
        let (port, peer) = scripted_peer(vec![
            ("\r\n", "250-scripted\r\n250 8BITMIME\r\n"),
            ("MAIL FROM:<dataprivacy@example.org>\r\n", "250 ok\r\n"),
            ("RCPT TO:<one@families.example>\r\n", "250 ok\r\n"),
            ("DATA\r\n", "354 go ahead\r\n"),
            ("\r\n.\r\n", "451 4.3.0 try later\r\n"),
            ("QUIT\r\n", "221 bye\r\n"),
        ])
        .await;
        let mut session = Session::connect(&endpoint(port)).await.unwrap();
        let refused = session
            .send(
                &envelope("one@families.example"),
                b"Subject: one\r\n\r\nhello",
            )
            .await
            .unwrap_err();
        assert!(!refused.is_permanent(), "451 is worth retrying");
        session.quit().await;
        let received = peer.await.unwrap();
        assert_eq!(received[1], "MAIL FROM:<dataprivacy@example.org>\r\n");
        assert_eq!(received[2], "RCPT TO:<one@families.example>\r\n");
        assert_eq!(received[3], "DATA\r\n");
        assert_eq!(received[4], "Subject: one\r\n\r\nhello\r\n.\r\n");
    }
}
