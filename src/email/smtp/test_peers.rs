//! Peers on loopback for the session's unit tests: one that follows a
//! script, one that stalls.

use super::endpoint::{Endpoint, Timeouts};
use lettre::address::Envelope;
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A peer on loopback that follows a script: it reads until it has
/// seen `until`, then writes the reply. It answers nothing before a
/// whole group is in, so a client that waited for replies between
/// pipelined commands would hang here.
pub(super) async fn scripted_peer(
    script: Vec<(&'static str, &'static str)>,
) -> (u16, tokio::task::JoinHandle<Vec<String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.write_all(b"220 scripted ESMTP\r\n").await.unwrap();
        let mut received = Vec::new();
        let mut pending = Vec::new();
        for (until, reply) in script {
            while !String::from_utf8_lossy(&pending).contains(until) {
                let mut buffer = [0u8; 4096];
                let n = socket.read(&mut buffer).await.unwrap();
                assert!(
                    n > 0,
                    "the client hung up while the peer waited for {until:?}"
                );
                pending.extend_from_slice(&buffer[..n]);
            }
            received.push(String::from_utf8(std::mem::take(&mut pending)).unwrap());
            socket.write_all(reply.as_bytes()).await.unwrap();
        }
        received
    });
    (port, peer)
}

pub(super) fn endpoint(port: u16) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port,
        starttls: None,
        credentials: None,
        hello: ClientId::Domain("breachd.test".into()),
        timeouts: Timeouts::all(Duration::from_secs(5)),
    }
}

pub(super) fn envelope(to: &str) -> Envelope {
    Envelope::new(
        Some("dataprivacy@example.org".parse().unwrap()),
        vec![to.parse().unwrap()],
    )
    .unwrap()
}

/// A peer that answers like a server until a point, then never again
/// (and keeps the connection open): before its greeting, or after a
/// message's closing dot.
pub(super) async fn stalling_peer(greets: bool) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        if greets {
            socket.write_all(b"220 stalling ESMTP\r\n").await.unwrap();
            let mut seen = String::new();
            let mut in_data = false;
            loop {
                let mut buffer = [0u8; 4096];
                let n = socket.read(&mut buffer).await.unwrap();
                if n == 0 {
                    return;
                }
                seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
                if in_data {
                    if seen.contains("\r\n.\r\n") {
                        break;
                    }
                    continue;
                }
                while let Some(end) = seen.find("\r\n") {
                    let line: String = seen.drain(..end + 2).collect();
                    let reply: &[u8] = if line.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else {
                        b"250 ok\r\n"
                    };
                    socket.write_all(reply).await.unwrap();
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(socket);
    });
    port
}

pub(super) fn short(greeting: Duration, data: Duration) -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        greeting,
        reply: Duration::from_secs(5),
        data,
    }
}
