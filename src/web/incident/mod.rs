//! The incident page (`page`) and the form posts that act on it (`actions`;
//! `letters` for the proof of notice).

mod actions;
mod letters;
mod page;

pub use actions::{approve, complete, record_event, waive};
pub use letters::{
    exception as letters_exception, mailed as letters_mailed, print as letters_print,
};
pub use page::page;
