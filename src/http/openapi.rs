//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` attributes and served at `GET /api/v1/openapi.json`.
//!
//! The document is public, like `/livez`: it describes the API and holds no
//! district data, and a client (or a person with `curl`) needs it before it
//! has a token. Every other `/api/v1` route needs one; [`BearerEverywhere`]
//! states that once, for every operation, instead of in each handler.
//!
//! The schemas come from the types the handlers serialize (`crate::views`,
//! [`super::problem::Problem`]) and from the request types, so the document
//! cannot describe a shape the API does not give. `tests/router_walk.rs`
//! still compares them with real answers, and the router's routes with the
//! documented ones.

use super::problem::Problem;
use super::{
    closing, data_elements, health, incidents, notice_edit, notice_preview, notices, obligations,
};
use axum::http::header;
use axum::response::{IntoResponse, Response};
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
        incidents::correct_event,
        obligations::list,
        obligations::get,
        obligations::complete,
        obligations::waive,
        data_elements::list,
        super::rules::list,
        notices::import_roster,
        notices::roster,
        notices::notice,
        notice_edit::edit_notice,
        closing::withdraw,
        closing::merge,
        notice_preview::preview,
        notice_preview::send_test,
        notices::approve,
        notices::deliveries,
        super::letters::letters,
        super::letters::mailed,
        super::letters::exception,
        super::evidence::evidence,
        super::vendors::register,
        super::vendors::list,
        super::vendors::get,
        super::vendors::update,
        super::vendor_documents::upload,
        super::vendor_documents::download,
        super::consent::start,
        super::consent::list,
        super::consent::get,
        super::consent::answer,
        super::contracts::file,
        super::contracts::list,
        super::contracts::upload_roster,
        super::contracts::get,
        super::contracts::request_amendment,
        super::contracts::amend,
        super::contract_documents::upload,
        super::contract_documents::download,
        super::jobs::list,
        super::jobs::retry,
        super::requests::file,
        super::requests::list,
        super::requests::get,
        super::requests::assign,
        super::requests::answer,
        super::requests::close,
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
        (name = "vendors", description = "The vendor registry: agreements and their breach-notice clauses"),
        (name = "requests", description = "Families' privacy requests and their response duties"),
        (name = "rules", description = "The law as data: every jurisdiction's rules, cited, dated and marked verified or not"),
        (name = "jobs", description = "The job queue: dead jobs and their retry (admin)"),
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
                    .schema(Some(Ref::from_schema_name(Problem::name())))
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

    /// The enums list exactly what the domain knows.
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
        assert_eq!(
            enum_values(&document, "EmailStatus"),
            ["queued", "sent", "deferred", "failed", "bounced"]
        );
    }

    /// The report's schema lists the fields the parser accepts, with the
    /// parser's limits (the schema attributes take literals only).
    #[test]
    fn the_new_incident_schema_matches_the_parser() {
        use crate::domain::incident::{
            FIELDS, MAX_DATA_ELEMENTS, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS,
        };
        let document = document();
        let schema = &document["components"]["schemas"]["NewIncident"];
        let properties = schema["properties"].as_object().expect("properties");
        let mut documented: Vec<&str> = properties.keys().map(String::as_str).collect();
        let mut accepted = FIELDS.to_vec();
        documented.sort_unstable();
        accepted.sort_unstable();
        assert_eq!(documented, accepted);
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(properties["title"]["maxLength"], MAX_TITLE_CHARS);
        assert_eq!(properties["contractor"]["maxLength"], MAX_TITLE_CHARS);
        assert_eq!(
            properties["description"]["maxLength"],
            MAX_DESCRIPTION_CHARS
        );
        assert_eq!(properties["data_elements"]["maxItems"], MAX_DATA_ELEMENTS);
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
