//! Guessing is slowed down: each address may fail to authenticate (a wrong
//! token to the API or the sign-in page, an identity provider's answer that
//! does not check out) a few times in a burst, then about once every six
//! seconds; past that the answer is 429 with `Retry-After`, whatever was
//! presented. Only failures count, so a district's own scripts are never
//! slowed.
//!
//! Behind a reverse proxy every request comes from the proxy's address, so
//! the limit is then shared by everyone behind it: still a bound on guessing.

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Failures allowed at once from one address, by default
/// (`auth.failed_sign_ins_burst`).
#[cfg(test)]
const BURST: u32 = 10;
/// One more failure allowed per this long.
const REFILL: Duration = Duration::from_secs(6);

pub struct FailedSignIns {
    limiter: RateLimiter<IpAddr, governor::state::keyed::HashMapStateStore<IpAddr>, DefaultClock>,
}

impl FailedSignIns {
    pub fn new(burst: u32) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).expect("the burst is at least one");
        let quota = Quota::with_period(REFILL)
            .expect("the refill period is not zero")
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::hashmap(quota),
        }
    }

    /// Records a failure from `address`; `Err` with how long to wait once
    /// it has failed too often.
    pub fn failed(&self, address: IpAddr) -> Result<(), Duration> {
        // Addresses that have not failed lately are forgotten, so the map
        // stays the size of the current guessing.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_address() {
        let failures = FailedSignIns::new(BURST);
        let guesser: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..BURST {
            assert!(failures.failed(guesser).is_ok());
        }
        let wait = failures.failed(guesser).unwrap_err();
        assert!(wait <= REFILL, "{wait:?}");
        assert!(
            failures.failed(other).is_ok(),
            "another address is not slowed"
        );
    }
}
