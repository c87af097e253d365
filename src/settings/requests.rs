//! `[requests]`: the public privacy-request form's limit per client
//! address (a burst, then one more per `form_refill`).

use super::raw::RawRequests;
use super::Problems;
use crate::duration::parse_std_duration;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSettings {
    /// `requests.form_burst`: submissions one address may make at once.
    pub form_burst: u32,
    /// `requests.form_refill`: one more submission allowed per this long.
    pub form_refill: Duration,
}

pub(crate) fn parse(raw: RawRequests, problems: &mut Problems) -> Option<RequestSettings> {
    let form_burst = u32::try_from(raw.form_burst)
        .ok()
        .filter(|burst| (1..=10_000).contains(burst));
    if form_burst.is_none() {
        problems.push("requests.form_burst", "must be between 1 and 10000".into());
    }
    let form_refill = problems.parse(
        "requests.form_refill",
        parse_std_duration(&raw.form_refill).and_then(|refill| {
            if refill.is_zero() {
                Err("must be more than 0s: a refill of nothing would not limit anything".into())
            } else {
                Ok(refill)
            }
        }),
    );
    Some(RequestSettings {
        form_burst: form_burst?,
        form_refill: form_refill?,
    })
}
