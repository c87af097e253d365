//! A contract's roster for its emailed notice, and its guardians.

use super::Statement;
use crate::store::{ContractGuardian, ContractRosterRecord};
use uuid::Uuid;

pub(crate) fn insert_roster(record: &ContractRosterRecord) -> Statement<'_> {
    Statement::new(
        "INSERT INTO contract_rosters (contract_id, job_id, guardians, rejected_rows, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(record.contract_id)
    .bind(record.job_id)
    .bind(record.guardians)
    .bind(record.rejected_rows)
    .bind(&record.uploaded_by)
    .bind(record.uploaded_at)
}

pub(crate) fn insert_guardian(contract_id: Uuid, guardian: &ContractGuardian) -> Statement<'_> {
    Statement::new(
        "INSERT INTO contract_guardians (id, contract_id, name, email, language)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(guardian.id)
    .bind(contract_id)
    .bind(&guardian.name)
    .bind(&guardian.email)
    .bind(guardian.language.as_deref())
}

pub(crate) fn roster(contract_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT contract_id, job_id, guardians, rejected_rows, uploaded_by, uploaded_at
         FROM contract_rosters WHERE contract_id = $1",
    )
    .bind(contract_id)
}

pub(crate) fn guardians(contract_id: Uuid) -> Statement<'static> {
    Statement::new(
        "SELECT id, name, email, language FROM contract_guardians
         WHERE contract_id = $1 ORDER BY email",
    )
    .bind(contract_id)
}
