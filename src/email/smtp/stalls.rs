//! When a closing dot's reply counts as stalled, and the permits for
//! connections parked while their stalled reply is still awaited.
//!
//! A timeout alone cannot keep a fan-out going past a stalling relay: with
//! a fraction p of messages stalling for T on C connections, throughput is
//! bounded by about C / (T·p), so any T long enough for a slow but honest
//! server throttles the rest. A sender therefore waits only `stall_after`
//! for the reply, then parks the connection (it goes on waiting in the
//! background up to `email.data_timeout`, so a message the server accepts
//! late is recorded as sent, never sent twice) and continues over a fresh
//! one. `auto` follows the server's own pace: a multiple of the median of
//! its recent replies to a dot, with a floor, so that a relay that scans
//! content slowly is not mistaken for a stalled one.

use crate::settings::StallAfter;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Replies to a dot the median is taken over.
const WINDOW: usize = 64;
/// The median is recomputed every this many replies (a sort of the window,
/// not one per message).
const EVERY: u64 = 8;
/// `auto`: this many times the median...
const MULTIPLE: u32 = 8;
/// ...but never less than this (loopback replies take microseconds, and a
/// parked connection costs a connection setup)...
const FLOOR: Duration = Duration::from_millis(50);
/// ...and this until `EVERY` replies are in (nothing is known yet).
const UNTIL_KNOWN: Duration = Duration::from_secs(2);

/// The stall threshold of one SMTP endpoint and its parked connections.
pub struct Stalls {
    setting: StallAfter,
    /// The longest wait for a dot (`email.data_timeout`): no threshold
    /// reaches it.
    data_limit: Duration,
    /// The current threshold in microseconds, read once per message.
    current_us: AtomicU64,
    recent: Mutex<Recent>,
    parked: Arc<Semaphore>,
    max_parked: usize,
}

/// The last `WINDOW` reply times, in microseconds.
struct Recent {
    samples: [u64; WINDOW],
    seen: u64,
}

/// A parked connection's place; dropping it frees the place.
pub struct ParkPermit {
    _place: OwnedSemaphorePermit,
}

impl Stalls {
    pub fn new(setting: StallAfter, data_limit: Duration, max_parked: usize) -> Self {
        let stalls = Self {
            setting,
            data_limit,
            current_us: AtomicU64::new(0),
            recent: Mutex::new(Recent {
                samples: [0; WINDOW],
                seen: 0,
            }),
            parked: Arc::new(Semaphore::new(max_parked)),
            max_parked,
        };
        let first = match setting {
            StallAfter::Auto => UNTIL_KNOWN,
            StallAfter::After(after) => after,
        };
        stalls.set(first);
        stalls
    }

    /// No parking, ever (the step's own limit applies).
    pub fn off(data_limit: Duration) -> Self {
        Self::new(StallAfter::Auto, data_limit, 0)
    }

    fn set(&self, after: Duration) {
        let after = after.min(self.data_limit);
        let micros = u64::try_from(after.as_micros()).unwrap_or(u64::MAX);
        self.current_us.store(micros, Ordering::Relaxed);
    }

    /// How long a dot may go unanswered before its connection is parked;
    /// None when parking is off.
    pub fn stall_after(&self) -> Option<Duration> {
        (self.max_parked > 0)
            .then(|| Duration::from_micros(self.current_us.load(Ordering::Relaxed)))
    }

    /// The server answered a dot after `took`.
    pub fn answered(&self, took: Duration) {
        if self.setting != StallAfter::Auto || self.max_parked == 0 {
            return;
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // A panic while holding the lock leaves samples still usable.
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = (recent.seen % WINDOW as u64) as usize;
        recent.samples[at] = micros;
        recent.seen += 1;
        if !recent.seen.is_multiple_of(EVERY) {
            return;
        }
        let filled = recent.seen.min(WINDOW as u64) as usize;
        let mut sorted = recent.samples;
        let window = &mut sorted[..filled];
        let (_, median, _) = window.select_nth_unstable(filled / 2);
        let median = Duration::from_micros(*median);
        drop(recent);
        self.set(median.saturating_mul(MULTIPLE).max(FLOOR));
    }

    /// A place for one more parked connection, if the cap allows.
    pub fn try_park(&self) -> Option<ParkPermit> {
        Arc::clone(&self.parked)
            .try_acquire_owned()
            .ok()
            .map(|place| ParkPermit { _place: place })
    }

    /// Connections parked right now.
    pub fn parked(&self) -> usize {
        self.max_parked - self.parked.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_median_with_a_floor_and_a_ceiling() {
        let stalls = Stalls::new(StallAfter::Auto, Duration::from_secs(20), 4);
        assert_eq!(stalls.stall_after(), Some(UNTIL_KNOWN), "nothing known yet");
        for _ in 0..EVERY {
            stalls.answered(Duration::from_micros(300));
        }
        assert_eq!(stalls.stall_after(), Some(FLOOR), "fast replies: the floor");
        // A slow relay: most replies take 100 ms, a few are far slower;
        // the median ignores those.
        for index in 0..WINDOW {
            let took = if index % 10 == 0 { 5_000 } else { 100 };
            stalls.answered(Duration::from_millis(took));
        }
        assert_eq!(stalls.stall_after(), Some(Duration::from_millis(800)));
        for _ in 0..WINDOW {
            stalls.answered(Duration::from_secs(10));
        }
        assert_eq!(
            stalls.stall_after(),
            Some(Duration::from_secs(20)),
            "never past the step's own limit"
        );
    }

    #[test]
    fn a_fixed_wait_stays_and_the_cap_holds() {
        let stalls = Stalls::new(
            StallAfter::After(Duration::from_millis(700)),
            Duration::from_secs(20),
            2,
        );
        for _ in 0..WINDOW {
            stalls.answered(Duration::from_millis(1));
        }
        assert_eq!(stalls.stall_after(), Some(Duration::from_millis(700)));
        let first = stalls.try_park().expect("room for two");
        let _second = stalls.try_park().expect("room for two");
        assert!(stalls.try_park().is_none(), "the cap is reached");
        assert_eq!(stalls.parked(), 2);
        drop(first);
        assert!(stalls.try_park().is_some(), "a freed place is reused");
        assert_eq!(Stalls::off(Duration::from_secs(20)).stall_after(), None);
    }
}
