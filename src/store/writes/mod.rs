//! The write transactions both backends run alike, each written once over
//! `tx::WriteTx`: the backend begins the transaction its own way
//! (`tx::Writer`: SQLite `BEGIN IMMEDIATE` on its writer, PostgreSQL READ
//! COMMITTED) and runs the steps only it writes (advisory locks, NOTIFY,
//! statements with arrays or JSON functions); the statements, their order
//! and the conditions between them are here.

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
