//! One message of a chunk on its way to a sender: what the feeder hands the
//! senders, and what a parked connection keeps while it waits for its reply.

use super::compose::Composer;
use crate::store::FamilyDelivery;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use uuid::Uuid;

/// A message to send, with the chunk job it belongs to.
pub struct Work {
    pub delivery: FamilyDelivery,
    pub job: Uuid,
    pub composer: Arc<Composer>,
    /// Set once a message of this chunk could not be built: the chunk's
    /// other messages are skipped (and stay planned).
    pub halt: Arc<AtomicBool>,
    /// How many times the relay said "too fast" to this message.
    pub rate_limited: u8,
}
