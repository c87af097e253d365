//! Use cases on incidents: filing a report, recording a clock event,
//! completing or waiving an obligation. Each one derives obligations with the
//! rules engine and hands the store one atomic write; a change that starts
//! the families' clock drafts their notice (`notices`).

use super::checks::{check, event_order, unknown_event};
use super::{Context, ServiceError, FUTURE_TOLERANCE};
use crate::domain::incident::breach_at;
use crate::domain::{ClockEvent, DelayRequest, FieldError, NewIncident, Subject, Timestamp};
use crate::rules::{Engine, IncidentFacts, ObligationPlan, Overlay};
use crate::scheduler::planning::reminder_jobs;
use crate::store::{
    CreateOutcome, EventRecord, IdempotencyRecord, IncidentRecord, NewJob, ObligationRecord,
    SettleOutcome, Settlement, StoreError, StoredResponse, EVENT_COMPLETION_NOTE,
};
use crate::views::{self, Ids};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest reason a correction accepts (as a waiver's).
const MAX_REASON_CHARS: usize = 5000;

/// The incident and its obligations after a change.
#[derive(Debug)]
pub struct ObligationsAfter {
    pub incident: IncidentRecord,
    pub obligations: Vec<ObligationRecord>,
}

/// The answer to a filing: new, or the first answer to a repeated key.
#[derive(Debug)]
pub struct Filed {
    pub response: StoredResponse,
    pub replayed: bool,
}

impl Context {
    pub async fn file(
        &self,
        new: NewIncident,
        caller: &str,
        idempotency: Option<(String, String)>,
    ) -> Result<Filed, ServiceError> {
        let now = self.clock.now();
        check(&self.settings.engine, &new, now).map_err(ServiceError::Invalid)?;
        let extra = self.vendor_overlays(new.contractor.as_deref()).await?;
        let (incident, obligations) = draft_with(
            &self.settings.engine,
            &new,
            Uuid::now_v7(),
            caller,
            now,
            &extra,
        );
        let jobs = reminder_jobs(&obligations, &self.settings.escalation, now);
        let planned: Vec<_> = jobs.iter().map(|job| job.as_planned(now)).collect();
        let body = serde_json::to_string(&views::incident(
            &incident,
            &obligations,
            &planned,
            now,
            self.settings.timezone,
            Ids::Shown,
        ))
        .expect("an incident view serializes: strings, numbers and string-keyed maps");
        let idempotency = idempotency.map(|(key, request_hash)| IdempotencyRecord {
            caller: caller.to_owned(),
            key,
            response: StoredResponse {
                request_hash,
                status: 201,
                body: body.clone(),
            },
        });
        match self
            .store
            .create_incident(&incident, &obligations, &jobs, idempotency.as_ref())
            .await?
        {
            CreateOutcome::Created => {
                crate::metrics::incident_filed();
                self.wake.wake();
                self.after_change(&incident, &obligations, now).await?;
                tracing::info!(incident_id = %incident.id, obligations = obligations.len(), "incident filed");
                Ok(Filed {
                    response: StoredResponse {
                        request_hash: String::new(),
                        status: 201,
                        body,
                    },
                    replayed: false,
                })
            }
            CreateOutcome::Replayed(first) => Ok(Filed {
                response: first,
                replayed: true,
            }),
        }
    }

    /// Drafts the family notice once its clock starts; sends it by itself
    /// where the district configured `auto_send` and a roster is in.
    async fn after_change(
        &self,
        incident: &IncidentRecord,
        obligations: &[ObligationRecord],
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        if super::notices::on_obligations_changed(
            self.store.as_ref(),
            &self.settings,
            incident,
            obligations,
            now,
        )
        .await?
        {
            super::notices::auto_approve(self, incident.id).await?;
        }
        Ok(())
    }

    pub async fn incident(
        &self,
        id: Uuid,
    ) -> Result<(IncidentRecord, Vec<ObligationRecord>), ServiceError> {
        let incident = self
            .store
            .incident(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let obligations = self.store.incident_obligations(id).await?;
        Ok((incident, obligations))
    }

    /// Records a clock event and recomputes the incident's obligations.
    /// Returns false when the same event at the same instant was already
    /// recorded (a retry), true when it was recorded now.
    pub async fn record_event(
        &self,
        id: Uuid,
        kind: ClockEvent,
        at: Timestamp,
        by: &str,
    ) -> Result<bool, ServiceError> {
        self.record_event_with(id, kind, at, None, by).await
    }

    /// As `record_event`; `delay` gives a law-enforcement request's details
    /// with its `delay_requested` event.
    pub async fn record_event_with(
        &self,
        id: Uuid,
        kind: ClockEvent,
        at: Timestamp,
        delay: Option<DelayRequest>,
        by: &str,
    ) -> Result<bool, ServiceError> {
        if delay.is_some() && kind.as_str() != ClockEvent::DELAY_REQUESTED {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "delay",
                "goes only with the delay_requested event",
            )]));
        }
        if let Some(reason) = unknown_event(&self.settings.engine, &kind) {
            return Err(ServiceError::Invalid(vec![FieldError::new("kind", reason)]));
        }
        let now = self.clock.now();
        if at.utc() > now + FUTURE_TOLERANCE {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "at",
                "must not be in the future",
            )]));
        }
        // Optimistic concurrency: a concurrent event makes the write fail;
        // re-read and recompute with both.
        for _ in 0..8 {
            let (incident, existing) = self.incident(id).await?;
            if let Some(previous) = incident.events.iter().find(|event| event.kind == kind) {
                if previous.at == at.utc() {
                    return Ok(false);
                }
                return Err(ServiceError::Conflict(format!(
                    "{kind} was already recorded at another time; it cannot be changed"
                )));
            }
            let discovered = incident
                .events
                .iter()
                .find(|e| e.kind.as_str() == ClockEvent::DISCOVERED)
                .map(|e| e.at);
            if discovered.is_some_and(|discovered| at.utc() < discovered) {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "at",
                    "must not be before the discovered event",
                )]));
            }
            let event = EventRecord {
                kind: kind.clone(),
                at: at.utc(),
                recorded_at: now,
                recorded_by: by.to_owned(),
            };
            let mut recorded = incident.clone();
            recorded.events.push(event.clone());
            if let Some(delay) = &delay {
                recorded.facts.delay = Some(delay.clone());
            }
            let facts = delay.as_ref().map(|_| &recorded.facts);
            let extra = self.vendor_overlays(incident.contractor.as_deref()).await?;
            let (obligations, jobs) = self.replan(&recorded, &existing, by, now, &extra);
            match self
                .store
                .record_event(id, incident.version, &event, facts, &obligations, &jobs)
                .await
            {
                Ok(()) => {
                    self.wake.wake();
                    let (incident, obligations) = self.incident(id).await?;
                    self.after_change(&incident, &obligations, now).await?;
                    tracing::info!(incident_id = %id, event = %kind, "clock event recorded");
                    return Ok(true);
                }
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ServiceError::Conflict(
            "the incident is being changed concurrently; try again".into(),
        ))
    }

    /// Corrects the time of a recorded clock event (admin): the old and new
    /// times and the reason are audited, every dependent obligation is
    /// recomputed and its reminders re-planned; reminders already sent stay
    /// in the record.
    pub async fn correct_event(
        &self,
        id: Uuid,
        kind: ClockEvent,
        at: Timestamp,
        reason: &str,
        by: &str,
    ) -> Result<ObligationsAfter, ServiceError> {
        let now = self.clock.now();
        let mut errors = Vec::new();
        if at.utc() > now + FUTURE_TOLERANCE {
            errors.push(FieldError::new("at", "must not be in the future"));
        }
        if reason.trim().is_empty() {
            errors.push(FieldError::new(
                "reason",
                "is required: say why, for the record",
            ));
        } else if reason.chars().count() > MAX_REASON_CHARS {
            errors.push(FieldError::new(
                "reason",
                format!("must be at most {MAX_REASON_CHARS} characters"),
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        for _ in 0..8 {
            let (incident, existing) = self.incident(id).await?;
            let Some(previous) = incident.events.iter().find(|event| event.kind == kind) else {
                return Err(ServiceError::Conflict(format!(
                    "{kind} was not recorded for this incident; record it instead of correcting it"
                )));
            };
            let previous_at = previous.at;
            if previous_at == at.utc() {
                return Err(ServiceError::Conflict(format!(
                    "{kind} is already recorded at that time"
                )));
            }
            let mut corrected = incident.clone();
            for event in &mut corrected.events {
                if event.kind == kind {
                    event.at = at.utc();
                    event.recorded_at = now;
                    event.recorded_by = by.to_owned();
                }
            }
            if let Err(errors) = event_order(&corrected) {
                return Err(ServiceError::Invalid(errors));
            }
            let event = corrected
                .events
                .iter()
                .find(|event| event.kind == kind)
                .cloned()
                .expect("the corrected event is the one found above");
            let extra = self.vendor_overlays(incident.contractor.as_deref()).await?;
            let (obligations, jobs) = self.replan(&corrected, &existing, by, now, &extra);
            match self
                .store
                .correct_event(
                    id,
                    incident.version,
                    &event,
                    previous_at,
                    reason.trim(),
                    &obligations,
                    &jobs,
                )
                .await
            {
                Ok(()) => {
                    self.wake.wake();
                    let (incident, obligations) = self.incident(id).await?;
                    self.after_change(&incident, &obligations, now).await?;
                    tracing::info!(incident_id = %id, event = %kind, "clock event corrected");
                    return Ok(ObligationsAfter {
                        incident,
                        obligations,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ServiceError::Conflict(
            "the incident is being changed concurrently; try again".into(),
        ))
    }

    /// The obligations `incident` (with its events as they will stand)
    /// derives, keeping the ids of `existing`, and their reminders, planned
    /// for the obligations as they will stand: a completion or waiver
    /// already recorded is kept by the store.
    fn replan(
        &self,
        incident: &IncidentRecord,
        existing: &[ObligationRecord],
        by: &str,
        now: DateTime<Utc>,
        extra: &[Overlay],
    ) -> (Vec<ObligationRecord>, Vec<NewJob>) {
        let facts = facts_of_record(&self.settings.engine, incident);
        let plans = self.settings.engine.evaluate_with(&facts, now, extra);
        let obligations = records_from_plans(incident.id, &plans, existing, by, now);
        let standing: Vec<_> = obligations
            .iter()
            .map(|o| {
                let mut o = o.clone();
                if let Some(old) = existing.iter().find(|old| old.kind == o.kind) {
                    if old.completion_note.as_deref() != Some(EVENT_COMPLETION_NOTE) {
                        o.completed_at = old.completed_at.or(o.completed_at);
                    }
                    o.waived_at = old.waived_at;
                }
                o
            })
            .collect();
        let jobs = reminder_jobs(&standing, &self.settings.escalation, now);
        (obligations, jobs)
    }

    /// The breach-notice clause of the registered vendor `contractor`
    /// names, as overlays of the engine (none when it names no registered
    /// vendor with a signed agreement).
    async fn vendor_overlays(
        &self,
        contractor: Option<&str>,
    ) -> Result<Vec<Overlay>, ServiceError> {
        let link = self.vendor_of(contractor).await?;
        Ok(super::vendors::clause_overlays(
            &link,
            &self.settings.engine,
        ))
    }

    pub async fn settle(
        &self,
        id: Uuid,
        settlement: Settlement,
        by: &str,
    ) -> Result<ObligationRecord, ServiceError> {
        let now = self.clock.now();
        if let Settlement::Complete { at, .. } = &settlement {
            if *at > now + FUTURE_TOLERANCE {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "at",
                    "must not be in the future",
                )]));
            }
            // A duty cannot be met before its clock started: backdating a
            // completion to before discovery would turn a late notice into
            // one on time.
            let started = self
                .store
                .obligation(id)
                .await?
                .and_then(|obligation| obligation.clock_started_at);
            if let Some(started) = started.filter(|started| at < started) {
                return Err(ServiceError::Invalid(vec![FieldError::new(
                    "at",
                    format!(
                        "must not be before the obligation's clock started ({})",
                        crate::domain::timestamp::format_in_zone(started, self.settings.timezone)
                    ),
                )]));
            }
        }
        match self
            .store
            .settle_obligation(id, &settlement, by, now)
            .await?
        {
            SettleOutcome::Settled(record) => {
                tracing::info!(obligation_id = %id, status = %record.status(now), "obligation settled");
                Ok(record)
            }
            SettleOutcome::NotFound => Err(ServiceError::NotFound),
            SettleOutcome::AlreadySettled(record) => Err(ServiceError::Conflict(format!(
                "the obligation is already {}",
                record.status(now)
            ))),
        }
    }
}

/// The incident and obligations a report would create, without storing
/// anything (also what `breachd deadlines` shows).
pub fn draft(
    engine: &Engine,
    new: &NewIncident,
    id: Uuid,
    filed_by: &str,
    now: DateTime<Utc>,
) -> (IncidentRecord, Vec<ObligationRecord>) {
    draft_with(engine, new, id, filed_by, now, &[])
}

/// As `draft`, with the sources the registry adds (a vendor's clause).
pub fn draft_with(
    engine: &Engine,
    new: &NewIncident,
    id: Uuid,
    filed_by: &str,
    now: DateTime<Utc>,
    extra: &[Overlay],
) -> (IncidentRecord, Vec<ObligationRecord>) {
    let classification = engine.classify(&new.data_elements);
    let facts = engine.facts_of(new, &classification);
    // The events as reported, not as the rules derive them.
    let reported = [
        (ClockEvent::discovered(), Some(new.discovered_at)),
        (ClockEvent::board_notified(), new.board_notified_at),
    ];
    let others = new
        .events
        .iter()
        .map(|(kind, at)| (kind.clone(), Some(*at)));
    let events = reported
        .into_iter()
        .chain(others)
        .filter_map(|(kind, at)| {
            Some(EventRecord {
                kind: kind.clone(),
                at: at?.utc(),
                recorded_at: now,
                recorded_by: filed_by.to_owned(),
            })
        })
        .collect();
    let incident = IncidentRecord {
        id,
        title: new.title.clone(),
        description: new.description.clone(),
        contractor: new.contractor.clone(),
        own_systems: new.own_systems,
        data_elements: new.data_elements.clone(),
        classification,
        affected_students: new.affected_students,
        facts: new.facts(),
        filed_by: filed_by.to_owned(),
        created_at: now,
        version: 0,
        events,
    };
    let plans = engine.evaluate_with(&facts, now, extra);
    let obligations = records_from_plans(id, &plans, &[], filed_by, now);
    (incident, obligations)
}

/// The engine's view of a stored incident.
pub fn facts_of_record(engine: &Engine, incident: &IncidentRecord) -> IncidentFacts {
    let events: BTreeMap<ClockEvent, DateTime<Utc>> = incident
        .events
        .iter()
        .map(|event| (event.kind.clone(), event.at))
        .collect();
    let facts = IncidentFacts::new(
        breach_at(incident.contractor.is_some(), incident.own_systems),
        incident.contractor.clone(),
        incident.classification.classes.clone(),
        events,
    );
    engine.facts_with(
        facts,
        incident.affected_students,
        &incident.facts,
        &incident.classification,
    )
}

/// Turns plans into records, keeping the ids of obligations that exist.
pub fn records_from_plans(
    incident_id: Uuid,
    plans: &[ObligationPlan],
    existing: &[ObligationRecord],
    by: &str,
    now: DateTime<Utc>,
) -> Vec<ObligationRecord> {
    records_for(Subject::Incident(incident_id), plans, existing, by, now)
}

/// As `records_from_plans`, for the duties of any subject (an incident's,
/// or a privacy request's).
pub fn records_for(
    subject: Subject,
    plans: &[ObligationPlan],
    existing: &[ObligationRecord],
    by: &str,
    now: DateTime<Utc>,
) -> Vec<ObligationRecord> {
    plans
        .iter()
        .map(|plan| {
            let id = existing
                .iter()
                .find(|record| record.kind == plan.kind)
                .map_or_else(Uuid::now_v7, |record| record.id);
            let completing_event = plan.completed_by_event_at;
            ObligationRecord {
                id,
                subject,
                kind: plan.kind.clone(),
                title: plan.title.clone(),
                party: plan.party,
                recipient: plan.recipient.clone(),
                clock: plan.clock.clone(),
                clock_started_at: plan.clock_started_at,
                due_at: plan.due_at,
                due_kind: plan.due_kind,
                on_hold: plan.on_hold,
                rolled_due_at: plan.rolled_due_at,
                sources: plan.sources.clone(),
                completed_at: completing_event,
                completion_note: completing_event.map(|_| EVENT_COMPLETION_NOTE.to_owned()),
                completed_by: completing_event.map(|_| by.to_owned()),
                waived_at: None,
                waive_reason: None,
                waived_by: None,
                updated_at: now,
            }
        })
        .collect()
}
