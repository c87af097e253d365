//! The plain reads both backends run alike, each written once over
//! `read::Reader`: a shared statement on the store's pool, its rows mapped
//! by `rows`. The reads whose SQL differs (NULL ordering, JSON
//! aggregates, one-pass counts) stay with their backend.

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
