//! What every request handler, API or page, runs with: the use cases, the
//! settings they were built from, and the mailer (for readiness).

use crate::cases::Context;
use crate::email::Mailer;
use crate::settings::Settings;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub cases: Context,
    pub mailer: Arc<Mailer>,
}
