//! A value kept for a short while, so that what a scraper or a probe may
//! ask for as often as it likes (readiness's SMTP check, the gauges read
//! from the database) costs the relay and the database at most once per
//! period, however many unauthenticated callers there are.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub struct Cached<T> {
    ttl: Duration,
    value: Mutex<Option<(Instant, T)>>,
}

impl<T: Clone> Cached<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            value: Mutex::new(None),
        }
    }

    /// The value, refreshed by `fresh` when it is older than the period.
    /// Callers arriving during a refresh wait for it rather than start
    /// their own.
    pub async fn get<F, Fut>(&self, fresh: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let mut slot = self.value.lock().await;
        if let Some((at, value)) = slot.as_ref() {
            if at.elapsed() < self.ttl {
                return value.clone();
            }
        }
        let value = fresh().await;
        *slot = Some((Instant::now(), value.clone()));
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_value_is_computed_once_per_period() {
        let cache = Cached::new(Duration::from_secs(60));
        let calls = AtomicUsize::new(0);
        for _ in 0..5 {
            let value = cache
                .get(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    7
                })
                .await;
            assert_eq!(value, 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let expired = Cached::new(Duration::ZERO);
        for _ in 0..3 {
            expired
                .get(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                })
                .await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
