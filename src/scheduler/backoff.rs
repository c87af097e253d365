//! Retry timing for temporary delivery failures: exponential backoff with
//! jitter, so that many deferred messages do not retry in lockstep, and a
//! limit after which a failure counts as permanent.

use chrono::Duration;
use rand::Rng;

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    /// Attempts after which a temporary failure is given up as permanent.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::seconds(30),
            max: Duration::hours(1),
            max_attempts: 12,
        }
    }
}

impl Backoff {
    /// Delay before attempt `attempt + 1`, after `attempt` failed attempts
    /// (1-based): base × 2^(attempt-1), capped, times a factor in [0.5, 1.5).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let raw = self
            .base
            .num_milliseconds()
            .saturating_mul(1_i64 << exponent);
        let capped = raw.min(self.max.num_milliseconds());
        let factor: f64 = rand::thread_rng().gen_range(0.5..1.5);
        Duration::milliseconds((capped as f64 * factor) as i64)
    }

    pub fn exhausted(&self, attempts: u32) -> bool {
        attempts >= self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_with_jitter() {
        let backoff = Backoff::default();
        for _ in 0..100 {
            let first = backoff.delay(1);
            assert!(
                first >= Duration::seconds(15) && first < Duration::seconds(45),
                "{first}"
            );
            let third = backoff.delay(3);
            assert!(third >= Duration::seconds(60) && third < Duration::seconds(180));
            let late = backoff.delay(30);
            assert!(late >= Duration::minutes(30) && late < Duration::minutes(90));
        }
        assert!(!backoff.exhausted(11));
        assert!(backoff.exhausted(12));
    }
}
