//! Checking that the public sees the website notice (`publish.verify`):
//! fetch the notice page at its public address, compare the SHA-256 of what
//! is served with the page breachd published, keep the fetch as evidence,
//! and complete the website-posting duty only once they match. A miss is
//! tried again by rescheduling this job with backoff (a durable job, so a
//! restart or another instance carries on), never by sleeping in place.

use crate::rules::OwnWork;
use crate::scheduler::backoff::Backoff;
use crate::scheduler::Worker;
use crate::site::{sha256_hex, PublicNotice, MAX_FILE_BYTES};
use crate::store::{Job, JobState, WebsiteCheckRecord};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use uuid::Uuid;

/// A fetch that takes longer than this is a miss: well inside a job's
/// lease, so that a slow site never lets another instance take the job.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// What one fetch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetched {
    pub(crate) status: Option<u16>,
    pub(crate) sha256: Option<String>,
    /// Why the page is not the one published, in plain words.
    pub(crate) problem: Option<String>,
}

pub async fn run(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let (Some(incident_id), Some(url), Some(expected)) = (
        job.incident_id,
        job.payload.get("url").and_then(|v| v.as_str()),
        job.payload.get("sha256").and_then(|v| v.as_str()),
    ) else {
        return worker
            .finish(
                &job,
                JobState::Failed,
                Some("a website check without its page"),
            )
            .await;
    };
    let store = &worker.store;
    // Published again since: the check planned for the newer page owns it.
    let name = format!("{}.html", PublicNotice::slug_for(incident_id));
    let current = store.site_file(&name).await?;
    if current.as_ref().map(|file| file.sha256.as_str()) != Some(expected) {
        return worker.finish(&job, JobState::Cancelled, None).await;
    }
    // Settled by hand (or the incident closed): nothing waits on the check.
    let waiting = store
        .incident_obligations(incident_id)
        .await?
        .iter()
        .any(|obligation| {
            worker
                .settings
                .engine
                .is_own_work(&obligation.kind, OwnWork::WebsitePosting)
                && !obligation.status(now).is_settled()
        });
    if !waiting {
        return worker.finish(&job, JobState::Cancelled, None).await;
    }

    let fetched = fetch(url, expected).await;
    let matched = fetched.problem.is_none();
    let backoff = Backoff {
        base: chrono::Duration::from_std(worker.settings.publish_verify_retry)
            .unwrap_or(chrono::Duration::minutes(1)),
        max: chrono::Duration::hours(1),
        max_attempts: u32::MAX,
    };
    let attempt = u32::try_from(job.attempts.max(1)).unwrap_or(u32::MAX);
    let next_at = (!matched).then(|| now + backoff.delay(attempt));
    let check = WebsiteCheckRecord {
        id: Uuid::now_v7(),
        incident_id,
        checked_at: now,
        url: url.to_owned(),
        http_status: fetched.status.map(i64::from),
        body_sha256: fetched.sha256.clone(),
        expected_sha256: expected.to_owned(),
        matched,
        error: fetched.problem.clone(),
        next_at,
        instance: worker.id().to_owned(),
    };
    store.record_website_check(&check).await?;
    crate::metrics::website_check(matched);

    let Some(next_at) = next_at else {
        let status = fetched.status.unwrap_or(200);
        let note = format!(
            "website notice seen at {url} (HTTP {status}, the page as published: SHA-256 {expected})"
        );
        super::complete_own_work(
            store.as_ref(),
            &worker.settings.engine,
            incident_id,
            OwnWork::WebsitePosting,
            note,
            now,
            now,
        )
        .await?;
        tracing::info!(%incident_id, "website notice seen at its public address");
        return worker.finish(&job, JobState::Done, None).await;
    };
    tracing::warn!(
        %incident_id,
        status = fetched.status,
        problem = fetched.problem.as_deref().unwrap_or_default(),
        "website notice not yet seen at its public address; checking again later"
    );
    store
        .reschedule_job(
            job.id,
            worker.id(),
            next_at,
            fetched.problem.as_deref(),
            now,
        )
        .await?;
    Ok(())
}

/// The one client every check uses: rustls for `https`, a timeout, and no
/// cookies. Built once, since a client holds a connection pool.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!(
                "breachd/",
                env!("CARGO_PKG_VERSION"),
                " website check"
            ))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("a reqwest client with rustls and a timeout builds: no system TLS to load")
    })
}

/// Fetches `url` and says whether it serves the page whose SHA-256 is
/// `expected`; a body larger than any page the site keeps is a miss
/// without reading it whole.
pub(crate) async fn fetch(url: &str, expected: &str) -> Fetched {
    let mut response = match client().get(url).send().await {
        Ok(response) => response,
        Err(error) => {
            return Fetched {
                status: None,
                sha256: None,
                problem: Some(unreachable_reason(&error)),
            }
        }
    };
    let status = response.status();
    let mut body: Vec<u8> = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_FILE_BYTES {
                    return Fetched {
                        status: Some(status.as_u16()),
                        sha256: None,
                        problem: Some(
                            "the page served is larger than any page breachd publishes".into(),
                        ),
                    };
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(error) => {
                return Fetched {
                    status: Some(status.as_u16()),
                    sha256: None,
                    problem: Some(format!(
                        "the page stopped arriving part way: {}",
                        unreachable_reason(&error)
                    )),
                }
            }
        }
    }
    let sha256 = sha256_hex(&body);
    let problem = if !status.is_success() {
        Some(match status.canonical_reason() {
            Some(reason) => format!(
                "the web server answered HTTP {} ({reason})",
                status.as_u16()
            ),
            None => format!("the web server answered HTTP {}", status.as_u16()),
        })
    } else if sha256 != expected {
        Some(
            "the page served is not the notice breachd published (an older copy, or another page)"
                .into(),
        )
    } else {
        None
    };
    Fetched {
        status: Some(status.as_u16()),
        sha256: Some(sha256),
        problem,
    }
}

/// Why nothing answered, in plain words, from the innermost cause that
/// says (an I/O error's kind, a timeout, a name that does not resolve).
fn unreachable_reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return format!("no answer within {} seconds", FETCH_TIMEOUT.as_secs());
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
                std::io::ErrorKind::ConnectionReset => "the connection was reset".into(),
                std::io::ErrorKind::TimedOut => "the connection timed out".into(),
                std::io::ErrorKind::NotFound => "the host name could not be found".into(),
                _ => format!("could not connect ({io})"),
            };
        }
        let text = cause.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return "the host name could not be found".into();
        }
        if text.contains("certificate") {
            return "the site's certificate was not accepted".into();
        }
        source = cause.source();
    }
    if error.is_redirect() {
        return "too many redirects".into();
    }
    if error.is_connect() {
        return "could not connect".into();
    }
    "the request failed".into()
}
