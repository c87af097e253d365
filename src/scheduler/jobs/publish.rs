//! Publishing the website notice when the family notice is approved: the
//! files are written to `publish.dir` and kept in the database (which every
//! instance serves at `/notices/`). With `publish.verify` the website-posting
//! obligation waits for the page to be seen at its public address (a
//! `website_check` job); without, it is completed with the local write.
//! Publications run one at a time per process, since each rebuilds the
//! index and the feed.

use crate::rules::element_words::FALLBACK_LANGUAGE;
use crate::rules::OwnWork;
use crate::scheduler::Worker;
use crate::settings::Settings;
use crate::site::{DirectoryPublisher, PublicNotice};
use crate::store::{
    IncidentRecord, Job, JobState, NoticeRecord, SiteFileRecord, Store, StoreResult,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// The public URL of an incident's notice page, before it is published.
pub fn page_url(settings: &Settings, incident_id: Uuid) -> String {
    crate::site::page_url(
        &settings.publish_base_url,
        &PublicNotice::slug_for(incident_id),
    )
}

/// The website notice as it is published at `now` (the approval's
/// preflight renders it too, before anything is planned).
pub fn public_notice(
    settings: &Settings,
    incident: &IncidentRecord,
    notice: &NoticeRecord,
    students: Option<u64>,
    now: DateTime<Utc>,
) -> PublicNotice {
    let zone = settings.timezone;
    let discovered = incident
        .events
        .iter()
        .find(|e| e.kind.as_str() == crate::domain::ClockEvent::DISCOVERED)
        .map(|e| e.at.with_timezone(&zone).date_naive())
        .unwrap_or_else(|| incident.created_at.with_timezone(&zone).date_naive());
    PublicNotice {
        id: incident.id,
        slug: PublicNotice::slug_for(incident.id),
        // The administrator's public title, never the internal one.
        title: notice.public_title.clone().unwrap_or_else(|| {
            crate::site::default_public_title(
                incident.contractor.as_deref(),
                &settings.district_name,
            )
        }),
        district_name: settings.district_name.clone(),
        what_happened: notice.what_happened.clone(),
        discovered_on: discovered,
        // What leaked in words, grouped by class: "Student information (not
        // directory information): grades, date of birth".
        data_classes: crate::site::data_class_lines(
            &settings
                .engine
                .taxonomy
                .in_words(&incident.classification, FALLBACK_LANGUAGE),
        ),
        what_we_are_doing: notice.what_we_are_doing.clone(),
        what_families_can_do: notice.what_families_can_do.clone(),
        contact: notice.contact.clone(),
        affected_students: students,
        published_at: notice.published_at.unwrap_or(now),
        updated_at: now,
    }
}

/// The directory publisher the settings describe.
pub fn directory_publisher(settings: &Settings) -> DirectoryPublisher {
    DirectoryPublisher {
        dir: settings.publish_dir.clone(),
        base_url: settings.publish_base_url.clone(),
        zone: settings.timezone,
        templates: settings.publish_templates.clone(),
    }
}

pub async fn run(worker: &Arc<Worker>, job: Job) -> anyhow::Result<()> {
    let now = worker.clock.now();
    let Some(incident_id) = job.incident_id else {
        worker
            .store
            .finish_job(
                job.id,
                worker.id(),
                JobState::Failed,
                Some("a publication without its incident"),
                now,
            )
            .await?;
        return Ok(());
    };
    let store = &worker.store;
    let (Some(incident), Some(notice)) = (
        store.incident(incident_id).await?,
        store.notice(incident_id).await?,
    ) else {
        worker
            .store
            .finish_job(job.id, worker.id(), JobState::Cancelled, None, now)
            .await?;
        return Ok(());
    };
    let students = match incident.affected_students {
        Some(count) => Some(count),
        None => store
            .latest_roster_import(incident_id)
            .await?
            .map(|import| import.students),
    };
    let public = public_notice(&worker.settings, &incident, &notice, students, now);
    let _one_at_a_time = worker.publish_lock.lock().await;
    let all: Vec<PublicNotice> = store
        .published_notices()
        .await?
        .into_iter()
        .filter_map(|value| serde_json::from_value(value).ok())
        .collect();
    let publication = worker.publisher.publish(&public, &all).await?;
    // Before the notice is marked published, so that an instance never links
    // to a page the database does not hold yet.
    let files: Vec<SiteFileRecord> = publication
        .rendered
        .iter()
        .map(|file| SiteFileRecord {
            name: file.name.clone(),
            content_type: file.content_type.to_owned(),
            sha256: file.sha256(),
            body: file.body.clone(),
            updated_at: now,
        })
        .collect();
    store.put_site_files(&files).await?;
    store
        .mark_published(
            incident_id,
            &serde_json::to_value(&public)?,
            &publication.url,
            now,
        )
        .await?;
    if worker.settings.publish_verify {
        let page = publication
            .rendered
            .first()
            .expect("a publication renders the notice's page first: site::publish_blocking");
        store
            .enqueue(
                &[crate::scheduler::planning::website_check_job(
                    incident_id,
                    &publication.url,
                    &page.sha256(),
                    now,
                )],
                now,
            )
            .await?;
    } else {
        let note = format!(
            "website notice written for {}; its public address is not checked \
             (publish.verify is off), so this counts as done when the files were written",
            publication.url
        );
        super::complete_own_work(
            store.as_ref(),
            &worker.settings.engine,
            incident_id,
            OwnWork::WebsitePosting,
            note,
            now,
            now,
        )
        .await?;
    }
    tracing::info!(%incident_id, "website notice published");
    worker
        .store
        .finish_job(job.id, worker.id(), JobState::Done, None, now)
        .await?;
    Ok(())
}

/// The pages and feeds a section's publication wrote under `dir` (the
/// agreements list, the contract notices), kept in the database as well so
/// that every instance serves them at `/notices/`; documents, which are not
/// text, are served from the folder only.
pub(crate) async fn keep_in_database(
    store: &dyn Store,
    dir: &std::path::Path,
    written: &[std::path::PathBuf],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut files = Vec::new();
    for path in written {
        let Some(name) = path
            .strip_prefix(dir)
            .ok()
            .and_then(|name| name.to_str())
            .map(|name| name.replace(std::path::MAIN_SEPARATOR, "/"))
        else {
            continue;
        };
        if !(name.ends_with(".html") || name.ends_with(".atom")) {
            continue;
        }
        match tokio::fs::read_to_string(path).await {
            Ok(body) => files.push(SiteFileRecord {
                content_type: crate::site::content_type_of(&name).to_owned(),
                sha256: crate::site::sha256_hex(body.as_bytes()),
                name,
                body,
                updated_at: now,
            }),
            Err(error) => {
                tracing::error!(%error, file = %name, "a published page could not be read back for the database");
            }
        }
    }
    store.put_site_files(&files).await
}
