//! The vocabulary of a breach: incidents, their clock events, the classes of
//! data they expose and the obligations the law derives from them.
//!
//! Pure types only: nothing here does I/O, knows a database or reads a clock.
//! Values are parsed at the edge into these types ("parse, don't validate"),
//! so code that holds one can rely on it being well formed.

pub mod category;
pub mod consent;
pub mod coverage;
pub mod data_class;
pub mod event;
pub mod incident;
pub mod obligation;
pub mod placeholder;
pub mod request;
pub mod timestamp;
pub mod vendor;

pub use category::InfoCategory;
pub use data_class::DataClass;
pub use event::{ClockEvent, DelayRequest};
pub use incident::{BreachAt, FieldError, NewIncident};
pub use obligation::{ObligationStatus, Party, Subject, Undated};
pub use timestamp::Timestamp;
