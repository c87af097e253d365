//! A privacy request from a family: what it asks (an inquiry, a complaint,
//! a dispute about personal information, to inspect records, to correct
//! them), where it stands, how it came in, and the short reference its
//! requester is given. Pure vocabulary, parsed once at the edge.

mod kind;
mod reference;

pub use kind::{RequestKind, RequestStatus, Via};
pub use reference::Reference;

/// The obligation kind a request of `kind` starts (the shared vocabulary's
/// `district_responds_to_<request kind>`).
pub fn response_kind(kind: RequestKind) -> String {
    format!("district_responds_to_{}", kind.as_str())
}
