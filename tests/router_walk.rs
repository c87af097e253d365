//! The router walk: no `/api/v1` route is left open, and the OpenAPI
//! document describes exactly the routes the router serves.
//!
//! Three lists of the API's (method, path) pairs must agree: the routes
//! `api_routes()` registers (read from `src/http/mod.rs` itself), the
//! operations the served OpenAPI document lists, and [`API_ROUTES`] below. A
//! route added without documentation, or documented without being served,
//! fails here. Every documented operation is then called without a token and
//! with wrong ones and must answer 401 with a problem document. CORS stays
//! off: no answer carries `Access-Control-Allow-Origin`.

mod common;

use common::{spawn_app, TestApp, ADMIN, REPORTER, VIEWER};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The router's source, scanned for the routes of `api_routes()`.
const HTTP_MOD_RS: &str = include_str!("../src/http/mod.rs");

/// Every `/api/v1` route, by hand: a change to the API shows up in review
/// here as well as in the document.
const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/data-elements"),
    ("GET", "/api/v1/incidents"),
    ("POST", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{id}"),
    ("GET", "/api/v1/incidents/{id}/deliveries"),
    ("GET", "/api/v1/incidents/{id}/evidence"),
    ("POST", "/api/v1/incidents/{id}/events"),
    ("POST", "/api/v1/incidents/{id}/events/{kind}/correct"),
    ("GET", "/api/v1/incidents/{id}/letters"),
    ("POST", "/api/v1/incidents/{id}/letters/mailed"),
    ("POST", "/api/v1/incidents/{id}/letters/exception"),
    ("GET", "/api/v1/incidents/{id}/notice"),
    ("PUT", "/api/v1/incidents/{id}/notice"),
    ("POST", "/api/v1/incidents/{id}/notice/approve"),
    ("GET", "/api/v1/incidents/{id}/notice/preview"),
    ("POST", "/api/v1/incidents/{id}/notice/test"),
    ("POST", "/api/v1/incidents/{id}/withdraw"),
    ("POST", "/api/v1/incidents/{id}/merge"),
    ("GET", "/api/v1/incidents/{id}/roster"),
    ("POST", "/api/v1/incidents/{id}/roster"),
    ("GET", "/api/v1/obligations"),
    ("GET", "/api/v1/obligations/{id}"),
    ("GET", "/api/v1/rules"),
    ("POST", "/api/v1/obligations/{id}/complete"),
    ("POST", "/api/v1/obligations/{id}/waive"),
    ("GET", "/api/v1/vendors"),
    ("POST", "/api/v1/vendors"),
    ("GET", "/api/v1/vendors/{id}"),
    ("PUT", "/api/v1/vendors/{id}"),
    ("POST", "/api/v1/vendors/{id}/document"),
    ("GET", "/api/v1/vendors/{id}/document"),
    ("POST", "/api/v1/vendors/{id}/consent-campaigns"),
    ("GET", "/api/v1/vendors/{id}/consent-campaigns"),
    ("GET", "/api/v1/consent-campaigns/{id}"),
    ("POST", "/api/v1/consent-campaigns/{id}/answers"),
    ("GET", "/api/v1/contracts"),
    ("POST", "/api/v1/contracts"),
    ("GET", "/api/v1/contracts/{id}"),
    ("POST", "/api/v1/contracts/{id}/amendment-request"),
    ("POST", "/api/v1/contracts/{id}/amendment"),
    ("POST", "/api/v1/contracts/{id}/document"),
    ("POST", "/api/v1/contracts/{id}/roster"),
    ("GET", "/api/v1/contracts/{id}/document"),
    ("GET", "/api/v1/jobs"),
    ("POST", "/api/v1/jobs/{id}/retry"),
    ("GET", "/api/v1/requests"),
    ("POST", "/api/v1/requests"),
    ("GET", "/api/v1/requests/{id}"),
    ("POST", "/api/v1/requests/{id}/assign"),
    ("POST", "/api/v1/requests/{id}/answer"),
    ("POST", "/api/v1/requests/{id}/close"),
];

/// The public document; everything else under `/api/v1` needs a token.
const DOCUMENT: &str = "/api/v1/openapi.json";

type Routes = BTreeSet<(String, String)>;

/// Method routers as axum spells them, in `get(handler).post(handler)`.
const METHOD_ROUTERS: [&str; 9] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "any",
];

/// The (method, path) pairs `api_routes()` registers, read from its source
/// with a simple scan: each `.route("...", <method router>)`, the methods
/// being the `get(`/`post(`/... calls in the method router.
fn routes_in_source() -> Routes {
    let start = HTTP_MOD_RS
        .find("pub fn api_routes()")
        .expect("src/http/mod.rs defines api_routes()");
    let body = &HTTP_MOD_RS[start..];
    // The function ends at the first closing brace in the first column.
    let body = &body[..body.find("\n}").expect("api_routes() has an end")];
    for other in [".nest(", ".merge(", ".route_service(", ".nest_service("] {
        assert!(
            !body.contains(other),
            "api_routes() uses {other}: teach this scan to follow it"
        );
    }
    let mut routes = Routes::new();
    for (at, _) in body.match_indices(".route(") {
        let call = &body[at + ".route(".len()..];
        let open = call.find('"').expect("a route's path is a string literal");
        assert!(
            call[..open].trim().is_empty(),
            "a route's path is a literal"
        );
        let after_open = &call[open + 1..];
        let close = after_open.find('"').expect("the path literal ends");
        let path = format!("/api/v1{}", &after_open[..close]);
        // The method router runs to the parenthesis closing `.route(`.
        let rest = &after_open[close + 1..];
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(index, _)| index)
            .expect("the .route( call is closed");
        let method_router = &rest[..end];
        let mut methods = 0;
        for (index, _) in method_router.match_indices('(') {
            let before = &method_router[..index];
            let name_start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let name = &before[name_start..];
            // `notices::get(` would be a handler call, not a method router.
            let qualified = before[..name_start].ends_with(':');
            if METHOD_ROUTERS.contains(&name) && !qualified {
                routes.insert((name.to_ascii_uppercase(), path.clone()));
                methods += 1;
            }
        }
        assert!(methods > 0, "no method found for {path}");
    }
    assert!(!routes.is_empty(), "the scan found no route");
    routes
}

fn hand_list() -> Routes {
    API_ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect()
}

/// The `/api/v1` operations the document lists.
fn documented(document: &Value) -> Routes {
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    let mut routes = Routes::new();
    for (path, item) in paths {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for method in item.as_object().expect("a path item").keys() {
            if METHOD_ROUTERS.contains(&method.as_str()) {
                routes.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    routes
}

async fn fetch_document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url(DOCUMENT))
        .send()
        .await
        .expect("request sent");
    assert_eq!(response.status(), 200, "the document is public");
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/json",
        "the document is JSON"
    );
    response.json().await.expect("the document parses")
}

/// The path with every `{parameter}` replaced by a fresh random id.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').expect("a parameter closes") + open;
        out.push_str(&rest[..open]);
        out.push_str(&uuid::Uuid::new_v4().to_string());
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A body that would be refused: were it read before the token is checked,
/// the answer would be 422, not 401.
const BROKEN_JSON: &str = "{\"not\": \"valid\"";

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let method = Method::from_bytes(method.as_bytes()).expect("an HTTP method");
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    if method == Method::POST || method == Method::PUT {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn the_document_describes_exactly_the_routes_served() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document"
    );
    let in_source = routes_in_source();
    let in_document = documented(&document);
    let by_hand = hand_list();
    assert_eq!(
        in_source.difference(&in_document).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served by api_routes() but missing from the OpenAPI document: add a \
         #[utoipa::path] to the handler and list it in src/http/openapi.rs"
    );
    assert_eq!(
        in_document.difference(&in_source).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not served by api_routes()"
    );
    assert_eq!(
        by_hand, in_source,
        "API_ROUTES in tests/router_walk.rs lists every /api/v1 route"
    );
    // The public health routes are documented too, without a token.
    for path in ["/livez", "/readyz"] {
        let operation = &document["paths"][path]["get"];
        assert!(operation.is_object(), "{path} is documented");
        assert!(operation["security"].is_null(), "{path} is public");
    }
    app.stop().await;
}

#[tokio::test]
async fn no_api_route_is_left_open() {
    // Every operation is called with wrong tokens from one address: more
    // failures than a guesser is allowed, so the limit is raised here (it is
    // tested on its own in tests/law_api.rs).
    let config =
        common::config::TestConfig::new().layer("[auth]\nfailed_sign_ins_burst = 100000\n");
    let app = common::spawn_app_with("2026-04-20T12:00:00-04:00", &config).await;
    let document = fetch_document(&app).await;
    let operations = documented(&document);
    assert!(operations.len() >= API_ROUTES.len());
    let wrong = [
        None,
        Some("Bearer not-a-token".to_owned()),
        Some("Bearer ".to_owned()),
        Some("Bearer".to_owned()),
        Some(format!("Basic {ADMIN}")),
        Some(format!("Token {ADMIN}")),
        Some(format!("Bearer {ADMIN}x")),
        Some(format!("Bearer {}", &ADMIN[..ADMIN.len() - 1])),
        Some(format!("Bearer {}", ADMIN.to_uppercase())),
    ];
    for (method, path) in &operations {
        let security = &document["paths"][path][method.to_ascii_lowercase()]["security"];
        assert_eq!(
            security,
            &json!([{ "bearer": [] }]),
            "{method} {path} is documented as needing the bearer token"
        );
        for authorization in &wrong {
            let url = concrete(path);
            let response = call(&app, method, &url, authorization.as_deref(), BROKEN_JSON).await;
            let status = response.status().as_u16();
            let content_type = response.headers().get(CONTENT_TYPE).cloned();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert_eq!(
                status, 401,
                "{method} {path} with Authorization {authorization:?} answered {status}: {body}"
            );
            assert_eq!(
                content_type.as_ref().and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{method} {path}"
            );
            assert_eq!(body["status"], 401, "{method} {path}: {body}");
            assert_eq!(body["title"], "Unauthorized", "{method} {path}: {body}");
        }
        // The walk reached a real route: with a valid token the answer is
        // the handler's, not the router's fallback or a method mismatch.
        let response = call(
            &app,
            method,
            &concrete(path),
            Some(&format!("Bearer {ADMIN}")),
            "{}",
        )
        .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            !matches!(status, 401 | 405) && body["detail"] != "no such route",
            "{method} {path} with the admin token answered {status}: {body}"
        );
    }
    app.stop().await;
}

/// The roles of docs/api.md, and the document's 403 answers with them: an
/// operation that documents 403 refuses a viewer, one that does not lets a
/// viewer through; a reporter may only file incidents and record events
/// beyond reading. The body is well-formed JSON: handlers check the role
/// after reading it, so a broken body would be answered 422 first.
#[tokio::test]
async fn roles_match_the_documented_403s() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let reporter_may = [
        ("POST", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents/{id}/events"),
        ("POST", "/api/v1/requests"),
        ("POST", "/api/v1/requests/{id}/assign"),
        ("POST", "/api/v1/requests/{id}/answer"),
        ("POST", "/api/v1/requests/{id}/close"),
    ];
    for (method, path) in documented(&document) {
        let operation = &document["paths"][&path][method.to_ascii_lowercase()];
        let forbids = operation["responses"]["403"].is_object();
        let as_viewer = call(
            &app,
            &method,
            &concrete(&path),
            Some(&format!("Bearer {VIEWER}")),
            "{}",
        )
        .await;
        assert_eq!(
            as_viewer.status() == 403,
            forbids,
            "{method} {path}: a viewer got {}, and the document {} 403",
            as_viewer.status(),
            if forbids { "lists" } else { "does not list" }
        );
        let reporter_allowed =
            method == "GET" && !forbids || reporter_may.contains(&(method.as_str(), path.as_str()));
        let as_reporter = call(
            &app,
            &method,
            &concrete(&path),
            Some(&format!("Bearer {REPORTER}")),
            "{}",
        )
        .await;
        assert_eq!(
            as_reporter.status() != 403,
            reporter_allowed,
            "{method} {path}: a reporter got {}",
            as_reporter.status()
        );
    }
    app.stop().await;
}

fn assert_no_cors(headers: &HeaderMap, what: &str) {
    let cors: Vec<&str> = headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| name.starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "{what} carries CORS headers {cors:?}");
}

/// No CORS layer: a browser on another origin can neither preflight nor
/// read an answer, so a token pasted into some web page stays useless there.
#[tokio::test]
async fn cors_is_off() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/incidents",
        "/api/v1/obligations",
        DOCUMENT,
        "/livez",
    ] {
        let preflight = app
            .client
            .request(Method::OPTIONS, app.url(path))
            .header("Origin", "https://evil.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .expect("request sent");
        assert!(
            !preflight.status().is_success(),
            "a preflight of {path} is not approved ({})",
            preflight.status()
        );
        assert_no_cors(preflight.headers(), &format!("the preflight of {path}"));
        let simple = app
            .client
            .get(app.url(path))
            .header("Origin", "https://evil.example")
            .bearer_auth(VIEWER)
            .send()
            .await
            .expect("request sent");
        assert_no_cors(simple.headers(), &format!("GET {path} from another origin"));
    }
    app.stop().await;
}

// -------------------------------------------------- documented shapes

/// The schema a JSON Schema fragment refers to, through arrays and
/// `oneOf`/`anyOf` (how an `Option` of a named schema is written).
fn referenced(schema: &Value) -> Option<&str> {
    if let Some(name) = schema["$ref"].as_str() {
        return name.strip_prefix("#/components/schemas/");
    }
    if let Some(items) = schema.get("items") {
        return referenced(items);
    }
    ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|key| schema[key].as_array())
        .flatten()
        .find_map(referenced)
}

/// Checks `value` against the named schema's properties: every key the
/// answer has is documented, every required property is there; recursing
/// into named schemas.
fn check_shape(document: &Value, name: &str, value: &Value, at: &str) {
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "{at}: no schema {name}");
    // A property referring to a schema may hold a list of them, or null.
    if let Some(items) = value.as_array() {
        for (index, item) in items.iter().enumerate() {
            check_shape(document, name, item, &format!("{at}[{index}]"));
        }
        return;
    }
    if value.is_null() {
        return;
    }
    if let Some(values) = schema["enum"].as_array() {
        assert!(
            values.contains(value),
            "{at}: {value} is not one of {name} {values:?}"
        );
        return;
    }
    let Some(object) = value.as_object() else {
        panic!("{at}: {value} is not a {name}");
    };
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{at}: {name} has properties"));
    for key in object.keys() {
        assert!(
            properties.contains_key(key),
            "{at}: the answer has {key:?}, which schema {name} does not document"
        );
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let key = required.as_str().expect("required names are strings");
        assert!(
            object.contains_key(key),
            "{at}: schema {name} requires {key:?}, which the answer lacks"
        );
    }
    for (key, property) in properties {
        if let (Some(inner), Some(child)) = (referenced(property), object.get(key)) {
            check_shape(document, inner, child, &format!("{at}.{key}"));
        }
    }
}

/// The documentation-only schemas follow what the handlers really answer.
#[tokio::test]
async fn documented_shapes_match_real_answers() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let incident = app
        .file(&json!({
            "title": "SIS vendor unauthorized access",
            "contractor": "Vendor Inc.",
            "discovered_at": "2026-04-01T09:00:00-04:00",
            "data_elements": ["student_name", "ssn", "shoe size"],
            "affected_students": 12
        }))
        .await;
    check_shape(&document, "Incident", &incident, "POST /incidents");
    let id = incident["id"].as_str().expect("an id");
    let (status, recorded) = app
        .post(
            &format!("/api/v1/incidents/{id}/events"),
            REPORTER,
            &json!({"kind": "board_notified", "at": "2026-04-02T10:00:00-04:00"}),
        )
        .await;
    assert_eq!(status, 201, "{recorded}");
    check_shape(&document, "Incident", &recorded, "POST /events");
    let obligation = recorded["obligations"][0]["id"]
        .as_str()
        .expect("an obligation");
    for (path, schema) in [
        (format!("/api/v1/incidents/{id}"), "Incident"),
        ("/api/v1/incidents".to_owned(), "IncidentList"),
        ("/api/v1/obligations".to_owned(), "ObligationList"),
        (format!("/api/v1/obligations/{obligation}"), "Obligation"),
        ("/api/v1/data-elements".to_owned(), "DataElements"),
        (format!("/api/v1/incidents/{id}/roster"), "RosterState"),
        (format!("/api/v1/incidents/{id}/notice"), "Notice"),
        (format!("/api/v1/incidents/{id}/deliveries"), "Deliveries"),
        (
            format!("/api/v1/incidents/{}", uuid::Uuid::new_v4()),
            "Problem",
        ),
        ("/api/v1/incidents?status=nonsense".to_owned(), "Problem"),
    ] {
        let (status, body) = app.get(&path, VIEWER).await;
        assert!(status < 500, "GET {path}: {status} {body}");
        check_shape(&document, schema, &body, &format!("GET {path}"));
    }
    let (status, body) = app
        .get(&format!("/api/v1/incidents/{id}/evidence"), ADMIN)
        .await;
    assert_eq!(status, 200, "{body}");
    check_shape(&document, "Evidence", &body, "GET /evidence");
    let (status, body) = app
        .post(
            &format!("/api/v1/obligations/{obligation}/waive"),
            ADMIN,
            &json!({"reason": "handled by the vendor's counsel"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    check_shape(&document, "Obligation", &body, "POST /waive");
    let (status, body) = app
        .post("/api/v1/incidents", REPORTER, &json!({"title": 3}))
        .await;
    assert_eq!(status, 422);
    check_shape(&document, "Problem", &body, "POST /incidents (invalid)");
    for path in ["/livez", "/readyz"] {
        let (_, body) = app.get(path, "").await;
        check_shape(&document, "Health", &body, path);
    }
    app.stop().await;
}
