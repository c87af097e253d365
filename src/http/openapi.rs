//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` attributes and served at `GET /api/v1/openapi.json`.
//!
//! The document is public, like `/livez`: it describes the API and holds no
//! district data, and a client (or a person with `curl`) needs it before it
//! has a token. Every other `/api/v1` route needs one; [`BearerEverywhere`]
//! states that once, for every operation, instead of in each handler.
//!
//! Most handlers build their answers as `serde_json::Value` (the shapes in
//! `crate::views` are shared with the CLI), so the schemas below are
//! documentation-only mirrors of those shapes. `tests/router_walk.rs` compares
//! them with real answers, and the router's routes with the documented ones,
//! so neither can drift unnoticed.

use super::{data_elements, health, incidents, notices, obligations};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

/// The prefix of every authenticated route.
pub const API_PREFIX: &str = "/api/v1";

/// The name of the bearer-token security scheme in the document.
pub const BEARER: &str = "bearer";

/// The content type of every error answer (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "breachd",
        description = "Student-data breach notification deadlines: file incidents, \
            track the obligations the law derives from them, and notify families. \
            Every `/api/v1` route needs `Authorization: Bearer <token>` (401 without \
            a valid token, 403 when the token's role may not do it); this document \
            itself (`GET /api/v1/openapi.json`), `/livez`, `/readyz` and `/metrics` are public. \
            Errors are RFC 9457 `application/problem+json`. Timestamps are RFC 3339 \
            with a UTC offset; answers give them in the district's time zone."
    ),
    paths(
        incidents::file,
        incidents::list,
        incidents::get,
        incidents::record_event,
        obligations::list,
        obligations::get,
        obligations::complete,
        obligations::waive,
        data_elements::list,
        notices::import_roster,
        notices::roster,
        notices::notice,
        notices::edit_notice,
        notices::approve,
        notices::deliveries,
        super::evidence::evidence,
        health::livez,
        health::readyz,
        super::metrics::metrics,
    ),
    modifiers(&BearerEverywhere),
    tags(
        (name = "incidents", description = "Breach reports, their clock events and deadlines"),
        (name = "obligations", description = "Who must notify whom, by when, under which citation"),
        (name = "notices", description = "The notice to families: roster, wording, approval, deliveries"),
        (name = "taxonomy", description = "The data elements breachd recognises and their classes"),
        (name = "health", description = "Liveness and readiness, public"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer scheme and, on every operation under [`API_PREFIX`],
/// requires it and documents the 401 answer. Done here rather than in each
/// handler's attribute so that a new route cannot forget it.
struct BearerEverywhere;

impl Modify for BearerEverywhere {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token made with `breachd token new --role ROLE --name NAME`; \
                         the configuration holds only its SHA-256.",
                    ))
                    .build(),
            ),
        );
        let unauthorized = ResponseBuilder::new()
            .description(
                "No valid token: the header is missing or malformed, or the token is unknown",
            )
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with(API_PREFIX) {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                operation.security =
                    Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
                operation
                    .responses
                    .responses
                    .entry("401".to_owned())
                    .or_insert_with(|| RefOr::T(unauthorized.clone()));
            }
        }
    }
}

/// The document, generated once: it depends only on the code.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the document serializes: string-keyed maps of plain data")
});

/// `GET /api/v1/openapi.json`, public: the API's description, no data.
pub async fn document() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

// Documentation-only schemas: the shapes the handlers build as JSON values.
// Field docs become the schema's descriptions.

/// An RFC 9457 problem document; every error answer is one.
#[derive(ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDoc {
    /// Always `about:blank`: the status and title say it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    /// For invalid input (422): every bad field, each with its reason.
    #[serde(default)]
    pub errors: Vec<FieldErrorDoc>,
}

/// One problem with one field; never echoes the submitted value.
#[derive(ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorDoc {
    /// The field, e.g. `discovered_at` or `data_elements[2]`.
    pub field: String,
    pub reason: String,
}

/// A breach report (`POST /api/v1/incidents`). Unknown fields are refused: a
/// mistyped `board_notified_at` would otherwise silently drop a clock.
#[derive(ToSchema)]
#[schema(as = NewIncident)]
#[serde(deny_unknown_fields)]
pub struct NewIncidentDoc {
    #[schema(max_length = 300, example = "SIS vendor unauthorized access")]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    /// The vendor holding the data; omit for the district's own systems.
    #[schema(max_length = 300)]
    pub contractor: Option<String>,
    /// True for a breach of the district's own systems (no contractor).
    pub own_systems: Option<bool>,
    #[schema(format = DateTime, example = "2024-12-28T09:00:00-05:00")]
    pub discovered_at: String,
    /// Not before `discovered_at`.
    #[schema(format = DateTime)]
    pub board_notified_at: Option<String>,
    /// What was exposed; unknown names are classed `student_information`.
    #[schema(min_items = 1, max_items = 500, example = json!(["student_name", "ssn"]))]
    pub data_elements: Vec<String>,
    pub affected_students: Option<u64>,
}

/// The four classes of student data the law distinguishes.
#[derive(ToSchema)]
#[schema(as = DataClass)]
#[serde(rename_all = "snake_case")]
pub enum DataClassDoc {
    DirectoryInformation,
    StudentInformation,
    StudentRecords,
    StudentGeneratedContent,
}

#[derive(ToSchema)]
#[schema(as = ObligationStatus)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatusDoc {
    /// Its clock event has not happened yet (`due_at` is null).
    Pending,
    Open,
    Overdue,
    /// Completed on or before its due time.
    Done,
    /// Completed after its due time.
    Late,
    Waived,
}

#[derive(ToSchema)]
#[schema(as = OpenClosed)]
#[serde(rename_all = "snake_case")]
pub enum OpenClosedDoc {
    /// Some obligation is not settled.
    Open,
    /// Every obligation is done, late or waived.
    Closed,
}

/// What the submitted data elements were classed as.
#[derive(ToSchema)]
#[schema(as = Classification)]
pub struct ClassificationDoc {
    pub classes: Vec<DataClassDoc>,
    pub elements: Vec<ClassifiedElementDoc>,
    /// Elements the taxonomy does not know, classed `student_information`.
    pub needs_review: Vec<String>,
}

#[derive(ToSchema)]
#[schema(as = ClassifiedElement)]
pub struct ClassifiedElementDoc {
    /// As submitted.
    pub name: String,
    /// The taxonomy's name for it; null when unknown.
    pub canonical: Option<String>,
    pub class: DataClassDoc,
}

/// One source of an obligation (statute, board policy, contract clause)
/// with its own due time; the obligation's due time is the earliest.
#[derive(ToSchema)]
#[schema(as = Source)]
pub struct SourceDoc {
    #[schema(example = "us-ct/contractor-notifies-board/30d")]
    pub rule: String,
    #[schema(example = "Conn. Gen. Stat. § 10-234dd")]
    pub citation: String,
    pub source_url: Option<String>,
    pub description: Option<String>,
    /// `48h` (elapsed hours), `30d` (calendar days) or `2bd` (business days).
    #[schema(example = "30d")]
    pub within: String,
    #[schema(example = "30 calendar days")]
    pub within_description: String,
    /// The clock event that starts it, e.g. `discovered`.
    pub clock: String,
    #[schema(format = DateTime)]
    pub clock_started_at: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
}

/// A planned, sent, skipped or cancelled reminder of an obligation.
#[derive(ToSchema)]
#[schema(as = Reminder)]
pub struct ReminderDoc {
    /// The escalation step, e.g. `opened`, `50%`, `due`.
    pub step: Option<String>,
    #[schema(format = DateTime)]
    pub planned_at: String,
    /// `planned`, `sent`, `skipped`, `cancelled` or `failed`.
    pub state: String,
    /// Sent (or due to be sent) later than planned.
    pub late: bool,
    /// The contact roles it goes to.
    pub roles: Option<Vec<String>>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

/// One party's duty to notify another by a deadline.
#[derive(ToSchema)]
#[schema(as = Obligation)]
pub struct ObligationDoc {
    pub id: uuid::Uuid,
    pub incident_id: uuid::Uuid,
    #[schema(example = "contractor_notifies_board")]
    pub kind: String,
    pub title: String,
    /// `contractor` or `district`.
    pub party: String,
    pub recipient: String,
    pub status: ObligationStatusDoc,
    /// The clock event of the operative source.
    pub clock: String,
    #[schema(format = DateTime)]
    pub clock_started_at: Option<String>,
    /// The earliest due time of the sources; null while pending.
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    /// "2d 3h left", "5h 12m overdue"; only while unsettled with a due time.
    pub time_left: Option<String>,
    pub sources: Vec<SourceDoc>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    pub completion_note: Option<String>,
    #[schema(format = DateTime)]
    pub waived_at: Option<String>,
    pub waive_reason: Option<String>,
    /// Only within an incident.
    pub reminders: Option<Vec<ReminderDoc>>,
    /// Only in the list across incidents.
    pub incident_title: Option<String>,
}

/// An incident with its classification and obligations (also the answer of
/// `breachd deadlines --json`, without ids).
#[derive(ToSchema)]
#[schema(as = Incident)]
pub struct IncidentDoc {
    pub id: uuid::Uuid,
    pub title: String,
    pub description: Option<String>,
    pub contractor: Option<String>,
    pub own_systems: bool,
    pub affected_students: Option<u64>,
    pub data_elements: Vec<String>,
    pub status: OpenClosedDoc,
    /// The name of the token that filed it.
    pub filed_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Clock event name → when it happened.
    pub events: BTreeMap<String, String>,
    pub classification: ClassificationDoc,
    pub obligations: Vec<ObligationDoc>,
}

/// One incident in the list.
#[derive(ToSchema)]
#[schema(as = IncidentSummary)]
pub struct IncidentSummaryDoc {
    pub id: uuid::Uuid,
    pub title: String,
    pub contractor: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub status: OpenClosedDoc,
    pub overdue: bool,
    pub unsettled_obligations: u64,
    #[schema(format = DateTime)]
    pub next_due_at: Option<String>,
    /// Clock event name → when it happened.
    pub events: BTreeMap<String, String>,
    pub classes: Vec<DataClassDoc>,
}

/// Incidents, newest first.
#[derive(ToSchema)]
#[schema(as = IncidentList)]
pub struct IncidentListDoc {
    pub incidents: Vec<IncidentSummaryDoc>,
    pub limit: u64,
    pub offset: u64,
}

/// A clock event (`POST /api/v1/incidents/{id}/events`).
#[derive(ToSchema)]
#[schema(as = ClockEventBody)]
#[serde(deny_unknown_fields)]
pub struct ClockEventBodyDoc {
    /// Lowercase letters, digits and underscores, e.g. `board_notified`,
    /// `families_notified`, `website_posted`; not `discovered`.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "board_notified")]
    pub kind: String,
    #[schema(format = DateTime, example = "2025-01-07T14:00:00-05:00")]
    pub at: String,
}

/// Obligations across incidents, soonest first.
#[derive(ToSchema)]
#[schema(as = ObligationList)]
pub struct ObligationListDoc {
    pub obligations: Vec<ObligationDoc>,
    /// The daemon's clock, in the district's zone.
    #[schema(format = DateTime)]
    pub now: String,
}

/// Completes an obligation: done, or late after its due time.
#[derive(ToSchema)]
#[schema(as = CompleteBody)]
#[serde(deny_unknown_fields)]
pub struct CompleteBodyDoc {
    /// When it was done; now when omitted.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// Waives an obligation.
#[derive(ToSchema)]
#[schema(as = WaiveBody)]
#[serde(deny_unknown_fields)]
pub struct WaiveBodyDoc {
    #[schema(max_length = 5000)]
    pub reason: String,
}

/// The taxonomy as this district configured it.
#[derive(ToSchema)]
#[schema(as = DataElements)]
pub struct DataElementsDoc {
    pub elements: Vec<DataElementDoc>,
    pub classes: Vec<DataClassDescriptionDoc>,
    /// What happens to an element the taxonomy does not know.
    pub unknown_elements: String,
}

#[derive(ToSchema)]
#[schema(as = DataElement)]
pub struct DataElementDoc {
    /// The canonical name.
    pub name: String,
    pub class: DataClassDoc,
    /// Other names matched to it.
    pub aliases: Vec<String>,
}

#[derive(ToSchema)]
#[schema(as = DataClassDescription)]
pub struct DataClassDescriptionDoc {
    pub class: DataClassDoc,
    pub description: String,
}

/// A student named in a roster.
#[derive(ToSchema)]
#[schema(as = Student)]
pub struct StudentDoc {
    pub student_id: String,
    pub name: String,
}

/// A roster row that could not be used, and why.
#[derive(ToSchema)]
#[schema(as = RejectedRow)]
pub struct RejectedRowDoc {
    pub file: String,
    /// 1-based line where the row starts; the header is line 1.
    pub line: u64,
    /// What is wrong, without repeating the row's personal data.
    pub reason: String,
}

/// What a roster import found.
#[derive(ToSchema)]
#[schema(as = RosterImport)]
pub struct RosterImportDoc {
    /// `oneroster-1.1`, `oneroster-1.2` or `plain-csv`.
    pub format: String,
    pub students: u64,
    /// Distinct guardian addresses; each gets one message.
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    /// For a paper letter: the students no guardian can be emailed about.
    pub unreachable_students: Vec<StudentDoc>,
    pub rejected_rows: u64,
    /// The first rejected rows, in file order.
    pub rejected: Vec<RejectedRowDoc>,
}

/// The latest roster import of an incident.
#[derive(ToSchema)]
#[schema(as = RosterState)]
pub struct RosterStateDoc {
    /// Null before any import.
    pub import: Option<RosterImportSummaryDoc>,
    pub unreachable_students: Vec<StudentDoc>,
}

#[derive(ToSchema)]
#[schema(as = RosterImportSummary)]
pub struct RosterImportSummaryDoc {
    pub format: String,
    pub students: u64,
    pub recipients: u64,
    pub students_without_reachable_guardian: u64,
    pub rejected_rows: u64,
    #[schema(format = DateTime)]
    pub imported_at: String,
    pub imported_by: String,
}

/// The notice to families: a draft until an administrator approves it.
#[derive(ToSchema)]
#[schema(as = Notice)]
pub struct NoticeDoc {
    pub what_happened: String,
    pub what_we_are_doing: String,
    pub what_families_can_do: String,
    pub contact: String,
    #[schema(format = DateTime)]
    pub drafted_at: String,
    /// `draft` or `approved`.
    pub state: String,
    #[schema(format = DateTime)]
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    /// How many guardians it goes to, once approved.
    pub recipients: Option<u64>,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    pub published_url: Option<String>,
}

/// New wording for the draft notice; omitted fields keep theirs.
#[derive(ToSchema)]
#[schema(as = NoticeEdit)]
#[serde(deny_unknown_fields)]
pub struct NoticeEditDoc {
    #[schema(max_length = 20000)]
    pub what_happened: Option<String>,
    #[schema(max_length = 20000)]
    pub what_we_are_doing: Option<String>,
    #[schema(max_length = 20000)]
    pub what_families_can_do: Option<String>,
    #[schema(max_length = 20000)]
    pub contact: Option<String>,
}

/// What approving the notice planned.
#[derive(ToSchema)]
#[schema(as = Approval)]
pub struct ApprovalDoc {
    /// One message per guardian address.
    pub recipients: u64,
    pub chunks: u64,
    /// It was approved before: this answer repeats it.
    pub already_approved: bool,
    pub published_url: Option<String>,
}

/// The family notice's deliveries, one row per recipient.
#[derive(ToSchema)]
#[schema(as = Deliveries)]
pub struct DeliveriesDoc {
    /// Delivery status → how many.
    pub summary: BTreeMap<String, u64>,
    pub deliveries: Vec<DeliveryDoc>,
    /// Pass as `after` for the next page; null on the last.
    pub next_after: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = Delivery)]
pub struct DeliveryDoc {
    pub address: String,
    /// `queued`, `sent`, `deferred` or `failed`.
    pub status: String,
    pub attempts: u64,
    /// The last SMTP reply.
    pub last_reply: Option<String>,
    pub message_id: Option<String>,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
}

/// The evidence export of one incident.
#[derive(ToSchema)]
#[schema(as = Evidence)]
pub struct EvidenceDoc {
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub district: String,
    pub jurisdiction: String,
    /// The IANA zone every timestamp is given in.
    pub timezone: String,
    pub incident: IncidentDoc,
    /// The audit log's entries about this incident, in order.
    pub timeline: Vec<AuditEntryDoc>,
    pub audit_chain: AuditChainDoc,
    /// Null before the notice is drafted.
    pub notice: Option<NoticeDoc>,
    /// Null before a roster is imported.
    pub roster: Option<RosterImportSummaryDoc>,
    /// Delivery status → how many.
    pub deliveries: BTreeMap<String, u64>,
    /// Null until the website notice is published.
    pub publication: Option<PublicationDoc>,
}

/// One entry of the hash-chained audit log.
#[derive(ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditEntryDoc {
    pub seq: u64,
    #[schema(format = DateTime)]
    pub at: String,
    /// The token name (or `scheduler`) that made the change.
    pub actor: String,
    /// e.g. `incident.filed`, `obligation.completed`.
    pub action: String,
    pub subject: Option<String>,
    pub details: Option<serde_json::Value>,
    /// SHA-256 over the previous entry's hash and this entry.
    pub hash: String,
}

/// The audit chain's verification, done during the export.
#[derive(ToSchema)]
#[schema(as = AuditChain)]
pub struct AuditChainDoc {
    pub verified: bool,
    pub entries_checked: u64,
    /// The first broken entry, when the chain is not intact.
    pub broken: Option<BrokenEntryDoc>,
}

#[derive(ToSchema)]
#[schema(as = BrokenEntry)]
pub struct BrokenEntryDoc {
    pub entry: u64,
    pub reason: String,
}

#[derive(ToSchema)]
#[schema(as = Publication)]
pub struct PublicationDoc {
    pub url: String,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
}

/// Liveness or readiness.
#[derive(ToSchema)]
#[schema(as = Health)]
pub struct HealthDoc {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// Why it is not ready.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DataClass, ObligationStatus};
    use serde_json::Value;

    fn document() -> Value {
        serde_json::from_str(&DOCUMENT).expect("the document is JSON")
    }

    fn enum_values(document: &Value, schema: &str) -> Vec<String> {
        document["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} is an enum"))
            .iter()
            .map(|v| v.as_str().expect("enum values are strings").to_owned())
            .collect()
    }

    /// The documentation-only enums list exactly what the domain knows.
    #[test]
    fn documented_enums_match_the_domain() {
        let document = document();
        let classes: Vec<String> = DataClass::ALL.iter().map(|c| c.to_string()).collect();
        assert_eq!(enum_values(&document, "DataClass"), classes);
        let statuses: Vec<String> = ObligationStatus::ALL
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(enum_values(&document, "ObligationStatus"), statuses);
    }

    #[test]
    fn every_api_operation_requires_the_bearer_token() {
        let document = document();
        let paths = document["paths"].as_object().expect("paths");
        assert!(paths.keys().any(|p| p.starts_with(API_PREFIX)));
        for (path, item) in paths {
            for (method, operation) in item.as_object().expect("a path item") {
                let security = &operation["security"];
                if path.starts_with(API_PREFIX) {
                    assert_eq!(
                        security,
                        &serde_json::json!([{ BEARER: [] }]),
                        "{method} {path}"
                    );
                    assert!(operation["responses"]["401"].is_object(), "{method} {path}");
                } else {
                    assert!(security.is_null(), "{method} {path} is public");
                }
            }
        }
    }
}
