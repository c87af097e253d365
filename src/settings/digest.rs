//! `[digest]`: when the status digest goes out, in the district's zone, and
//! to which contact roles.

use super::contacts::{known_roles, Contacts};
use super::raw::RawDigest;
use super::Problems;
use crate::scheduler::cron::LocalSchedule;
use chrono_tz::Tz;

pub(crate) struct Digest {
    /// `None` when `digest.cron` is empty.
    pub(crate) schedule: Option<LocalSchedule>,
    pub(crate) recipients: Vec<String>,
}

/// `timezone` is `None` when `district.timezone` is wrong (already a
/// problem): the schedule cannot be built, the recipients are still checked.
pub(crate) fn parse(
    raw: RawDigest,
    timezone: Option<Tz>,
    contacts: &Contacts,
    problems: &mut Problems,
) -> Digest {
    let recipients = known_roles(
        "digest.recipients",
        raw.recipients.into_vec(),
        contacts,
        problems,
    );
    let schedule = match (raw.cron.trim(), timezone) {
        ("", _) | (_, None) => None,
        (expression, Some(zone)) => {
            if expression.split_whitespace().count() < 6 {
                problems.push(
                    "digest.cron",
                    "needs six or seven fields, seconds first (e.g. \"0 0 7 * * Mon-Fri\")".into(),
                );
                None
            } else {
                problems.parse("digest.cron", LocalSchedule::parse(expression, zone))
            }
        }
    };
    Digest {
        schedule,
        recipients,
    }
}
