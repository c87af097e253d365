//! The job queue's answers (`GET /api/v1/jobs`): each job with its work in
//! words and its incident by title, for administrators and their scripts.

use crate::cases::jobs::Listed;
use crate::domain::timestamp::format_in_zone;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub id: Uuid,
    /// The stored kind: reminder, digest, failure_report, family_notice,
    /// publish, website_check or dead_job_report (for scripts).
    #[schema(example = "reminder")]
    pub kind: String,
    /// The kind of work in words (for people).
    #[schema(example = "a reminder of a duty")]
    pub work: String,
    /// `scheduled` (waiting to run) or `dead` (stopped after its handler
    /// kept failing; retry it with `POST /api/v1/jobs/{id}/retry`).
    #[schema(example = "dead")]
    pub state: String,
    /// Handler runs since it was planned or last retried.
    pub attempts: i64,
    pub due_at: String,
    /// When it was parked as dead.
    pub died_at: Option<String>,
    pub last_error: Option<String>,
    pub incident_id: Option<Uuid>,
    pub incident_title: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobList {
    pub jobs: Vec<JobView>,
    /// How many of them are dead.
    pub dead: usize,
    pub timezone: String,
}

pub fn job_list(listed: &[Listed], zone: Tz) -> JobList {
    let jobs: Vec<JobView> = listed
        .iter()
        .map(
            |Listed {
                 job,
                 incident_title,
             }| JobView {
                id: job.id,
                kind: job.kind.as_str().to_owned(),
                work: job.kind.in_words().to_owned(),
                state: job.state.as_str().to_owned(),
                attempts: job.attempts,
                due_at: format_in_zone(job.due_at, zone),
                died_at: (job.state == crate::store::JobState::Dead)
                    .then_some(job.finished_at)
                    .flatten()
                    .map(|at| format_in_zone(at, zone)),
                last_error: job.last_error.clone(),
                incident_id: job.incident_id,
                incident_title: incident_title.clone(),
            },
        )
        .collect();
    JobList {
        dead: jobs.iter().filter(|j| j.state == "dead").count(),
        jobs,
        timezone: zone.name().to_owned(),
    }
}
