//! breachd: student-data breach notification deadlines, computed with their
//! legal citations, tracked, and acted on.
//!
//! Layout: `domain` and `rules` are pure (no I/O); `settings` turns the
//! layered configuration into typed values; `store` owns persistence behind
//! a trait; `http` is the API; `app` wires them into a running daemon; `cli`
//! is the command line.

pub mod app;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod duration;
pub(crate) mod email;
pub(crate) mod http;
pub(crate) mod metrics;
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
