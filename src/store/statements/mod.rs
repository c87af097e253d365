//! The SQL both backends run alike, each statement written once with the
//! values it binds. The text uses PostgreSQL's numbered parameters (`$1`):
//! sqlx's SQLite driver reads `$N` as the N-th bound value too, so one text
//! serves both. Statements whose text really differs (locks, NULL ordering,
//! casts, arrays, NOTIFY) stay with their backend. Multi-row inserts spell
//! their placeholders each backend's way (`Placeholders`): SQLite keeps to
//! anonymous `?` parameters, since it looks a named parameter up by a
//! linear search, which thousands of them make quadratic.

pub(crate) mod access;
pub(crate) mod audit;
pub(crate) mod bounces;
pub(crate) mod consent;
pub(crate) mod contract_rosters;
pub(crate) mod contracts;
pub(crate) mod coverage;
pub(crate) mod documents;
pub(crate) mod emails;
pub(crate) mod incidents;
pub(crate) mod jobs;
pub(crate) mod notices;
pub(crate) mod obligations;
pub(crate) mod requests;
pub(crate) mod roster;
pub(crate) mod site;
pub(crate) mod vendors;

use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};
use std::borrow::Cow;
use uuid::Uuid;

/// A value to bind, in one of the few types the schema stores on both
/// backends. Ids are text on both, so that `breachd migrate-data` copies
/// SQLite rows unchanged.
#[derive(Debug, Clone)]
pub(crate) enum Param<'a> {
    Text(Cow<'a, str>),
    OptionalText(Option<Cow<'a, str>>),
    Integer(i64),
    OptionalInteger(Option<i64>),
    Flag(bool),
    Instant(DateTime<Utc>),
    OptionalInstant(Option<DateTime<Utc>>),
    /// A file's bytes (a vendor's agreement document).
    Bytes(&'a [u8]),
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Param::Bytes(bytes)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(text: &'a str) -> Self {
        Param::Text(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(text: &'a String) -> Self {
        Param::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Param<'_> {
    fn from(text: String) -> Self {
        Param::Text(Cow::Owned(text))
    }
}

impl From<Uuid> for Param<'_> {
    fn from(id: Uuid) -> Self {
        Param::Text(Cow::Owned(id.to_string()))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(text: Option<&'a str>) -> Self {
        Param::OptionalText(text.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(text: &'a Option<String>) -> Self {
        Param::OptionalText(text.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<Uuid>> for Param<'_> {
    fn from(id: Option<Uuid>) -> Self {
        Param::OptionalText(id.map(|id| Cow::Owned(id.to_string())))
    }
}

impl From<i64> for Param<'_> {
    fn from(number: i64) -> Self {
        Param::Integer(number)
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(number: Option<i64>) -> Self {
        Param::OptionalInteger(number)
    }
}

impl From<bool> for Param<'_> {
    fn from(flag: bool) -> Self {
        Param::Flag(flag)
    }
}

impl From<DateTime<Utc>> for Param<'_> {
    fn from(at: DateTime<Utc>) -> Self {
        Param::Instant(at)
    }
}

impl From<Option<DateTime<Utc>>> for Param<'_> {
    fn from(at: Option<DateTime<Utc>>) -> Self {
        Param::OptionalInstant(at)
    }
}

/// How a backend spells the placeholders of a multi-row insert, whose
/// thousands of values a single-row statement's `$N` would make slow on
/// SQLite (see the module's header).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Placeholders {
    /// `$1, $2, …` (PostgreSQL).
    Numbered,
    /// `?`, bound in order (SQLite).
    Anonymous,
}

/// SQL text with the values of its `$N` parameters, in order.
#[derive(Debug, Clone)]
pub(crate) struct Statement<'a> {
    sql: Cow<'static, str>,
    params: Vec<Param<'a>>,
}

impl<'a> Statement<'a> {
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Statement {
            sql: sql.into(),
            params: Vec::new(),
        }
    }

    /// The statement's query plan (SQLite's `EXPLAIN QUERY PLAN`), with
    /// the same values bound: for tests that an index is used.
    #[cfg(test)]
    pub(crate) fn explained(&self) -> Statement<'a> {
        Statement {
            sql: format!("EXPLAIN QUERY PLAN {}", self.sql).into(),
            params: self.params.clone(),
        }
    }

    /// Adds the value of the next numbered parameter.
    pub(crate) fn bind(mut self, value: impl Into<Param<'a>>) -> Self {
        self.params.push(value.into());
        self
    }

    /// Appends text (for statements put together from parts).
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends the next numbered parameter and its value.
    pub(crate) fn push_bind(&mut self, value: impl Into<Param<'a>>) -> &mut Self {
        self.params.push(value.into());
        let placeholder = format!("${}", self.params.len());
        self.push(&placeholder)
    }

    /// Appends `VALUES (…), (…)`: for each of `rows`, a tuple of the values
    /// `tuple` gives, as placeholders spelled the backend's way.
    pub(crate) fn push_values<T>(
        &mut self,
        rows: &'a [T],
        placeholders: Placeholders,
        mut tuple: impl FnMut(&'a T) -> Vec<Param<'a>>,
    ) -> &mut Self {
        self.push("VALUES ");
        for (index, row) in rows.iter().enumerate() {
            self.push(if index == 0 { "(" } else { ", (" });
            for (column, value) in tuple(row).into_iter().enumerate() {
                if column > 0 {
                    self.push(", ");
                }
                match placeholders {
                    Placeholders::Numbered => self.push_bind(value),
                    Placeholders::Anonymous => {
                        self.params.push(value);
                        self.push("?")
                    }
                };
            }
            self.push(")");
        }
        self
    }

    /// The statement as a query of either backend, borrowing its values.
    pub(crate) fn query<'q, DB>(&'q self) -> Query<'q, DB, DB::Arguments<'q>>
    where
        DB: Database,
        &'q str: Encode<'q, DB> + Type<DB>,
        Option<&'q str>: Encode<'q, DB> + Type<DB>,
        i64: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
        bool: Encode<'q, DB> + Type<DB>,
        DateTime<Utc>: Encode<'q, DB> + Type<DB>,
        Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
        &'q [u8]: Encode<'q, DB> + Type<DB>,
    {
        self.params
            .iter()
            .fold(sqlx::query(&self.sql), |query, param| match param {
                Param::Text(text) => query.bind(text.as_ref()),
                Param::OptionalText(text) => query.bind(text.as_deref()),
                Param::Integer(number) => query.bind(*number),
                Param::OptionalInteger(number) => query.bind(*number),
                Param::Flag(flag) => query.bind(*flag),
                Param::Instant(at) => query.bind(*at),
                Param::OptionalInstant(at) => query.bind(*at),
                Param::Bytes(bytes) => query.bind(*bytes),
            })
    }
}
