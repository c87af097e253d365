//! The public website as the API, the pages and `/notices/` read it: the
//! published files kept in the database, and whether the notice page was
//! seen at its public address (`publish.verify`).

use super::Context;
use crate::store::{NoticeRecord, SiteFileRecord, StoreResult, WebsiteCheckRecord};
use crate::views;
use uuid::Uuid;

impl Context {
    /// A file of the notices site as last published (`index.html`, …).
    pub async fn site_file(&self, name: &str) -> StoreResult<Option<SiteFileRecord>> {
        self.store.site_file(name).await
    }

    /// Every fetch of the incident's notice page, oldest first.
    pub async fn website_checks(&self, incident_id: Uuid) -> StoreResult<Vec<WebsiteCheckRecord>> {
        self.store.website_checks(incident_id).await
    }

    /// Every send attempt of the incident's family notices, oldest first.
    pub async fn delivery_attempts(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Vec<crate::store::DeliveryAttemptRecord>> {
        self.store.delivery_attempts(incident_id).await
    }

    /// Where the incident's website notice stands, in words and as data.
    pub async fn website_status(
        &self,
        incident_id: Uuid,
        notice: &NoticeRecord,
    ) -> StoreResult<views::WebsiteStatus> {
        let checks = if notice.published_at.is_some() {
            self.store.website_checks(incident_id).await?
        } else {
            Vec::new()
        };
        Ok(views::website_status(
            notice,
            self.settings.publish_verify,
            &checks,
            self.settings.timezone,
        ))
    }
}
