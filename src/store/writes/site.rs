//! Writing the public website's files (all of one publication in one
//! transaction, so an instance never serves an index linking to a page it
//! does not have) and recording a check of a page.

use crate::store::read::Reader;
use crate::store::statements::site as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{SiteFileRecord, StoreResult, WebsiteCheckRecord};

pub(crate) async fn put_files<S: Writer>(store: &S, files: &[SiteFileRecord]) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    for file in files {
        tx.execute(&sql::upsert_file(file)).await?;
    }
    tx.commit().await
}

pub(crate) async fn record_check<S: Reader>(
    store: &S,
    check: &WebsiteCheckRecord,
) -> StoreResult<()> {
    store.execute(&sql::insert_check(check)).await?;
    Ok(())
}
