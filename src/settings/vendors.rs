//! `[vendors]`: how long before an agreement expires the privacy officer
//! is reminded of it.

use super::raw::RawVendors;
use super::Problems;

/// The lead time in calendar days (agreement dates are calendar dates);
/// `None` when `vendors.expiry_reminder` is empty (no reminders).
pub(crate) fn parse(raw: RawVendors, problems: &mut Problems) -> Option<u32> {
    let text = raw.expiry_reminder.trim();
    if text.is_empty() {
        return None;
    }
    let days = text
        .strip_suffix('d')
        .and_then(|number| number.parse::<u32>().ok())
        .filter(|days| (1..=366).contains(days));
    if days.is_none() {
        problems.push(
            "vendors.expiry_reminder",
            format!("{text:?} is not a number of days from 1 to 366 such as \"30d\", or empty for no reminders"),
        );
    }
    days
}
