//! The use cases: what the API, the staff pages and the command line ask
//! breachd to do, on one [`Context`]. Handlers call these and never the store
//! itself, so a rule such as "a report of the future is refused" holds
//! whichever door the request came in by.
//!
//! `incidents` (filing, clock events, settling obligations) starts the
//! families' notice through `notices` (roster, draft, approval); `notices`
//! never calls back.

pub mod access;
mod checks;
pub mod consent;
pub mod contracts;
pub mod documents;
pub mod evidence;
pub mod forecast;
pub mod incidents;
pub mod jobs;
pub mod letters;
pub mod lifecycle;
pub mod notice_wording;
pub mod notices;
pub mod preflight;
pub mod preview;
mod queries;
pub mod requests;
pub mod vendors;
mod website;

use crate::clock::Clock;
use crate::domain::consent::token::ConsentTokens;
use crate::domain::FieldError;
use crate::email::Templates;
use crate::settings::Settings;
use crate::store::{Store, StoreError};
use crate::wake::Wake;
use chrono::Duration;
use std::sync::Arc;

pub use checks::check;
pub use incidents::{draft, Filed};

/// How far ahead of the server's clock a reported instant may be: clocks
/// drift, but a report of the future is a typo.
pub const FUTURE_TOLERANCE: Duration = Duration::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What every use case runs with.
#[derive(Clone)]
pub struct Context {
    store: Arc<dyn Store>,
    pub(crate) settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// Told when new jobs are planned, so the scheduler need not poll.
    pub(crate) wake: Wake,
    /// The message templates the fan-out sends with, for the approval's
    /// preflight; none: loaded from `email.templates` when needed.
    templates: Option<Arc<Templates>>,
    /// Verifies the guardians' consent links (`with_consent_key`).
    consent: Arc<ConsentTokens>,
}

impl Context {
    pub fn new(
        store: Arc<dyn Store>,
        settings: Arc<Settings>,
        clock: Arc<dyn Clock>,
        wake: Wake,
    ) -> Self {
        Self {
            store,
            settings,
            clock,
            wake,
            templates: None,
            // Replaced by the audit key's derivation in `app`; a context
            // built without one (the command line) takes no link.
            consent: Arc::new(ConsentTokens::new(rand::random())),
        }
    }

    /// Consent links verified with `key`, the audit key's derivation for
    /// `"consent"`, which the worker signs them with.
    pub fn with_consent_key(mut self, key: [u8; 32]) -> Self {
        self.consent = Arc::new(ConsentTokens::new(key));
        self
    }

    /// The templates the daemon sends with (the approval renders them first).
    pub fn with_templates(mut self, templates: Arc<Templates>) -> Self {
        self.templates = Some(templates);
        self
    }

    /// The message templates: the daemon's, or the configured ones loaded
    /// now (a command-line context that was given none).
    pub(crate) fn templates(&self) -> Result<Arc<Templates>, ServiceError> {
        match &self.templates {
            Some(templates) => Ok(Arc::clone(templates)),
            None => Templates::load(self.settings.email.templates.as_deref())
                .map(Arc::new)
                .map_err(|error| {
                    ServiceError::Invalid(vec![FieldError::new("template", format!("{error:#}"))])
                }),
        }
    }

    /// The time the use cases stand at (a test's clock, or the system's).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
