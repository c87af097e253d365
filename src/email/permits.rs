//! The process's SMTP send slots (`email.max_connections`), shared by the
//! family-notice fan-out and everything else (reminders, digests, failure
//! reports).
//!
//! A fan-out sender keeps its slot (and its connection) from one message to
//! the next, which lets it pipeline one message's end with the next one's
//! start. So that a reminder is never stuck behind a long fan-out, the
//! others count themselves while they wait, and a fan-out sender gives its
//! slot up after the message in hand as soon as anyone does (the semaphore
//! is fair: the first waiter gets it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct SendPermits {
    slots: Arc<Semaphore>,
    capacity: usize,
    others_waiting: AtomicUsize,
}

impl SendPermits {
    pub fn new(slots: usize) -> Self {
        let capacity = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
            others_waiting: AtomicUsize::new(0),
        }
    }

    /// How many messages may be in flight at once: as many fan-out senders
    /// as this are worth running.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// A slot for one message that is not part of the fan-out.
    pub async fn acquire(&self) -> OwnedSemaphorePermit {
        self.others_waiting.fetch_add(1, Ordering::SeqCst);
        let permit = self.acquire_slot().await;
        self.others_waiting.fetch_sub(1, Ordering::SeqCst);
        permit
    }

    /// A slot for a fan-out sender's run of messages.
    pub async fn acquire_for_fanout(&self) -> OwnedSemaphorePermit {
        self.acquire_slot().await
    }

    /// Whether a message outside the fan-out waits for a slot.
    pub fn others_waiting(&self) -> bool {
        self.others_waiting.load(Ordering::SeqCst) > 0
    }

    async fn acquire_slot(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the send slots' semaphore is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiting_reminder_is_seen_and_served_first() {
        let permits = Arc::new(SendPermits::new(1));
        let fanout = permits.acquire_for_fanout().await;
        assert!(!permits.others_waiting());
        let reminder = tokio::spawn({
            let permits = Arc::clone(&permits);
            async move { permits.acquire().await }
        });
        while !permits.others_waiting() {
            tokio::task::yield_now().await;
        }
        // The fan-out sender gives its slot up and queues behind the reminder.
        drop(fanout);
        let held = reminder.await.unwrap();
        assert!(!permits.others_waiting());
        let next = tokio::spawn({
            let permits = Arc::clone(&permits);
            async move { permits.acquire_for_fanout().await }
        });
        tokio::task::yield_now().await;
        assert!(!next.is_finished(), "the reminder holds the only slot");
        drop(held);
        drop(next.await.unwrap());
    }
}
