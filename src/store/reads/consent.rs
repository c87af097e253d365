//! Reading consent campaigns, their students, guardians and answers. The
//! rows are mapped here: no other file reads these tables.

use crate::domain::consent::{Answer, Received};
use crate::store::read::Reader;
use crate::store::rows::{optional_uuid, uuid, Columns};
use crate::store::statements::consent as sql;
use crate::store::{
    ConsentAnswerRecord, ConsentCampaignRecord, ConsentGuardianRecord, ConsentStudent, StoreError,
    StoreResult,
};
use std::collections::HashMap;
use uuid::Uuid;

fn campaign_row(row: &impl Columns) -> StoreResult<ConsentCampaignRecord> {
    Ok(ConsentCampaignRecord {
        id: uuid(row, "id")?,
        vendor_id: uuid(row, "vendor_id")?,
        privacy_policy_url: row.read("privacy_policy_url")?,
        description: row.read("description")?,
        students: row.read("students")?,
        guardians: row.read("guardians")?,
        rejected_rows: row.read("rejected_rows")?,
        created_by: row.read("created_by")?,
        created_at: row.read("created_at")?,
    })
}

fn guardian_row(row: &impl Columns) -> StoreResult<ConsentGuardianRecord> {
    Ok(ConsentGuardianRecord {
        id: uuid(row, "id")?,
        campaign_id: uuid(row, "campaign_id")?,
        name: row.read("name")?,
        email: row.read("email")?,
        language: row.read("language")?,
        student_ids: Vec::new(),
        answered_at: row.read("answered_at")?,
    })
}

fn answer_row(row: &impl Columns) -> StoreResult<ConsentAnswerRecord> {
    let answer: String = row.read("answer")?;
    let received: String = row.read("received")?;
    Ok(ConsentAnswerRecord {
        id: uuid(row, "id")?,
        campaign_id: uuid(row, "campaign_id")?,
        student_id: row.read("student_id")?,
        guardian_id: optional_uuid(row, "guardian_id")?,
        answer: Answer::parse(&answer)
            .map_err(|_| StoreError::Corrupt(format!("consent answer {answer:?}")))?,
        received: Received::parse(&received)
            .ok_or_else(|| StoreError::Corrupt(format!("consent received {received:?}")))?,
        recorded_by: row.read("recorded_by")?,
        recorded_at: row.read("recorded_at")?,
    })
}

pub(crate) async fn campaign<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<ConsentCampaignRecord>> {
    let row = store.fetch_optional(&sql::campaign(id)).await?;
    row.as_ref().map(campaign_row).transpose()
}

pub(crate) async fn campaigns<S: Reader>(
    store: &S,
    vendor_id: Uuid,
) -> StoreResult<Vec<ConsentCampaignRecord>> {
    let rows = store.fetch_all(&sql::campaigns_of(vendor_id)).await?;
    rows.iter().map(campaign_row).collect()
}

pub(crate) async fn students<S: Reader>(
    store: &S,
    campaign_id: Uuid,
) -> StoreResult<Vec<ConsentStudent>> {
    let rows = store.fetch_all(&sql::students(campaign_id)).await?;
    rows.iter()
        .map(|row| {
            Ok::<_, StoreError>(ConsentStudent {
                student_id: row.read("student_id")?,
                name: row.read("name")?,
            })
        })
        .collect()
}

/// Every guardian of a campaign by address, each with its students.
pub(crate) async fn guardians<S: Reader>(
    store: &S,
    campaign_id: Uuid,
) -> StoreResult<Vec<ConsentGuardianRecord>> {
    let rows = store.fetch_all(&sql::guardians(campaign_id)).await?;
    let mut guardians = rows
        .iter()
        .map(guardian_row)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut children: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in store.fetch_all(&sql::links(campaign_id)).await? {
        children
            .entry(uuid(&row, "guardian_id")?)
            .or_default()
            .push(row.read("student_id")?);
    }
    for guardian in &mut guardians {
        guardian.student_ids = children.remove(&guardian.id).unwrap_or_default();
    }
    Ok(guardians)
}

pub(crate) async fn guardian<S: Reader>(
    store: &S,
    id: Uuid,
) -> StoreResult<Option<ConsentGuardianRecord>> {
    let Some(row) = store.fetch_optional(&sql::guardian(id)).await? else {
        return Ok(None);
    };
    let mut guardian = guardian_row(&row)?;
    for row in store.fetch_all(&sql::guardian_links(id)).await? {
        guardian.student_ids.push(row.read("student_id")?);
    }
    Ok(Some(guardian))
}

pub(crate) async fn answers<S: Reader>(
    store: &S,
    campaign_id: Uuid,
) -> StoreResult<Vec<ConsentAnswerRecord>> {
    let rows = store.fetch_all(&sql::answers(campaign_id)).await?;
    rows.iter().map(answer_row).collect()
}
