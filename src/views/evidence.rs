//! The evidence export of one incident: everything a board needs to prove
//! compliance, as one document. The export reads the records; this shapes
//! them.

use super::incident::Incident;
use super::notice::{delivery_summary, notice, Notice};
use super::roster::{roster_import_summary, RosterImportSummary};
use super::{maybe_time, time};
use crate::store::{EmailStatus, NoticeRecord, RosterImportRecord};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The evidence export of one incident.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Evidence {
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub district: String,
    pub jurisdiction: String,
    /// The IANA zone every timestamp is given in.
    pub timezone: &'static str,
    pub incident: Incident,
    /// The audit log's entries about this incident, in order.
    pub timeline: Vec<AuditEntry>,
    pub audit_chain: AuditChain,
    /// Null before the notice is drafted.
    pub notice: Option<Notice>,
    /// Null before a roster is imported.
    pub roster: Option<RosterImportSummary>,
    /// Delivery status → how many.
    #[schema(value_type = BTreeMap<String, u64>)]
    pub deliveries: BTreeMap<String, i64>,
    /// Null until the website notice is published.
    pub publication: Option<Publication>,
    /// Each affected student's coverage: the counts, the students needing a
    /// letter and those covered by one or by an exception (null before a
    /// roster is imported). The zip adds it as CSV files.
    pub coverage: Option<super::Letters>,
    /// Family notices the mail server accepted and a bounce (DSN) later
    /// returned, with what the bounce said, oldest first. The zip adds
    /// them as `bounces.csv`.
    pub bounces: Vec<EvidenceBounce>,
}

/// One bounce: the address, the DSN's status code and diagnostic text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceBounce {
    pub address: String,
    #[serde(flatten)]
    pub bounce: super::DeliveryBounce,
}

/// The incident's bounces as the evidence lists them.
pub fn evidence_bounces(bounces: &[crate::store::BounceRecord], zone: Tz) -> Vec<EvidenceBounce> {
    bounces
        .iter()
        .map(|b| EvidenceBounce {
            address: b.recipient.clone(),
            bounce: super::DeliveryBounce::new(b, zone),
        })
        .collect()
}

/// One entry of the hash-chained audit log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    #[schema(minimum = 0)]
    pub seq: i64,
    #[schema(format = DateTime)]
    pub at: String,
    /// The token name (or `scheduler`) that made the change.
    pub actor: String,
    /// e.g. `incident.filed`, `obligation.completed`.
    pub action: String,
    pub subject: Option<String>,
    pub details: serde_json::Value,
    /// SHA-256 over the previous entry's hash and this entry.
    pub hash: String,
    /// HMAC-SHA256 of the entry's number and hash under the audit key
    /// (absent for entries older than the key).
    pub mac: Option<String>,
}

/// The audit chain's verification, done during the export.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditChain {
    pub verified: bool,
    #[schema(minimum = 0)]
    pub entries_checked: i64,
    /// The first broken entry, when the chain is not intact.
    pub broken: Option<BrokenEntry>,
    /// The chain's head when verified: keep it (with the export) to prove
    /// later that the log reached this entry.
    pub head: Option<AuditHead>,
    /// The anchor outside the database the chain was checked against.
    pub anchored: Option<AuditHead>,
}

/// An entry of the chain by its number and MAC (HMAC-SHA256, hex).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditHead {
    #[schema(minimum = 0)]
    pub entry: i64,
    pub mac: String,
}

impl From<crate::audit::Anchor> for AuditHead {
    fn from(anchor: crate::audit::Anchor) -> Self {
        Self {
            entry: anchor.seq,
            mac: anchor.mac,
        }
    }
}

impl AuditChain {
    pub fn new(chain: Result<crate::audit::Checked, crate::audit::Broken>) -> Self {
        match chain {
            Ok(checked) => Self {
                verified: true,
                entries_checked: checked.entries,
                broken: None,
                head: checked.head.map(AuditHead::from),
                anchored: checked.anchored.map(AuditHead::from),
            },
            Err(broken) => Self {
                verified: false,
                entries_checked: broken.seq - 1,
                broken: Some(BrokenEntry {
                    entry: broken.seq,
                    reason: broken.reason,
                }),
                head: None,
                anchored: None,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokenEntry {
    #[schema(minimum = 0)]
    pub entry: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publication {
    pub url: String,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    /// Whether the page was seen at `url` (`publish.verify`), in words too.
    pub website: super::WebsiteStatus,
    /// Every fetch of the page at `url`, oldest first (the zip has them
    /// as `website-checks.csv` too).
    pub checks: Vec<super::WebsiteCheck>,
}

/// What the export read about the incident, besides the incident itself.
pub struct EvidenceRecords {
    pub district: String,
    pub jurisdiction: String,
    pub timeline: Vec<crate::audit::AuditEntry>,
    pub audit_chain: AuditChain,
    pub notice: Option<NoticeRecord>,
    pub roster: Option<RosterImportRecord>,
    pub delivery_counts: Vec<(EmailStatus, i64)>,
    /// `publish.verify`.
    pub verify: bool,
    /// The fetches of the notice page at its public address, oldest first.
    pub website_checks: Vec<crate::store::WebsiteCheckRecord>,
}

pub fn evidence(
    incident: Incident,
    records: EvidenceRecords,
    now: DateTime<Utc>,
    zone: Tz,
) -> Evidence {
    let timeline = records
        .timeline
        .into_iter()
        .map(|entry| AuditEntry {
            seq: entry.seq,
            at: time(entry.at, zone),
            actor: entry.actor,
            action: entry.action,
            subject: entry.subject,
            details: entry.details,
            hash: entry.hash,
            mac: entry.mac,
        })
        .collect();
    let publication = records.notice.as_ref().and_then(|n| {
        n.published_url.clone().map(|url| Publication {
            url,
            published_at: maybe_time(n.published_at, zone),
            website: super::website_status(n, records.verify, &records.website_checks, zone),
            checks: records
                .website_checks
                .iter()
                .map(|check| super::website_check(check, zone))
                .collect(),
        })
    });
    Evidence {
        generated_at: time(now, zone),
        district: records.district,
        jurisdiction: records.jurisdiction,
        timezone: zone.name(),
        incident,
        timeline,
        audit_chain: records.audit_chain,
        notice: records.notice.as_ref().map(|n| notice(n, zone)),
        roster: records.roster.map(|r| roster_import_summary(r, zone)),
        deliveries: delivery_summary(&records.delivery_counts),
        publication,
        coverage: None,
        bounces: Vec::new(),
    }
}
