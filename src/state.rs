//! What every request handler, API or page, runs with: the use cases, the
//! settings they were built from, and the mailer (for readiness).

use crate::auth_limit::FailedSignIns;
use crate::cache::Cached;
use crate::cases::Context;
use crate::email::{Mailer, Templates};
use crate::settings::Settings;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub cases: Context,
    pub mailer: Arc<Mailer>,
    /// The message templates (the notice preview renders with them).
    pub templates: Arc<Templates>,
    pub probes: Arc<Probes>,
    /// Failed token sign-ins by address (API and pages).
    pub failed_sign_ins: Arc<FailedSignIns>,
}

/// How long a probe's answer is kept (see `crate::cache`).
const PROBE_PERIOD: Duration = Duration::from_secs(5);

/// What the public probes may only refresh once per period.
pub struct Probes {
    /// The SMTP server's answer to readiness's check (the error, if any).
    pub smtp: Cached<Result<(), String>>,
    /// When `/metrics` last read its gauges from the database.
    pub gauges: Cached<()>,
}

impl Default for Probes {
    fn default() -> Self {
        Self {
            smtp: Cached::new(PROBE_PERIOD),
            gauges: Cached::new(PROBE_PERIOD),
        }
    }
}
