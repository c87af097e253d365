//! The roster import on PostgreSQL: the staged roster is a SQLite file the
//! server cannot open, so its pages are copied through the daemon
//! (`store::writes::roster`).

use super::PgStore;
use crate::store::StoreResult;
use std::path::Path;

/// Never copies: PostgreSQL reads the staged roster page by page.
pub(super) async fn copy_staged(
    _store: &PgStore,
    _file: &Path,
    _incident: &str,
    _version: &str,
) -> StoreResult<bool> {
    Ok(false)
}
