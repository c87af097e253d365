//! Path and query parameters every resource reads alike: ids (an unknown or
//! malformed id is the same 404) and `limit`/`offset` paging.

use super::problem::Problem;
use crate::domain::FieldError;
use uuid::Uuid;

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
