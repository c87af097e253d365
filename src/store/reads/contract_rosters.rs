//! Reading a contract's roster and its guardians. The rows are mapped
//! here: no other file reads these tables.

use crate::store::read::Reader;
use crate::store::rows::{uuid, Columns};
use crate::store::statements::contract_rosters as sql;
use crate::store::{ContractGuardian, ContractRosterRecord, StoreResult};
use uuid::Uuid;

pub(crate) async fn roster<S: Reader>(
    store: &S,
    contract_id: Uuid,
) -> StoreResult<Option<ContractRosterRecord>> {
    let Some(row) = store.fetch_optional(&sql::roster(contract_id)).await? else {
        return Ok(None);
    };
    Ok(Some(ContractRosterRecord {
        contract_id: uuid(&row, "contract_id")?,
        job_id: uuid(&row, "job_id")?,
        guardians: row.read("guardians")?,
        rejected_rows: row.read("rejected_rows")?,
        uploaded_by: row.read("uploaded_by")?,
        uploaded_at: row.read("uploaded_at")?,
    }))
}

pub(crate) async fn guardians<S: Reader>(
    store: &S,
    contract_id: Uuid,
) -> StoreResult<Vec<ContractGuardian>> {
    let rows = store.fetch_all(&sql::guardians(contract_id)).await?;
    rows.iter()
        .map(|row| {
            Ok(ContractGuardian {
                id: uuid(row, "id")?,
                name: row.read("name")?,
                email: row.read("email")?,
                language: row.read("language")?,
            })
        })
        .collect()
}
