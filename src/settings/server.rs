//! `[server]`: where the HTTP API listens and how long a request may take.

use super::raw::RawServer;
use super::Problems;
use crate::duration::parse_std_duration;
use std::net::SocketAddr;
use std::time::Duration;

pub(crate) struct Server {
    pub(crate) listen: SocketAddr,
    pub(crate) request_timeout: Duration,
    pub(crate) public_url: Option<String>,
}

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
        public_url: public_url?,
    })
}
