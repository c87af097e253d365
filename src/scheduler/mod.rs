//! Durable scheduling: the job queue's planning rules, the escalation of
//! reminders, local-time cron digests, and the loop that runs due jobs.

pub mod backoff;
pub mod cron;
pub mod escalation;
pub mod planning;
pub mod runner;
pub mod worker;

pub use runner::{Scheduler, Wake};
pub use worker::Worker;
