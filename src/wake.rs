//! The scheduler's doorbell: whoever plans a job rings it, so the loop need
//! not poll. It lives at the bottom of the house because the use cases, the
//! store's cross-instance listener and the scheduler all ring or wait on it.

use std::sync::Arc;
use tokio::sync::Notify;

/// Wakes the scheduler when a job is planned.
#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn wake(&self) {
        // notify_one stores a permit when the loop is busy, so a job planned
        // during a batch is not missed.
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await;
    }
}
