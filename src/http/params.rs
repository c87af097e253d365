//! Path and query parameters every resource reads alike: ids (an unknown or
//! malformed id is the same 404) and `limit`/`offset` paging.

use super::problem::Problem;
use crate::domain::FieldError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A route's query parameters, parsed as axum's `Query` does, but a bad
/// query (an unknown value, a key given twice) is a 422 problem naming the
/// parameter, like every other bad input, not a plain-text 400.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Params)
            .map_err(|error| {
                let reason = error.inner().to_string();
                let path = error.path().to_string();
                // A key given twice is refused at the top: serde names it
                // in its message ("duplicate field `limit`").
                let named = reason.split('`').nth(1).map(str::to_owned);
                let field = match (path.as_str(), named) {
                    ("." | "", Some(name)) => name,
                    ("." | "", None) => "query".to_owned(),
                    _ => path,
                };
                Problem::invalid(vec![FieldError::new(field, reason)])
            })
    }
}

pub fn parse_id(text: &str, what: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text).map_err(|_| Problem::not_found(what))
}

/// `limit` and `offset` query parameters, checked.
pub fn paging(
    limit: Option<&str>,
    offset: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> (i64, i64) {
    let mut number = |field: &str, text: Option<&str>, default: i64, max: i64| match text {
        None => default,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    field,
                    format!("must be a whole number from 0 to {max}"),
                ));
                default
            }
        },
    };
    (
        number("limit", limit, 100, 1000),
        number("offset", offset, 0, i64::MAX),
    )
}
