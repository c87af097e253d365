//! breachd: student-data breach notification deadlines, computed with their
//! legal citations, tracked, and acted on.
//!
//! Data flows one way (docs/architecture.md): `cli` and `app` at the top;
//! `http` (the API) and `web` (the pages) on `state`; the use cases in
//! `cases`; the job loop and handlers in `scheduler`; `views`, `email`,
//! `site`, `roster` beneath; `store` behind one trait; `settings`; and the
//! pure `rules` and `domain` at the bottom, with `clock`, `wake` and
//! `duration`. Modules only the binary uses are crate-private.

pub mod app;
pub mod audit;
pub mod auth;
pub(crate) mod auth_limit;
pub(crate) mod cache;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod duration;
pub(crate) mod email;
pub(crate) mod form_limit;
pub(crate) mod http;
pub(crate) mod metrics;
pub mod oidc;
pub mod roster;
pub mod rules;
pub mod scheduler;
pub mod settings;
pub mod site;
pub(crate) mod state;
pub mod store;
pub(crate) mod telemetry;
pub mod views;
pub mod wake;
pub(crate) mod web;
pub(crate) mod words;
