//! The part of `impl Store` that every backend writes alike: each method
//! forwards to the function of the same name in the backend's concept file
//! (`incidents::incident`, `jobs::claim`, …), or, for a write transaction
//! both backends run alike, in `store::writes` (`writes::incidents::create`),
//! or, for a plain read both run alike, in `store::reads`.
//! One macro instead of two copies, so a new `Store` method is forwarded
//! once, for both backends.

/// `impl Store` for a backend: the methods it writes itself (`migrate`,
/// `ready`, …), then the ones every backend forwards alike to its concept
/// files (`incidents::incident`, `jobs::claim`, …), which the macro names so
/// that each backend resolves them in its own folder, or to the shared
/// write transactions (`writes::…`) and reads (`reads::…`).
macro_rules! store_impl {
    ($store:ty, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl Store for $store {
            $($own)*

    async fn idempotent_response(
        &self,
        caller: &str,
        key: &str,
    ) -> StoreResult<Option<StoredResponse>> {
        $crate::store::reads::incidents::idempotent_response(self, caller, key).await
    }

    async fn create_incident(
        &self,
        incident: &IncidentRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<CreateOutcome> {
        $crate::store::writes::incidents::create(self, incident, obligations, jobs, idempotency).await
    }

    async fn incident(&self, id: Uuid) -> StoreResult<Option<IncidentRecord>> {
        $crate::store::reads::incidents::incident(self, id).await
    }

    async fn list_incidents(
        &self,
        status: Option<IncidentStatusFilter>,
        now: DateTime<Utc>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<IncidentSummary>> {
        $crate::store::reads::incidents::list(self, status, now, limit, offset).await
    }

    async fn record_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        facts: Option<&$crate::domain::incident::ReportedFacts>,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        $crate::store::writes::incidents::record_event(
            self,
            incident_id,
            expected_version,
            event,
            facts,
            obligations,
            jobs,
        )
        .await
    }

    async fn correct_event(
        &self,
        incident_id: Uuid,
        expected_version: i64,
        event: &EventRecord,
        previous: DateTime<Utc>,
        reason: &str,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
    ) -> StoreResult<()> {
        let change = $crate::store::writes::incidents::EventChange::Corrected { previous, reason };
        $crate::store::writes::incidents::change_event(
            self,
            incident_id,
            expected_version,
            event,
            change,
            obligations,
            jobs,
        )
        .await
    }

    async fn obligation(&self, id: Uuid) -> StoreResult<Option<ObligationRecord>> {
        $crate::store::reads::obligations::obligation(self, id).await
    }

    async fn incident_obligations(&self, incident_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        $crate::store::reads::obligations::of_incident(self, incident_id).await
    }

    async fn list_obligations(
        &self,
        filter: &ObligationFilter,
    ) -> StoreResult<Vec<ObligationWithIncident>> {
        $crate::store::reads::obligations::list(self, filter).await
    }

    async fn settle_obligation(
        &self,
        id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<SettleOutcome> {
        $crate::store::writes::obligations::settle(self, id, settlement, by, now).await
    }

    async fn unsettled_obligations(&self) -> StoreResult<Vec<ObligationRecord>> {
        $crate::store::reads::obligations::unsettled(self).await
    }

    async fn enqueue(&self, jobs: &[NewJob], now: DateTime<Utc>) -> StoreResult<u64> {
        $crate::store::writes::jobs::enqueue(self, jobs, now).await
    }

    async fn claim_jobs_where(
        &self,
        kinds: JobKinds,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        jobs::claim(self, kinds, now, lease_until, worker, limit).await
    }

    async fn next_job_at_where(&self, kinds: JobKinds) -> StoreResult<Option<DateTime<Utc>>> {
        $crate::store::reads::jobs::next_at(self, kinds).await
    }

    async fn finish_job(
        &self,
        id: Uuid,
        worker: &str,
        state: JobState,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::writes::jobs::finish(self, id, worker, state, error, now).await
    }

    async fn finish_jobs(&self, ends: &[JobEnd], now: DateTime<Utc>) -> StoreResult<Vec<bool>> {
        $crate::store::writes::jobs::finish_many(self, ends, now).await
    }

    async fn reschedule_job(
        &self,
        id: Uuid,
        worker: &str,
        due_at: DateTime<Utc>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        jobs::reschedule(self, id, worker, due_at, error, now).await
    }

    async fn renew_lease(
        &self,
        id: Uuid,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::writes::jobs::renew_lease(self, id, worker, lease_until).await
    }

    async fn later_reminder_due(
        &self,
        obligation_id: Uuid,
        order: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::reads::jobs::later_reminder_due(self, obligation_id, order, now).await
    }

    async fn fold_reminders(
        &self,
        leaders: &[$crate::store::Job],
        worker: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Vec<$crate::store::FoldedReminder>>> {
        $crate::store::writes::jobs::fold_reminders_many(self, leaders, worker, now).await
    }

    async fn folded_by(
        &self,
        leader: &$crate::store::Job,
        named: Vec<$crate::store::FoldedReminder>,
    ) -> StoreResult<Vec<$crate::store::FoldedReminder>> {
        $crate::store::writes::jobs::folded_by(self, leader, named).await
    }

    async fn cancel_obligation_jobs(
        &self,
        obligation_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        $crate::store::writes::jobs::cancel_for_obligation(self, obligation_id, now).await
    }

    async fn incident_jobs(&self, incident_id: Uuid) -> StoreResult<Vec<Job>> {
        jobs::of_incident(self, incident_id).await
    }

    async fn jobs_in(&self, states: &[JobState]) -> StoreResult<Vec<Job>> {
        $crate::store::reads::jobs::in_states(self, states).await
    }

    async fn retry_job(&self, id: Uuid, by: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        $crate::store::writes::jobs::retry(self, id, by, now).await
    }

    async fn ensure_emails(&self, emails: &[NewEmail], now: DateTime<Utc>) -> StoreResult<()> {
        $crate::store::writes::emails::ensure(self, emails, now).await
    }

    async fn job_emails(&self, job_id: Uuid) -> StoreResult<Vec<EmailRecord>> {
        $crate::store::reads::emails::of_job(self, job_id).await
    }

    async fn record_attempts(&self, attempts: &[Attempt]) -> StoreResult<()> {
        emails::record_attempts(self, attempts).await
    }

    async fn attempt_recorder(&self) -> StoreResult<Box<dyn AttemptRecorder>> {
        emails::recorder(self).await
    }

    async fn replace_roster(
        &self,
        record: &RosterImportRecord,
        source: &mut dyn RosterPages,
    ) -> StoreResult<bool> {
        $crate::store::writes::roster::replace(self, record, source).await
    }

    async fn latest_roster_import(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Option<RosterImportRecord>> {
        $crate::store::reads::roster::latest_import(self, incident_id).await
    }

    async fn unreachable_students(&self, incident_id: Uuid) -> StoreResult<Vec<(String, String)>> {
        $crate::store::reads::roster::unreachable(self, incident_id).await
    }

    async fn roster_languages(&self, incident_id: Uuid) -> StoreResult<Vec<Option<String>>> {
        $crate::store::reads::roster::languages(self, incident_id).await
    }

    async fn notice_coverage(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<$crate::domain::coverage::CoverageReport> {
        $crate::store::reads::coverage::report(self, incident_id).await
    }

    async fn incidents_with_roster(&self) -> StoreResult<std::collections::BTreeSet<Uuid>> {
        $crate::store::reads::coverage::incidents_with_roster(self).await
    }

    async fn email(&self, id: Uuid) -> StoreResult<Option<EmailRecord>> {
        $crate::store::reads::bounces::email(self, id).await
    }

    async fn record_bounce(&self, bounce: &$crate::store::NewBounce) -> StoreResult<bool> {
        $crate::store::writes::bounces::record(self, bounce).await
    }

    async fn incident_bounces(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::BounceRecord>> {
        $crate::store::reads::bounces::of_incident(self, incident_id).await
    }

    async fn follow_up_incidents(&self) -> StoreResult<std::collections::BTreeSet<Uuid>> {
        $crate::store::reads::bounces::follow_up_incidents(self).await
    }

    async fn record_student_marks(
        &self,
        incident_id: Uuid,
        marks: &[$crate::domain::coverage::StudentMark],
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        $crate::store::writes::coverage::record_marks(self, incident_id, marks, by, now).await
    }

    async fn ensure_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<()> {
        $crate::store::writes::notices::ensure_draft(self, draft).await
    }

    async fn update_notice_draft(&self, draft: &NoticeRecord) -> StoreResult<bool> {
        $crate::store::writes::notices::update_draft(self, draft).await
    }

    async fn notice(&self, incident_id: Uuid) -> StoreResult<Option<NoticeRecord>> {
        $crate::store::reads::notices::notice(self, incident_id).await
    }

    async fn approve_notice(
        &self,
        incident_id: Uuid,
        by: &str,
        now: DateTime<Utc>,
        chunk_size: u64,
        message_domain: &str,
    ) -> StoreResult<ApproveOutcome> {
        $crate::store::writes::notices::approve(self, incident_id, by, now, chunk_size, message_domain).await
    }

    async fn family_deliveries_due(
        &self,
        incident_id: Uuid,
        chunk: i64,
        now: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<FamilyDelivery>> {
        notices::deliveries_due(self, incident_id, chunk, now, after, limit).await
    }

    async fn family_unsettled(&self, incident_id: Uuid) -> StoreResult<bool> {
        $crate::store::reads::notices::family_unsettled(self, incident_id).await
    }

    async fn family_chunk_pending(
        &self,
        incident_id: Uuid,
        chunk: i64,
    ) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        $crate::store::reads::notices::chunk_pending(self, incident_id, chunk).await
    }

    async fn delivery_counts(&self, incident_id: Uuid) -> StoreResult<Vec<(EmailStatus, i64)>> {
        $crate::store::reads::notices::delivery_counts(self, incident_id).await
    }

    async fn deliveries(
        &self,
        incident_id: Uuid,
        status: Option<EmailStatus>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<EmailRecord>> {
        notices::deliveries(self, incident_id, status, after, limit).await
    }

    async fn mark_published(
        &self,
        incident_id: Uuid,
        public: &serde_json::Value,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        $crate::store::writes::notices::mark_published(self, incident_id, public, url, at).await
    }

    async fn published_notices(&self) -> StoreResult<Vec<serde_json::Value>> {
        notices::published(self).await
    }

    async fn obligation_counts(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(ObligationStatus, i64)>> {
        obligations::counts(self, now).await
    }

    async fn queue_depth(&self, now: DateTime<Utc>) -> StoreResult<(i64, i64)> {
        jobs::queue_depth(self, now).await
    }

    async fn audit_entries(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        $crate::store::reads::audit::after(self, after, limit).await
    }

    async fn incident_audit(&self, incident_id: Uuid) -> StoreResult<Vec<AuditEntry>> {
        $crate::store::reads::audit::of_incident(self, incident_id).await
    }

    async fn append_audit(&self, entry: &NewAudit) -> StoreResult<()> {
        $crate::store::writes::audit::append_alone(self, entry).await
    }

    async fn create_token(
        &self,
        token: &$crate::store::TokenRecord,
        audit: &NewAudit,
    ) -> StoreResult<$crate::store::TokenCreated> {
        $crate::store::writes::access::create_token(self, token, audit).await
    }

    async fn tokens(&self) -> StoreResult<Vec<$crate::store::TokenRecord>> {
        $crate::store::reads::access::tokens(self).await
    }

    async fn active_token(&self, sha256: &str) -> StoreResult<Option<$crate::store::TokenRecord>> {
        $crate::store::reads::access::active_token(self, sha256).await
    }

    async fn revoke_token(
        &self,
        name: &str,
        at: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool> {
        $crate::store::writes::access::revoke_token(self, name, at, audit).await
    }

    async fn create_session(
        &self,
        session: &$crate::store::SessionRecord,
        idle_since: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::access::create_session(self, session, idle_since, audit).await
    }

    async fn current_session(
        &self,
        secret_sha256: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<$crate::store::SessionRecord>> {
        $crate::store::reads::access::current_session(self, secret_sha256, now, idle_since).await
    }

    async fn touch_session(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        $crate::store::reads::access::touch_session(self, id, now).await
    }

    async fn sessions(
        &self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Vec<$crate::store::SessionRecord>> {
        $crate::store::reads::access::sessions(self, now, idle_since).await
    }

    async fn end_session(
        &self,
        id: &str,
        audit: &NewAudit,
    ) -> StoreResult<Option<$crate::store::SessionRecord>> {
        $crate::store::writes::access::end_session(self, id, audit).await
    }

    async fn end_subject_sessions(&self, subject: &str, audit: &NewAudit) -> StoreResult<u64> {
        $crate::store::writes::access::end_subject_sessions(self, subject, audit).await
    }

    async fn begin_sign_in(
        &self,
        attempt: &$crate::store::SignInAttempt,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        $crate::store::writes::access::begin_sign_in(self, attempt, stale_before).await
    }

    async fn take_sign_in(
        &self,
        state_sha256: &str,
    ) -> StoreResult<Option<$crate::store::SignInAttempt>> {
        $crate::store::writes::access::take_sign_in(self, state_sha256).await
    }

    async fn create_vendor(
        &self,
        record: &$crate::store::VendorRecord,
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::vendors::create(self, record, audit).await
    }

    async fn update_vendor(
        &self,
        record: &$crate::store::VendorRecord,
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::vendors::update(self, record, audit).await
    }

    async fn vendor(&self, id: Uuid) -> StoreResult<Option<$crate::store::VendorRecord>> {
        $crate::store::reads::vendors::vendor(self, id).await
    }

    async fn vendors(&self) -> StoreResult<Vec<$crate::store::VendorRecord>> {
        $crate::store::reads::vendors::all(self).await
    }

    async fn put_site_files(&self, files: &[$crate::store::SiteFileRecord]) -> StoreResult<()> {
        $crate::store::writes::site::put_files(self, files).await
    }

    async fn site_file(&self, name: &str) -> StoreResult<Option<$crate::store::SiteFileRecord>> {
        $crate::store::reads::site::file(self, name).await
    }

    async fn record_website_check(
        &self,
        check: &$crate::store::WebsiteCheckRecord,
    ) -> StoreResult<()> {
        $crate::store::writes::site::record_check(self, check).await
    }

    async fn website_checks(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::WebsiteCheckRecord>> {
        $crate::store::reads::site::checks(self, incident_id).await
    }

    async fn delivery_attempts(
        &self,
        incident_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::DeliveryAttemptRecord>> {
        $crate::store::reads::site::delivery_attempts(self, incident_id).await
    }

    async fn create_privacy_request(
        &self,
        record: &$crate::store::PrivacyRequestRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::requests::create(self, record, obligations, jobs, audit).await
    }

    async fn update_privacy_request(
        &self,
        record: &$crate::store::PrivacyRequestRecord,
        settle: Option<&$crate::store::Settlement>,
        jobs: &[NewJob],
        audit: &NewAudit,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        $crate::store::writes::requests::update(self, record, settle, jobs, audit, now).await
    }

    async fn privacy_request(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<$crate::store::PrivacyRequestRecord>> {
        $crate::store::reads::requests::request(self, id).await
    }

    async fn privacy_requests(
        &self,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<$crate::store::PrivacyRequestRecord>> {
        $crate::store::reads::requests::page(self, limit, offset).await
    }

    async fn request_obligations(&self, request_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        $crate::store::reads::requests::obligations(self, request_id).await
    }

    async fn create_consent_campaign(
        &self,
        campaign: &$crate::store::ConsentCampaignRecord,
        students: &[$crate::store::ConsentStudent],
        guardians: &[$crate::store::ConsentGuardianRecord],
        jobs: &[NewJob],
        audit: &$crate::audit::NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::consent::create(self, campaign, students, guardians, jobs, audit).await
    }

    async fn consent_campaign(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<$crate::store::ConsentCampaignRecord>> {
        $crate::store::reads::consent::campaign(self, id).await
    }

    async fn consent_campaigns(
        &self,
        vendor_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::ConsentCampaignRecord>> {
        $crate::store::reads::consent::campaigns(self, vendor_id).await
    }

    async fn consent_students(
        &self,
        campaign_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::ConsentStudent>> {
        $crate::store::reads::consent::students(self, campaign_id).await
    }

    async fn consent_guardians(
        &self,
        campaign_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::ConsentGuardianRecord>> {
        $crate::store::reads::consent::guardians(self, campaign_id).await
    }

    async fn consent_guardian(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<$crate::store::ConsentGuardianRecord>> {
        $crate::store::reads::consent::guardian(self, id).await
    }

    async fn consent_answers(
        &self,
        campaign_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::ConsentAnswerRecord>> {
        $crate::store::reads::consent::answers(self, campaign_id).await
    }

    async fn record_consent_answers(
        &self,
        link_of: Option<&$crate::store::ConsentGuardianRecord>,
        answers: &[$crate::store::ConsentAnswerRecord],
        audit: &$crate::audit::NewAudit,
    ) -> StoreResult<$crate::store::AnswerOutcome> {
        $crate::store::writes::consent::record(self, link_of, answers, audit).await
    }

    async fn create_contract_roster(
        &self,
        roster: &$crate::store::ContractRosterRecord,
        guardians: &[$crate::store::ContractGuardian],
        jobs: &[NewJob],
        audit: &$crate::audit::NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::contract_rosters::create(self, roster, guardians, jobs, audit).await
    }

    async fn contract_roster(
        &self,
        contract_id: Uuid,
    ) -> StoreResult<Option<$crate::store::ContractRosterRecord>> {
        $crate::store::reads::contract_rosters::roster(self, contract_id).await
    }

    async fn contract_guardians(
        &self,
        contract_id: Uuid,
    ) -> StoreResult<Vec<$crate::store::ContractGuardian>> {
        $crate::store::reads::contract_rosters::guardians(self, contract_id).await
    }

    async fn put_document(
        &self,
        owner: $crate::store::DocumentOwner,
        document: &$crate::store::Document,
        content: &[u8],
        jobs: &[NewJob],
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::documents::put(self, owner, document, content, jobs, audit).await
    }

    async fn documents(
        &self,
        owner: $crate::store::DocumentOwner,
    ) -> StoreResult<Vec<$crate::store::Document>> {
        $crate::store::reads::documents::all(self, owner).await
    }

    async fn document(
        &self,
        owner: $crate::store::DocumentOwner,
        owner_id: Uuid,
    ) -> StoreResult<Option<($crate::store::Document, Vec<u8>)>> {
        $crate::store::reads::documents::one(self, owner, owner_id).await
    }

    async fn create_contract(
        &self,
        record: &$crate::store::ContractRecord,
        obligations: &[ObligationRecord],
        jobs: &[NewJob],
        audit: &NewAudit,
    ) -> StoreResult<()> {
        $crate::store::writes::contracts::create(self, record, obligations, jobs, audit).await
    }

    async fn contract(&self, id: Uuid) -> StoreResult<Option<$crate::store::ContractRecord>> {
        $crate::store::reads::contracts::contract(self, id).await
    }

    async fn contracts(&self) -> StoreResult<Vec<$crate::store::ContractRecord>> {
        $crate::store::reads::contracts::all(self).await
    }

    async fn contract_obligations(&self, contract_id: Uuid) -> StoreResult<Vec<ObligationRecord>> {
        $crate::store::reads::contracts::obligations(self, contract_id).await
    }

    async fn mark_contract_published(
        &self,
        contract_id: Uuid,
        url: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        $crate::store::writes::contracts::mark_published(self, contract_id, url, at).await
    }

    async fn settle_contract_obligation(
        &self,
        contract_id: Uuid,
        obligation_id: Uuid,
        settlement: &Settlement,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::writes::contracts::settle(self, contract_id, obligation_id, settlement, by, now).await
    }

    async fn request_contract_amendment(
        &self,
        contract_id: Uuid,
        at: DateTime<Utc>,
        note: Option<&str>,
        completes: &[Uuid],
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::writes::contracts::request_amendment(self, contract_id, at, note, completes, by, now).await
    }

    async fn amend_contract(
        &self,
        record: &$crate::store::ContractRecord,
        waives: &[Uuid],
        reason: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        $crate::store::writes::contracts::amend(self, record, waives, reason, by, now).await
    }

    async fn audit_head(&self) -> StoreResult<Option<$crate::audit::Anchor>> {
        $crate::store::reads::audit::head(self).await
    }

    async fn verify_audit(
        &self,
    ) -> StoreResult<Result<$crate::audit::Checked, $crate::audit::Broken>> {
        $crate::store::reads::audit::verify(self, &self.seal).await
    }
        }
    };
}
