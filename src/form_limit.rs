//! The public privacy-request form is limited per client address: a burst
//! of submissions, then one more per refill period; past that the answer is
//! 429 with `Retry-After` and nothing is stored or sent. Every submission
//! counts, good or not, since each may send a receipt.
//!
//! Memory stays bounded: IPv6 clients count by their /64 (one household or
//! host), and past `MAX_KEYS` addresses the ones whose allowance has refilled
//! are forgotten; if a flood from more networks than that remains, the map
//! is cleared, which lets those networks start again, a smaller harm than
//! unbounded memory (a per-address limit does not stop so wide a flood
//! anyway). Behind a reverse proxy every request comes from the proxy, so
//! the limit is then shared by everyone behind it.

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// The most addresses remembered at once.
const MAX_KEYS: usize = 10_000;

type Limiter = RateLimiter<IpAddr, governor::state::keyed::HashMapStateStore<IpAddr>, DefaultClock>;

pub struct FormLimit {
    quota: Quota,
    /// Replaced whole when a flood overflows it (governor has no clear).
    limiter: std::sync::RwLock<Limiter>,
}

impl FormLimit {
    pub fn new(burst: u32, refill: Duration) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).expect("the burst is at least one");
        let quota = Quota::with_period(refill.max(Duration::from_millis(1)))
            .expect("the refill period is not zero")
            .allow_burst(burst);
        Self {
            quota,
            limiter: std::sync::RwLock::new(RateLimiter::hashmap(quota)),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Limiter> {
        // A panic while holding the lock leaves the limiter itself sound.
        self.limiter
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a submission from `address`; `Err` with how long to wait once
    /// it has sent too many.
    pub fn submitted(&self, address: IpAddr) -> Result<(), Duration> {
        if self.read().len() >= MAX_KEYS {
            self.read().retain_recent();
            if self.read().len() >= MAX_KEYS {
                let mut limiter = self
                    .limiter
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                *limiter = RateLimiter::hashmap(self.quota);
            }
        }
        self.read()
            .check_key(&key(address))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.read().len()
    }
}

/// An IPv6 client by its /64; an IPv4 one (or one mapped into IPv6) whole.
fn key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_address() {
        let limit = FormLimit::new(3, Duration::from_secs(600));
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(limit.submitted(one).is_ok());
        }
        let wait = limit.submitted(one).unwrap_err();
        assert!(wait <= Duration::from_secs(600), "{wait:?}");
        assert!(limit.submitted("192.0.2.2".parse().unwrap()).is_ok());
    }

    #[test]
    fn an_ipv6_network_counts_as_one() {
        let limit = FormLimit::new(1, Duration::from_secs(600));
        assert!(limit.submitted("2001:db8::1".parse().unwrap()).is_ok());
        assert!(limit.submitted("2001:db8::2".parse().unwrap()).is_err());
        assert!(limit.submitted("2001:db8:0:1::1".parse().unwrap()).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_a_wide_flood() {
        let limit = FormLimit::new(1, Duration::from_secs(3600));
        for i in 0..(MAX_KEYS as u32 + 50) {
            let _ = limit.submitted(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        }
        assert!(limit.remembered() <= MAX_KEYS, "{}", limit.remembered());
    }
}
