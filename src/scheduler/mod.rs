//! Durable scheduling: the job queue's planning rules, the escalation of
//! reminders, local-time cron digests, and the loop that runs due jobs.

pub mod backoff;
pub mod bounces;
pub mod completions;
pub mod cron;
pub mod escalation;
pub mod jobs;
pub mod planning;
pub mod runner;
pub mod worker;

pub use crate::wake::Wake;
pub use runner::Scheduler;
pub use worker::Worker;
