//! Storing a contract's roster: its guardians, the job that emails them
//! and the audit entry, in one transaction (a refused upload stores
//! nothing).

use crate::audit::NewAudit;
use crate::store::statements::contract_rosters as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{ContractGuardian, ContractRosterRecord, NewJob, StoreResult};

pub(crate) async fn create<S: Writer>(
    store: &S,
    roster: &ContractRosterRecord,
    guardians: &[ContractGuardian],
    jobs: &[NewJob],
    audit: &NewAudit,
) -> StoreResult<()> {
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::insert_roster(roster)).await?;
    for guardian in guardians {
        tx.execute(&sql::insert_guardian(roster.contract_id, guardian))
            .await?;
    }
    tx.insert_jobs(jobs, roster.uploaded_at).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}
