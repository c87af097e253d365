//! The bytes of an SMTP session: the socket before and after STARTTLS, the
//! TLS client configuration, where a reply ends, a pipelined transaction's
//! commands, and dot-stuffing of a message's content.

use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;

/// The socket, before and after STARTTLS.
pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Only while the handshake runs (or after it failed).
    Upgrading,
}

impl Stream {
    pub(super) async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Plain(socket) => socket.write_all(bytes).await,
            Stream::Tls(tls) => {
                tls.write_all(bytes).await?;
                tls.flush().await
            }
            Stream::Upgrading => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }

    pub(super) async fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(socket) => socket.read(buffer).await,
            Stream::Tls(tls) => tls.read(buffer).await,
            Stream::Upgrading => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }

    pub(super) async fn shutdown(&mut self) {
        let _ = match self {
            Stream::Plain(socket) => socket.shutdown().await,
            Stream::Tls(tls) => tls.shutdown().await,
            Stream::Upgrading => Ok(()),
        };
    }
}

/// The TLS client configuration: ring, the webpki roots, TLS 1.2 and 1.3.
pub(crate) fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|builder| Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|error| error.to_string())
        })
        .clone()
}

/// Where the first complete reply in `bytes` ends: after the line whose
/// code is followed by a space (or nothing), RFC 5321 § 4.2.1.
pub(super) fn reply_end(bytes: &[u8]) -> Option<usize> {
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&b| b == b'\n') {
        let line = &bytes[start..start + offset];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        start += offset + 1;
        if line.len() <= 3 || line[3] == b' ' {
            return Some(start);
        }
    }
    None
}

/// Appends MAIL, RCPT (each recipient) and DATA to `out`; returns how many
/// replies they will get.
pub(super) fn push_transaction(
    out: &mut Vec<u8>,
    mail: Mail,
    recipients: impl Iterator<Item = Rcpt>,
) -> usize {
    use std::io::Write as _;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{mail}");
    let mut expected = 2;
    for rcpt in recipients {
        let _ = write!(out, "{rcpt}");
        expected += 1;
    }
    let _ = write!(out, "{Data}");
    expected
}

/// RFC 5321 § 4.5.2: a line of the content that starts with a dot gets
/// another one.
pub(super) fn dot_stuff(message: &[u8], out: &mut Vec<u8>) {
    out.reserve(message.len() + 16);
    let mut rest = message;
    if rest.first() == Some(&b'.') {
        out.push(b'.');
    }
    // Copies whole runs up to each "\n." (rare in a notice).
    while let Some(at) = rest.windows(2).position(|pair| pair == b"\n.") {
        out.extend_from_slice(&rest[..=at]);
        out.push(b'.');
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_ends_at_its_last_line() {
        assert_eq!(reply_end(b"250 ok\r\n"), Some(8));
        assert_eq!(reply_end(b"250-first\r\n250 last\r\n354 go"), Some(21));
        assert_eq!(reply_end(b"250-first\r\n250-more"), None);
        assert_eq!(reply_end(b"250\r\n"), Some(5));
        assert_eq!(reply_end(b""), None);
    }

    #[test]
    fn lines_starting_with_a_dot_are_stuffed() {
        let mut out = Vec::new();
        dot_stuff(b".first\r\nmiddle.\r\n..two\r\n.", &mut out);
        assert_eq!(out, b"..first\r\nmiddle.\r\n...two\r\n..");
        out.clear();
        dot_stuff(b"no dots at all\r\n", &mut out);
        assert_eq!(out, b"no dots at all\r\n");
    }
}
