//! The fan-out rate of one instance against two on one PostgreSQL database
//! (issue 12, item 20: a measurement, so a benchmark rather than an ignored
//! test). Two real `breachd serve` processes (the build's binary, as in the
//! multi-instance tests), a 5,000-guardian family notice sent to the
//! Python test SMTP server (aiosmtpd); timed from the approval to the last
//! message the SMTP server accepted; each figure on a fresh database.
//!
//! Run (needs `TEST_DATABASE_URL`, e.g. postgres://root@127.0.0.1:5432/test,
//! and /usr/bin/python3 with aiosmtpd):
//!
//!     cargo bench --bench multi_instance
//!
//! `MULTI_GUARDIANS` changes the roster's size (default 5000).

#[path = "../../tests/common/mod.rs"]
mod common;

use common::fan_out::FanOut;
use common::instances::{start_instance, READY_WITHIN, TOKEN};
use common::postgres::PgTestDb;
use common::smtp::SmtpServer;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    if std::env::var_os("TEST_DATABASE_URL").is_none() {
        eprintln!("multi_instance: TEST_DATABASE_URL is not set; nothing measured");
        std::process::exit(2);
    }
    let guardians: usize = std::env::var("MULTI_GUARDIANS")
        .ok()
        .map(|n| n.parse().expect("MULTI_GUARDIANS is a number"))
        .unwrap_or(5000);
    let mut rates = Vec::new();
    for instances in [1usize, 2] {
        let rate = Arc::new(Mutex::new(0f64));
        let measured = Arc::clone(&rate);
        PgTestDb::run(&format!("bench_fan_out_rate_{instances}"), move |url| async move {
            let smtp = SmtpServer::start();
            let dir = tempfile::tempdir().expect("a temporary folder");
            let fan_out = FanOut::new(TOKEN, guardians);
            let mut daemons = Vec::new();
            for n in 0..instances {
                let daemon = start_instance(dir.path(), &format!("instance-{n}"), &url, &smtp);
                daemon.wait_ready(READY_WITHIN).await;
                daemons.push(daemon);
            }
            // File and import (not timed), then time from the approval.
            let id = fan_out.file_and_import(&daemons[0]).await;
            let started = Instant::now();
            fan_out.approve(&daemons[0], &id).await;
            let counts = fan_out
                .wait_all_delivered(&smtp, Duration::from_secs(600))
                .await;
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(counts.len(), guardians, "every guardian got the notice");
            *measured.lock().expect("the rate's lock is never poisoned") = guardians as f64 / seconds;
            println!(
                "{instances} instance(s): {guardians} family notices in {seconds:.1} s = {:.0} messages/s",
                guardians as f64 / seconds
            );
            drop(daemons);
        })
        .await;
        let value = *rate.lock().expect("the rate's lock is never poisoned");
        rates.push(value);
    }
    if rates.iter().all(|r| *r > 0.0) {
        println!("two instances / one: {:.2}x", rates[1] / rates[0]);
    }
}
