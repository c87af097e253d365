//! What the store keeps of a signed document (a vendor's agreement, a
//! contract): the file whole with its name, type and SHA-256, one per
//! owner. Each owner has its own table, so that a document cannot outlive
//! or name the wrong record (a foreign key each); the columns are alike.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whose document it is: each owner's documents have their own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentOwner {
    /// A vendor's signed agreement (`vendor_documents`).
    Vendor,
    /// A contract's signed document (`contract_documents`).
    Contract,
}

impl DocumentOwner {
    /// The table; a constant, never anything a caller typed.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Self::Vendor => "vendor_documents",
            Self::Contract => "contract_documents",
        }
    }

    /// The column holding the owner's id.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Vendor => "vendor_id",
            Self::Contract => "contract_id",
        }
    }
}

/// A signed document as stored, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The vendor's or the contract's id.
    pub owner_id: Uuid,
    /// As uploaded, for the download's name.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The district allows the public site to link it.
    pub publishable: bool,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}
