//! The vendor registry.

use super::Statement;
use crate::store::rows::to_json;
use crate::store::{VendorDocument, VendorRecord};

pub(crate) fn insert(record: &VendorRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO vendors (id, name, body, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.id)
    .bind(&record.vendor.name)
    .bind(to_json(&record.vendor))
    .bind(record.version)
    .bind(record.created_at)
    .bind(record.updated_at)
}

/// Replaces the vendor's document when its version is still
/// `expected_version` (rows affected 0 otherwise).
pub(crate) fn update(record: &VendorRecord, expected_version: i64) -> Statement<'_> {
    Statement::new(
        "UPDATE vendors SET name = $2, body = $3, version = $4, updated_at = $5
         WHERE id = $1 AND version = $6",
    )
    .bind(record.id)
    .bind(&record.vendor.name)
    .bind(to_json(&record.vendor))
    .bind(record.version)
    .bind(record.updated_at)
    .bind(expected_version)
}

/// Stores a document, replacing the vendor's earlier one.
pub(crate) fn put_document<'a>(document: &'a VendorDocument, content: &'a [u8]) -> Statement<'a> {
    Statement::new(
        "INSERT INTO vendor_documents (vendor_id, file_name, content_type, size, sha256, publishable, uploaded_by, uploaded_at, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (vendor_id) DO UPDATE SET
            file_name = excluded.file_name, content_type = excluded.content_type, size = excluded.size,
            sha256 = excluded.sha256, publishable = excluded.publishable, uploaded_by = excluded.uploaded_by,
            uploaded_at = excluded.uploaded_at, content = excluded.content",
    )
    .bind(document.vendor_id)
    .bind(&document.file_name)
    .bind(&document.content_type)
    .bind(document.size)
    .bind(&document.sha256)
    .bind(document.publishable)
    .bind(&document.uploaded_by)
    .bind(document.uploaded_at)
    .bind(content)
}

/// Every document's description, not its bytes.
pub(crate) fn documents() -> Statement<'static> {
    Statement::new(
        "SELECT vendor_id, file_name, content_type, size, sha256, publishable, uploaded_by, uploaded_at
         FROM vendor_documents ORDER BY vendor_id",
    )
}

pub(crate) fn document(vendor_id: uuid::Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM vendor_documents WHERE vendor_id = $1").bind(vendor_id)
}

pub(crate) fn by_id(id: uuid::Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM vendors WHERE id = $1").bind(id)
}

pub(crate) fn all() -> Statement<'static> {
    Statement::new("SELECT * FROM vendors ORDER BY name, id")
}
