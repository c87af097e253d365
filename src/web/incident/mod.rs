//! The incident page (`page`), its notice page (`notice`: preview, edit,
//! test, approve), the form posts that act on them (`actions`), and the
//! proof of notice (`letters`: the students to send a paper letter).

mod actions;
mod closing;
mod evidence;
mod letters;
mod lookup;
mod notice;
mod page;

pub use actions::{approve, complete, record_event, waive};
pub use closing::{merge as merge_incident, withdraw as withdraw_incident};
pub use evidence::page as evidence_page;
pub use letters::{
    exception as letters_exception, mailed as letters_mailed, print as letters_print,
};
pub use notice::{page as notice_page, save as save_notice, send_test as test_notice};
pub use page::page;
