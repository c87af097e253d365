//! The job queue as administrators see it: the jobs waiting and the dead
//! (parked after their handler kept failing), and retrying a dead one.

use super::{Context, ServiceError};
use crate::store::{Job, JobState};
use uuid::Uuid;

/// A job with the title of its incident, for people to read.
pub struct Listed {
    pub job: Job,
    pub incident_title: Option<String>,
}

impl Context {
    /// The dead jobs (most recent death first), and, unless `dead_only`,
    /// the scheduled ones after them.
    pub async fn jobs(&self, dead_only: bool) -> Result<Vec<Listed>, ServiceError> {
        let states: &[JobState] = if dead_only {
            &[JobState::Dead]
        } else {
            &[JobState::Dead, JobState::Scheduled]
        };
        let jobs = self.store.jobs_in(states).await?;
        let mut titles: std::collections::HashMap<Uuid, String> = Default::default();
        let mut listed = Vec::with_capacity(jobs.len());
        for job in jobs {
            let incident_title = match job.incident_id {
                Some(id) if !titles.contains_key(&id) => {
                    let title = self.store.incident(id).await?.map(|i| i.title);
                    if let Some(title) = &title {
                        titles.insert(id, title.clone());
                    }
                    title
                }
                Some(id) => titles.get(&id).cloned(),
                None => None,
            };
            listed.push(Listed {
                job,
                incident_title,
            });
        }
        Ok(listed)
    }

    /// How many jobs are dead now (the `/metrics` gauge).
    pub async fn dead_job_count(&self) -> Result<usize, ServiceError> {
        Ok(self.store.jobs_in(&[JobState::Dead]).await?.len())
    }

    /// Puts a dead job back as due now with its attempts reset, audited as
    /// `by`'s act, and wakes the scheduler to run it.
    pub async fn retry_job(&self, id: Uuid, by: &str) -> Result<(), ServiceError> {
        if !self.store.retry_job(id, by, self.now()).await? {
            return Err(ServiceError::NotFound);
        }
        self.wake.wake();
        Ok(())
    }
}
