//! One message on its way to a sender: what the feeder (or a staff job)
//! hands the senders, and what a parked connection keeps while it waits for
//! its reply.

use super::compose::{Composed, Composer};
use crate::store::{Attempt, EmailRecord, FamilyDelivery};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::oneshot;
use uuid::Uuid;

/// A message to send, with the job it belongs to.
pub struct Work {
    pub job: Uuid,
    pub message: Message,
    /// How many times the relay said "too fast" to this message.
    pub rate_limited: u8,
}

/// What is sent, by whom it was handed over.
pub enum Message {
    /// A family notice of a chunk, composed by the sender that takes it.
    Family {
        delivery: FamilyDelivery,
        composer: Arc<Composer>,
        /// Set once a message of this chunk could not be built: the
        /// chunk's other messages are skipped (and stay planned).
        halt: Arc<AtomicBool>,
    },
    /// Staff email (a reminder, a digest, a report), composed by its job,
    /// which waits for its attempt once that is committed. Dropped
    /// unrecorded (shutdown), the job hears nothing: the message stays
    /// planned.
    Staff {
        email: EmailRecord,
        composed: Composed,
        recorded: oneshot::Sender<Attempt>,
    },
}

impl Work {
    /// The message's planned row.
    pub fn email(&self) -> &EmailRecord {
        match &self.message {
            Message::Family { delivery, .. } => &delivery.email,
            Message::Staff { email, .. } => email,
        }
    }

    /// Who waits for the message's attempt, besides its sender.
    pub fn into_waiting(self) -> Option<oneshot::Sender<Attempt>> {
        match self.message {
            Message::Family { .. } => None,
            Message::Staff { recorded, .. } => Some(recorded),
        }
    }
}
