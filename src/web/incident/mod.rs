//! The incident page (`page`) and the form posts that act on it (`actions`).

mod actions;
mod page;

pub use actions::{approve, complete, record_event, waive};
pub use page::page;
