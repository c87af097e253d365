//! Reading an incident's per-student coverage: the roster, the messages'
//! outcomes and the recorded letters and exceptions, judged by
//! `domain::coverage::assess`.

use crate::domain::coverage::{self, CoverageReport, UnreachableStudent};
use crate::store::read::Reader;
use crate::store::rows;
use crate::store::statements::{coverage as sql, roster as roster_sql};
use crate::store::StoreResult;
use uuid::Uuid;

pub(crate) async fn incidents_with_roster<S: Reader>(
    store: &S,
) -> StoreResult<std::collections::BTreeSet<Uuid>> {
    store
        .fetch_all(&sql::incidents_with_roster())
        .await?
        .iter()
        .map(rows::incident_with_roster)
        .collect()
}

pub(crate) async fn report<S: Reader>(store: &S, incident_id: Uuid) -> StoreResult<CoverageReport> {
    let messages = store
        .fetch_all(&sql::guardian_messages(incident_id))
        .await?
        .iter()
        .map(rows::guardian_message)
        .collect::<StoreResult<Vec<_>>>()?;
    let unreachable = store
        .fetch_all(&roster_sql::unreachable(incident_id))
        .await?
        .iter()
        .map(rows::unreachable_student)
        .map(|pair| {
            pair.map(|(student_id, name)| UnreachableStudent {
                student_id,
                name,
                guardian_names: Vec::new(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let marks = store
        .fetch_all(&sql::marks(incident_id))
        .await?
        .iter()
        .map(rows::student_mark)
        .collect::<StoreResult<Vec<_>>>()?;
    let mut report = coverage::assess(&messages, &unreachable, &marks);
    let addresses: std::collections::BTreeMap<String, coverage::MailingAddress> = store
        .fetch_all(&sql::addresses(incident_id))
        .await?
        .iter()
        .map(rows::student_address)
        .collect::<StoreResult<_>>()?;
    if !addresses.is_empty() {
        for student in &mut report.students {
            student.address = addresses.get(&student.student_id).cloned();
        }
    }
    Ok(report)
}
