//! The bounce mailbox over IMAP (async-imap): log in, select the mailbox,
//! list the unseen messages with their sizes, fetch one without marking it
//! read (`BODY.PEEK[]`), and mark it processed: `\Seen` with the keyword
//! `$BreachdBounce` (a bounce recorded) or `$BreachdIgnored` (anything
//! else). A message breachd could not record (the database away) is left
//! unseen and read again at the next poll.
//!
//! Every step has a deadline: a server that stops answering ends the poll,
//! not the daemon.

use crate::settings::{BounceSettings, ImapSecurity};
use async_imap::Session;
use futures_util::TryStreamExt;
use std::fmt;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Each IMAP command's deadline (a fetch of a message within the size cap
/// included).
const STEP: Duration = Duration::from_secs(30);

/// What the session runs over: plain TCP or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

pub struct Mailbox {
    session: Session<Box<dyn Io>>,
}

/// How a processed message is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A bounce breachd recorded.
    Bounce,
    /// Not a bounce, a bounce naming no message of breachd's, or one over
    /// the size cap.
    Ignored,
}

impl Mark {
    fn flags(self) -> &'static str {
        match self {
            Mark::Bounce => "+FLAGS (\\Seen $BreachdBounce)",
            Mark::Ignored => "+FLAGS (\\Seen $BreachdIgnored)",
        }
    }
}

/// An IMAP failure, in words with no message content and no password.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailboxError(String);

async fn step<T, E: fmt::Display>(
    what: &str,
    future: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, MailboxError> {
    match tokio::time::timeout(STEP, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(MailboxError(format!("{what}: {error}"))),
        Err(_) => Err(MailboxError(format!(
            "{what}: no answer within {}s",
            STEP.as_secs()
        ))),
    }
}

impl Mailbox {
    /// Connects, logs in and selects the configured mailbox.
    pub async fn open(settings: &BounceSettings) -> Result<Self, MailboxError> {
        let address = (settings.host.as_str(), settings.port);
        let tcp = step("connecting to the IMAP server", TcpStream::connect(address)).await?;
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = match settings.security {
            ImapSecurity::Plain => Box::new(tcp),
            ImapSecurity::Tls => {
                let config = crate::email::smtp::tls_config()
                    .map_err(|error| MailboxError(format!("TLS cannot be set up: {error}")))?;
                let name =
                    tokio_rustls::rustls::pki_types::ServerName::try_from(settings.host.clone())
                        .map_err(|_| {
                            MailboxError(format!("{} is not a name TLS can verify", settings.host))
                        })?;
                let connector = tokio_rustls::TlsConnector::from(config);
                Box::new(step("the TLS handshake", connector.connect(name, tcp)).await?)
            }
        };
        let mut client = async_imap::Client::new(io);
        match step("reading the IMAP greeting", async {
            client
                .read_response()
                .await
                .map_err(|error| error.to_string())
        })
        .await?
        {
            Some(_) => {}
            None => return Err(MailboxError("the IMAP server closed at once".into())),
        }
        let session = step("logging in", async {
            client
                .login(&settings.user, settings.password.expose())
                .await
                .map_err(|(error, _)| error.to_string())
        })
        .await?;
        let mut mailbox = Self { session };
        step(
            &format!("selecting the mailbox {:?}", settings.mailbox),
            mailbox.session.select(&settings.mailbox),
        )
        .await?;
        Ok(mailbox)
    }

    /// The unseen messages' UIDs with their sizes, lowest UID first.
    pub async fn unseen(&mut self) -> Result<Vec<(u32, u32)>, MailboxError> {
        let uids = step(
            "searching unseen messages",
            self.session.uid_search("UNSEEN"),
        )
        .await?;
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sorted: Vec<u32> = uids.into_iter().collect();
        sorted.sort_unstable();
        let set = sorted
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetched: Vec<_> = step("reading the messages' sizes", async {
            self.session
                .uid_fetch(&set, "(UID RFC822.SIZE)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        let mut sizes: Vec<(u32, u32)> = fetched
            .iter()
            .filter_map(|fetch| Some((fetch.uid?, fetch.size.unwrap_or(u32::MAX))))
            .collect();
        sizes.sort_unstable();
        Ok(sizes)
    }

    /// The whole message, not marked read.
    pub async fn fetch(&mut self, uid: u32) -> Result<Option<Vec<u8>>, MailboxError> {
        let fetched: Vec<_> = step("fetching a message", async {
            self.session
                .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        Ok(fetched
            .iter()
            .find(|fetch| fetch.uid == Some(uid))
            .and_then(|fetch| fetch.body().map(<[u8]>::to_vec)))
    }

    pub async fn mark(&mut self, uid: u32, mark: Mark) -> Result<(), MailboxError> {
        step("marking a message processed", async {
            self.session
                .uid_store(uid.to_string(), mark.flags())
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        Ok(())
    }

    pub async fn logout(mut self) {
        let _ = step("logging out", self.session.logout()).await;
    }
}
