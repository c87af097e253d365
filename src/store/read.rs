//! A backend's store as the bodies in `store::reads` see it: the shared
//! statements run on its pool, outside any transaction, and come back as
//! rows of either driver, read through `rows::Columns` (by name) or
//! `tx::Cells` (by position). The plain reads are then written once,
//! generic over the backend, as the write transactions are over
//! `tx::WriteTx`; a backend keeps only the reads whose SQL differs.

use super::statements::Statement;
use super::tx::Cells;
use super::StoreResult;
use async_trait::async_trait;

/// Runs a shared statement on the store's pool.
#[async_trait]
pub(crate) trait Reader: Send + Sync {
    type Row: Cells;

    async fn fetch_optional(&self, statement: &Statement<'_>) -> StoreResult<Option<Self::Row>>;
    async fn fetch_all(&self, statement: &Statement<'_>) -> StoreResult<Vec<Self::Row>>;
    /// The one row; a statement that returns none is an error
    /// (`RowNotFound`), as `sqlx`'s `fetch_one` has it.
    async fn fetch_one(&self, statement: &Statement<'_>) -> StoreResult<Self::Row>;
    /// A single-statement write that needs no transaction (a lease renewed,
    /// a draft saved); the rows it affected.
    async fn execute(&self, statement: &Statement<'_>) -> StoreResult<u64>;
}

/// `Reader` for a backend's store, over its `pool` field: alike for both
/// but for the driver, which the macro names.
macro_rules! reader_impl {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::read::Reader for $store {
            type Row = <$db as sqlx::Database>::Row;

            async fn fetch_optional(
                &self,
                statement: &$crate::store::statements::Statement<'_>,
            ) -> StoreResult<Option<Self::Row>> {
                Ok(statement.query::<$db>().fetch_optional(&self.pool).await?)
            }

            async fn fetch_all(
                &self,
                statement: &$crate::store::statements::Statement<'_>,
            ) -> StoreResult<Vec<Self::Row>> {
                Ok(statement.query::<$db>().fetch_all(&self.pool).await?)
            }

            async fn fetch_one(
                &self,
                statement: &$crate::store::statements::Statement<'_>,
            ) -> StoreResult<Self::Row> {
                Ok(statement.query::<$db>().fetch_one(&self.pool).await?)
            }

            async fn execute(
                &self,
                statement: &$crate::store::statements::Statement<'_>,
            ) -> StoreResult<u64> {
                Ok(statement
                    .query::<$db>()
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}
