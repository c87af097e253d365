//! A vendor the district shares student data with, and the agreement that
//! binds it (a contract, a data privacy agreement, terms of service, a data
//! sharing agreement). Pure vocabulary: the kinds and statuses an agreement
//! may have, parsed once, and how a vendor's names are matched against the
//! contractor a breach report names.

mod agreement;
mod name;

pub use agreement::{AgreementKind, AgreementStatus};
pub use name::{vendor_key, Names};
