//! Signed documents, in the owner's table (`DocumentOwner::table`, a
//! constant: the only text put into these statements).

use super::Statement;
use crate::store::{Document, DocumentOwner};

const COLUMNS: &str =
    "file_name, content_type, size, sha256, publishable, uploaded_by, uploaded_at";

/// Stores a document, replacing the owner's earlier one.
pub(crate) fn put<'a>(
    owner: DocumentOwner,
    document: &'a Document,
    content: &'a [u8],
) -> Statement<'a> {
    let (table, key) = (owner.table(), owner.key());
    Statement::new(format!(
        "INSERT INTO {table} ({key}, {COLUMNS}, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ({key}) DO UPDATE SET
            file_name = excluded.file_name, content_type = excluded.content_type, size = excluded.size,
            sha256 = excluded.sha256, publishable = excluded.publishable, uploaded_by = excluded.uploaded_by,
            uploaded_at = excluded.uploaded_at, content = excluded.content"
    ))
    .bind(document.owner_id)
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
pub(crate) fn all(owner: DocumentOwner) -> Statement<'static> {
    let (table, key) = (owner.table(), owner.key());
    Statement::new(format!(
        "SELECT {key} AS owner_id, {COLUMNS} FROM {table} ORDER BY {key}"
    ))
}

/// One owner's document with its bytes.
pub(crate) fn one(owner: DocumentOwner, owner_id: uuid::Uuid) -> Statement<'static> {
    let (table, key) = (owner.table(), owner.key());
    Statement::new(format!(
        "SELECT {key} AS owner_id, {COLUMNS}, content FROM {table} WHERE {key} = $1"
    ))
    .bind(owner_id)
}
