//! Prometheus metrics (the `metrics` crate and its Prometheus exporter).
//! Counters and histograms are recorded where things happen; gauges of
//! stored state (obligations by status, queue depth) are read from the
//! database when `/metrics` is scraped, so several instances report the
//! same truth. Every name starts with `breachd_`.

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide recorder (installed once; tests boot several daemons
/// in one process).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let seconds = [
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
        ];
        let handle = PrometheusBuilder::new()
            .set_buckets(&seconds)
            .expect("the bucket list is not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed in this process");
        describe();
        handle
    })
}

/// The `# HELP` line of every metric (promtool asks for one).
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("breachd_incidents_filed_total", "Incidents filed");
    describe_counter!(
        "breachd_website_checks_total",
        "Fetches of website notices at their public address, by outcome (seen, missed)"
    );
    describe_counter!(
        "breachd_emails_total",
        "Email send attempts recorded, by kind, outcome and instance"
    );
    describe_counter!(
        "breachd_jobs_parked_total",
        "Jobs parked as dead after their handler kept failing, by kind"
    );
    describe_counter!(
        "breachd_email_rate_limited_total",
        "Replies from the SMTP relay saying breachd sends too fast (each pauses and slows the senders)"
    );
    describe_counter!(
        "breachd_http_requests_total",
        "HTTP requests by route pattern and status"
    );
    describe_histogram!(
        "breachd_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request duration by route pattern"
    );
    describe_histogram!(
        "breachd_job_lateness_seconds",
        Unit::Seconds,
        "How long after its due time a job started, by kind"
    );
    describe_gauge!(
        "breachd_obligations",
        "Obligations by status, from the database"
    );
    describe_gauge!("breachd_queue_due", "Scheduled jobs due now");
    describe_gauge!(
        "breachd_jobs_dead",
        "Jobs parked as dead now, waiting for an administrator to retry them"
    );
    describe_gauge!("breachd_queue_scheduled", "Scheduled jobs in all");
    describe_counter!(
        "breachd_access_total",
        "Sign-ins, failed sign-ins, sign-outs, revocations and tokens made, by event and method"
    );
    describe_counter!(
        "breachd_bounces_total",
        "Messages read from the bounce mailbox, by outcome (recorded, duplicate, not_a_failure, unmatched, not_a_dsn, oversized, unreadable)"
    );
    describe_gauge!(
        "breachd_instance_info",
        "1, labelled with this instance's name (breachd_instance)"
    );
}

/// One message read from the bounce mailbox, by what became of it.
pub fn bounce_read(outcome: &'static str) {
    metrics::counter!("breachd_bounces_total", "outcome" => outcome).increment(1);
}

pub fn incident_filed() {
    metrics::counter!("breachd_incidents_filed_total").increment(1);
}

/// One send attempt: kind is reminder, digest, family-notice or
/// delivery-failure; outcome is sent, deferred or failed.
/// Send attempts of one kind as recorded, by outcome and instance (counted
/// per commit: a fan-out records thousands a second).
pub fn emails_recorded(kind: &str, attempts: &[crate::store::Attempt]) {
    let mut counts: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
    for attempt in attempts {
        *counts
            .entry((attempt.outcome.as_str(), attempt.worker.as_str()))
            .or_default() += 1;
    }
    for ((outcome, instance), count) in counts {
        metrics::counter!("breachd_emails_total", "kind" => kind.to_owned(), "outcome" => outcome.to_owned(), "breachd_instance" => instance.to_owned())
            .increment(count);
    }
}

/// A job whose handler kept failing, parked as dead.
pub fn job_parked(kind: &str) {
    metrics::counter!("breachd_jobs_parked_total", "kind" => kind.to_owned()).increment(1);
}

/// A fetch of a website notice at its public address (`publish.verify`):
/// `seen` when the page served was the page published.
pub fn website_check(seen: bool) {
    let outcome = if seen { "seen" } else { "missed" };
    metrics::counter!("breachd_website_checks_total", "outcome" => outcome).increment(1);
}

/// The relay said breachd sends too fast (`email::quota`).
pub fn email_rate_limited() {
    metrics::counter!("breachd_email_rate_limited_total").increment(1);
}

/// How late a job started after its due time.
pub fn job_lateness(kind: &str, seconds: f64) {
    metrics::histogram!("breachd_job_lateness_seconds", "kind" => kind.to_owned())
        .record(seconds.max(0.0));
}

pub fn http_request(route: &str, status: u16, seconds: f64) {
    metrics::counter!("breachd_http_requests_total", "route" => route.to_owned(), "status" => status.to_string()).increment(1);
    metrics::histogram!("breachd_http_request_duration_seconds", "route" => route.to_owned())
        .record(seconds);
}

/// One access event: `event` is signed_in, sign_in_failed, signed_out,
/// session_revoked, token_created or token_revoked; `method` is `token` or
/// an OpenID provider's id.
pub fn access(event: &str, method: &str) {
    access_many(event, method, 1);
}

/// `access`, for several events at once (every session of a person ended).
pub fn access_many(event: &str, method: &str, count: u64) {
    metrics::counter!("breachd_access_total", "event" => event.to_owned(), "method" => method.to_owned())
        .increment(count);
}
