//! `[scheduler]`: job leases, claim batches and this instance's name.

use super::raw::RawScheduler;
use super::{Problems, SchedulerSettings};
use crate::duration::parse_std_duration;

pub(crate) fn parse(raw: RawScheduler, problems: &mut Problems) -> Option<SchedulerSettings> {
    let lease = problems.parse("scheduler.lease", parse_std_duration(&raw.lease));
    if !(1..=10_000).contains(&raw.batch) {
        problems.push("scheduler.batch", "must be between 1 and 10000".into());
    }
    if !(1..=1_000).contains(&raw.max_attempts) {
        problems.push(
            "scheduler.max_attempts",
            "must be between 1 and 1000".into(),
        );
    }
    // Two instances must never share a name: it tells their leases apart.
    let instance_id = match raw.instance_id.trim() {
        "" => format!(
            "{}-{}",
            std::env::var("HOSTNAME")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "breachd".into()),
            std::process::id()
        ),
        id => id.to_owned(),
    };
    Some(SchedulerSettings {
        lease: lease?,
        batch: raw.batch,
        instance_id,
        max_attempts: raw.max_attempts,
    })
}
