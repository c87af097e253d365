//! What the API, the pages and the CLI read, so that no handler reaches the
//! store: each read is named for what it answers. They add nothing to the
//! store's own query today, but they are the one door, so a rule about what
//! may be read (a role, a redaction) has one place to live.

use super::Context;
use crate::audit::AuditEntry;
use crate::domain::ObligationStatus;
use crate::rules::RulePack;
use crate::store::{
    EmailRecord, EmailStatus, IncidentRecord, IncidentStatusFilter, IncidentSummary, Job,
    NoticeRecord, ObligationFilter, ObligationRecord, ObligationWithIncident, RosterImportRecord,
    StoreResult, StoredResponse,
};
use crate::views::{self, RuleList};
use uuid::Uuid;

impl Context {
    /// The incident as stored, without its obligations (None when unknown).
    pub async fn incident_record(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
        self.store.incident(id).await
    }

    /// Incidents, newest first, a page at a time.
    pub async fn incidents(
        &self,
        status: Option<IncidentStatusFilter>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<IncidentSummary>> {
        self.store
            .list_incidents(status, self.now(), limit, offset)
            .await
    }

    /// Every job of an incident: its reminders, chunks and publication.
    pub async fn incident_jobs(&self, id: Uuid) -> StoreResult<Vec<Job>> {
        self.store.incident_jobs(id).await
    }

    pub async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
        self.store.obligation(id).await
    }

    pub async fn obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>> {
        self.store.list_obligations(filter).await
    }

    /// Obligations counted by status (for `/metrics`).
    pub async fn obligation_counts(&self) -> StoreResult<Vec<(ObligationStatus, i64)>> {
        self.store.obligation_counts(self.now()).await
    }

    /// Scheduled jobs: (due now, all).
    pub async fn queue_depth(&self) -> StoreResult<(i64, i64)> {
        self.store.queue_depth(self.now()).await
    }

    /// The first answer given to `caller` for an `Idempotency-Key`.
    pub async fn earlier_answer(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        self.store.idempotent_response(caller, key).await
    }

    /// The last roster imported for an incident and the students no guardian
    /// of which can be emailed.
    pub async fn roster(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<(Option<RosterImportRecord>, Vec<(String, String)>)> {
        let import = self.store.latest_roster_import(incident_id).await?;
        let unreachable = self.store.unreachable_students(incident_id).await?;
        Ok((import, unreachable))
    }

    /// The family notice as stored (None before its clock started).
    pub async fn notice(&self, incident_id: Uuid) -> StoreResult<Option<NoticeRecord>> {
        self.store.notice(incident_id).await
    }

    /// The family notice's deliveries counted by status.
    pub async fn delivery_counts(&self, incident_id: Uuid) -> StoreResult<Vec<(EmailStatus, i64)>> {
        self.store.delivery_counts(incident_id).await
    }

    /// The incident's bounces (DSNs read from the bounce mailbox).
    pub async fn bounces(&self, incident_id: Uuid) -> StoreResult<Vec<crate::store::BounceRecord>> {
        self.store.incident_bounces(incident_id).await
    }

    /// The family notice's deliveries, a page after the address `after`.
    pub async fn deliveries(
        &self,
        incident_id: Uuid,
        status: Option<EmailStatus>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EmailRecord>> {
        self.store
            .deliveries(incident_id, status, after, limit)
            .await
    }

    /// Audit entries after sequence number `after`, oldest first.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.store.audit_entries(after, limit).await
    }

    /// The whole audit chain checked with the key and against the anchor.
    pub async fn verify_audit(
        &self,
    ) -> StoreResult<Result<crate::audit::Checked, crate::audit::Broken>> {
        self.store.verify_audit().await
    }

    /// The audit entries about one incident, oldest first.
    pub async fn incident_audit(&self, incident_id: Uuid) -> StoreResult<Vec<AuditEntry>> {
        self.store.incident_audit(incident_id).await
    }

    /// The rules of every jurisdiction (or of one, by code), the district's
    /// own pack as loaded in place of the embedded one.
    /// The federal packs' rules laid into the district's pack are listed
    /// under their own (federal) jurisdiction, once.
    pub fn rules(&self, jurisdiction: Option<&str>) -> RuleList {
        let federal: std::collections::BTreeSet<&str> = RulePack::embedded_all()
            .iter()
            .filter(|pack| pack.federal)
            .flat_map(|pack| pack.rules.iter().map(|rule| rule.id.as_str()))
            .collect();
        let mut own = self.settings.engine.pack.clone();
        own.rules.retain(|rule| !federal.contains(rule.id.as_str()));
        let own = &own;
        let packs = RulePack::embedded_all()
            .iter()
            .filter(|pack| !pack.jurisdiction.eq_ignore_ascii_case(&own.jurisdiction))
            .chain(std::iter::once(own));
        let mut jurisdictions: Vec<_> = packs
            .filter(|pack| {
                jurisdiction.is_none_or(|code| pack.jurisdiction.eq_ignore_ascii_case(code.trim()))
            })
            .map(views::jurisdiction)
            .collect();
        jurisdictions.sort_by(|a, b| a.code.cmp(&b.code));
        RuleList { jurisdictions }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn database_ready(&self) -> StoreResult<()> {
        self.store.ready().await
    }
}
