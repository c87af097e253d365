//! Starting a consent campaign (its students, guardians, the job that
//! emails them and the audit entry, one transaction) and recording answers
//! (through a guardian's link, once, or by staff), each with its audit
//! entry.

use crate::audit::NewAudit;
use crate::store::statements::consent as sql;
use crate::store::tx::{WriteTx, Writer};
use crate::store::{
    AnswerOutcome, ConsentAnswerRecord, ConsentCampaignRecord, ConsentGuardianRecord,
    ConsentStudent, NewJob, StoreResult,
};

pub(crate) async fn create<S: Writer>(
    store: &S,
    campaign: &ConsentCampaignRecord,
    students: &[ConsentStudent],
    guardians: &[ConsentGuardianRecord],
    jobs: &[NewJob],
    audit: &NewAudit,
) -> StoreResult<()> {
    // A campaign is hundreds to a few thousand guardians: one statement a
    // row in one transaction is quick enough, and a failed start leaves
    // nothing behind.
    let mut tx = store.begin_write().await?;
    tx.execute(&sql::insert_campaign(campaign)).await?;
    for student in students {
        tx.execute(&sql::insert_student(
            campaign.id,
            &student.student_id,
            &student.name,
        ))
        .await?;
    }
    for guardian in guardians {
        tx.execute(&sql::insert_guardian(guardian)).await?;
        for student_id in &guardian.student_ids {
            tx.execute(&sql::insert_link(guardian.id, student_id))
                .await?;
        }
    }
    tx.insert_jobs(jobs, campaign.created_at).await?;
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await
}

/// Stores `answers` with their audit entry. With `link_of`, the answers
/// come through that guardian's link, which is used up in the same
/// transaction: a link used already stores nothing.
pub(crate) async fn record<S: Writer>(
    store: &S,
    link_of: Option<&ConsentGuardianRecord>,
    answers: &[ConsentAnswerRecord],
    audit: &NewAudit,
) -> StoreResult<AnswerOutcome> {
    let mut tx = store.begin_write().await?;
    if let Some(guardian) = link_of {
        if tx
            .execute(&sql::mark_answered(guardian.id, audit.at))
            .await?
            == 0
        {
            return Ok(AnswerOutcome::AlreadyAnswered);
        }
    }
    for answer in answers {
        tx.execute(&sql::insert_answer(answer)).await?;
    }
    super::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(AnswerOutcome::Recorded)
}
