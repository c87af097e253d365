//! `[server]`: where the HTTP API listens and how long a request may take.

use super::raw::RawServer;
use super::Problems;
use crate::duration::parse_std_duration;
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) struct Server {
    pub(crate) listen: SocketAddr,
    pub(crate) request_timeout: Duration,
    pub(crate) roster_timeout: Duration,
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) public_url: Option<String>,
}

/// Connections at once: at least a few (the health routes, a browser),
/// at most what a descriptor table sized in the tens of thousands allows.
const CONNECTIONS: std::ops::RangeInclusive<i64> = 8..=65_536;

pub(crate) fn parse(raw: RawServer, problems: &mut Problems) -> Option<Server> {
    let listen = problems.parse(
        "server.listen",
        raw.listen.parse::<SocketAddr>().map_err(|_| {
            format!(
                "{:?} is not an address and port such as \"127.0.0.1:8080\"",
                raw.listen
            )
        }),
    );
    let request_timeout = problems.parse(
        "server.request_timeout",
        parse_std_duration(&raw.request_timeout),
    );
    let roster_timeout = problems.parse(
        "server.roster_timeout",
        parse_std_duration(&raw.roster_timeout),
    );
    let header_read_timeout = problems.parse(
        "server.header_read_timeout",
        parse_std_duration(&raw.header_read_timeout).and_then(|duration| {
            if duration.is_zero() {
                Err("must be more than 0s: a client that never sends its request would hold its connection for good".into())
            } else {
                Ok(duration)
            }
        }),
    );
    let max_connections = problems.parse(
        "server.max_connections",
        usize::try_from(raw.max_connections)
            .ok()
            .filter(|_| CONNECTIONS.contains(&raw.max_connections))
            .ok_or_else(|| {
                format!(
                    "must be between {} and {}",
                    CONNECTIONS.start(),
                    CONNECTIONS.end()
                )
            }),
    );
    let public_url = match raw.public_url.trim() {
        "" => Some(None),
        text => match reqwest::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(Some(text.trim_end_matches('/').to_owned()))
            }
            _ => {
                problems.push(
                    "server.public_url",
                    format!("{text:?} is not an http(s) address such as \"https://breachd.district.org\""),
                );
                None
            }
        },
    };
    Some(Server {
        listen: listen?,
        request_timeout: request_timeout?,
        roster_timeout: roster_timeout?,
        header_read_timeout: header_read_timeout?,
        max_connections: max_connections?,
        public_url: public_url?,
    })
}
