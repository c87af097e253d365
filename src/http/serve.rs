//! The HTTP server's connection loop, in place of `axum::serve`, which has
//! no header-read timeout and no cap on connections: 1,100 idle TCP
//! connections were enough to make `/livez` time out.
//!
//! - **Header-read timeout** (`server.header_read_timeout`): hyper closes a
//!   connection whose request line and headers have not all arrived within
//!   it. Its clock starts whenever the connection waits for a request, so it
//!   is also the idle keep-alive timeout, and a client trickling headers a
//!   byte at a time is cut off after it too.
//! - **Connection cap** (`server.max_connections`, lowered to what the
//!   open-file limit leaves room for): at the cap, the oldest idle
//!   connection (no request in progress) is shut down to make room for the
//!   newcomer; with none idle, the newcomer is closed at once. A flood of
//!   idle connections therefore costs the flood its oldest connections, not
//!   the health probes. Memory is bounded by the cap: a connection holds
//!   hyper's buffers (a few KiB) and a task.
//! - **Shutdown**: the listener stops accepting, every connection is shut
//!   down gracefully (an idle one at once, one with a request once its
//!   answer is written), and `serve` returns when all are closed.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Descriptors kept free for everything but client connections: the
/// database pool, SMTP connections, the roster's scratch files, logs.
const RESERVED_DESCRIPTORS: u64 = 256;

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// `max_connections` lowered, with a warning, to what the process's
    /// open-file limit leaves room for: beyond it `accept` would fail and
    /// nobody, the health probes included, would be served.
    pub fn fitted_to_descriptors(self) -> Self {
        let Some(open_files) = open_file_limit() else {
            return self;
        };
        let room = usize::try_from(open_files.saturating_sub(RESERVED_DESCRIPTORS).max(8))
            .unwrap_or(usize::MAX);
        if self.max_connections <= room {
            return self;
        }
        tracing::warn!(
            configured = self.max_connections,
            open_file_limit = open_files,
            serving = room,
            "server.max_connections is more than the open-file limit leaves room for; \
             serving fewer (raise LimitNOFILE or lower server.max_connections)"
        );
        Self {
            max_connections: room,
            ..self
        }
    }
}

/// The soft limit on open files, None when unlimited or unknown.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes only into the struct it is given.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        if read == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            return Some(limit.rlim_cur);
        }
        None
    }
    #[cfg(not(unix))]
    None
}

/// A connection being served: whether a request is in progress, and how to
/// shut it down.
struct Connection {
    requests: Arc<AtomicUsize>,
    shut: CancellationToken,
}

/// The connections being served, oldest first (ids grow).
#[derive(Default)]
struct Connections {
    open: Mutex<BTreeMap<u64, Connection>>,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Connection>> {
        self.open
            .lock()
            .expect("the connection table is never poisoned: its users do not panic")
    }

    /// Makes room for one more under `cap`: true when there is room (after
    /// shutting down the oldest idle connection if needed).
    fn make_room(&self, cap: usize) -> bool {
        let mut open = self.lock();
        if open.len() < cap {
            return true;
        }
        let idle = open
            .iter()
            .find(|(_, connection)| connection.requests.load(Ordering::Acquire) == 0)
            .map(|(id, _)| *id);
        match idle.and_then(|id| open.remove(&id)) {
            Some(connection) => {
                // Out of the table at once, so that the next newcomer does
                // not pick it again; its task closes it.
                connection.shut.cancel();
                true
            }
            None => false,
        }
    }

    fn insert(&self, id: u64, connection: Connection) {
        self.lock().insert(id, connection);
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }
}

/// Serves `router` on `listener` until `shutdown` fires and every
/// connection has closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let connections = Arc::new(Connections::default());
    // Every connection task holds a clone; `closed` resolves when all are gone.
    let (alive, mut closed) = tokio::sync::mpsc::channel::<()>(1);
    let mut next_id: u64 = 0;
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors, or the peer gave up before we took
                // it: free what can be freed and try again shortly.
                tracing::warn!(error = %error, "accepting a connection failed");
                connections.make_room(0);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if !connections.make_room(limits.max_connections) {
            // Every connection has a request in progress: refusing this
            // one is cheaper than queueing it behind them.
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let requests = Arc::new(AtomicUsize::new(0));
        let shut = shutdown.child_token();
        connections.insert(
            id,
            Connection {
                requests: Arc::clone(&requests),
                shut: shut.clone(),
            },
        );
        let router = router.clone();
        let connections = Arc::clone(&connections);
        let alive = alive.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, router, requests, shut, limits).await;
            connections.remove(id);
            drop(alive);
        });
    }
    drop(listener);
    drop(alive);
    // Each connection's token is a child of `shutdown`: all are shutting
    // down gracefully now.
    let _ = closed.recv().await;
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    requests: Arc<AtomicUsize>,
    shut: CancellationToken,
    limits: Limits,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let router = router.clone();
        let in_progress = InProgress::start(Arc::clone(&requests));
        let mut request = request.map(Body::new);
        // What `into_make_service_with_connect_info` gave the handlers.
        request.extensions_mut().insert(ConnectInfo(peer));
        async move {
            let response: Result<axum::response::Response, Infallible> =
                router.oneshot(request).await;
            drop(in_progress);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(error = %error, "connection ended with an error");
            }
            return;
        }
        () = shut.cancelled() => connection.as_mut().graceful_shutdown(),
    }
    if let Err(error) = connection.await {
        tracing::debug!(error = %error, "connection ended with an error");
    }
}

/// A request in progress on its connection, counted until dropped (also
/// when the request is abandoned), so that a busy connection is not taken
/// for an idle one.
struct InProgress(Arc<AtomicUsize>);

impl InProgress {
    fn start(requests: Arc<AtomicUsize>) -> Self {
        requests.fetch_add(1, Ordering::AcqRel);
        Self(requests)
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(requests: usize) -> (Connection, CancellationToken) {
        let shut = CancellationToken::new();
        (
            Connection {
                requests: Arc::new(AtomicUsize::new(requests)),
                shut: shut.clone(),
            },
            shut,
        )
    }

    #[test]
    fn at_the_cap_the_oldest_idle_connection_makes_room() {
        let table = Connections::default();
        let (busy, busy_shut) = connection(1);
        let (old_idle, old_shut) = connection(0);
        let (new_idle, new_shut) = connection(0);
        table.insert(1, busy);
        table.insert(2, old_idle);
        table.insert(3, new_idle);
        assert!(table.make_room(4), "below the cap");
        assert!(table.make_room(3));
        assert!(old_shut.is_cancelled());
        assert!(!busy_shut.is_cancelled() && !new_shut.is_cancelled());
        assert!(table.make_room(2));
        assert!(new_shut.is_cancelled());
        // Only the busy one is left: no room.
        assert!(!table.make_room(1));
        assert!(!busy_shut.is_cancelled());
    }
}
