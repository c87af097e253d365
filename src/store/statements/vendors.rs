//! The vendor registry.

use super::Statement;
use crate::store::rows::to_json;
use crate::store::VendorRecord;

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

pub(crate) fn by_id(id: uuid::Uuid) -> Statement<'static> {
    Statement::new("SELECT * FROM vendors WHERE id = $1").bind(id)
}

pub(crate) fn all() -> Statement<'static> {
    Statement::new("SELECT * FROM vendors ORDER BY name, id")
}
