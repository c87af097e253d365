//! The scheduler's doorbell: whoever plans a job rings it, so the loop need
//! not poll. It lives at the bottom of the house because the use cases, the
//! store's cross-instance listener and the scheduler all ring or wait on it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Wakes the scheduler when a job is planned, and counts the times the
/// scheduler went idle (ran everything due and waited), which tests use as
/// the positive signal that it has done all it will do at an instant.
#[derive(Clone, Default)]
pub struct Wake {
    bell: Arc<Notify>,
    idle: Arc<AtomicU64>,
}

impl Wake {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn wake(&self) {
        // notify_one stores a permit when the loop is busy, so a job planned
        // during a batch is not missed.
        self.bell.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.bell.notified().await;
    }

    /// How many times the scheduler has gone idle so far.
    pub fn idle_passes(&self) -> u64 {
        self.idle.load(Ordering::Acquire)
    }

    /// The scheduler ran everything due and is about to wait.
    pub(crate) fn went_idle(&self) {
        self.idle.fetch_add(1, Ordering::AcqRel);
    }
}
