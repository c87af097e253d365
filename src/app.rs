//! The daemon: `Application::build` connects and migrates the store, creates
//! the data folders and binds the listener; `run_until_stopped` serves until
//! the cancellation token fires, then drains in-flight requests.

use crate::cases;
use crate::clock::{Clock, SystemClock};
use crate::email::Templates;
use crate::http::{self, problem::Problem};
use crate::scheduler::{Scheduler, Wake, Worker};
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::{self, Store};
use anyhow::Context;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    state: AppState,
    scheduler: Scheduler,
    /// The audit key and anchor, whose head the serve loop logs.
    seal: Arc<crate::audit::Seal>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with an injected clock (tests stand at chosen instants).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        crate::metrics::handle();
        for dir in [&settings.email.dir, &settings.publish_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let seal = crate::audit::Seal::open(
            &settings.audit.key_file,
            settings.audit.anchor_file.clone(),
            true,
        )
        .map_err(anyhow::Error::msg)?;
        let options = store::ConnectOptions {
            max_connections: settings.database.max_connections,
            sqlite_durable: settings.database.sqlite_durable,
            seal: Arc::clone(&seal),
        };
        let store: Arc<dyn Store> = store::connect_with(&settings.database_url, options)
            .await
            .context("opening the database")?;
        store.migrate().await.context("migrating the database")?;
        anchor_audit_chain(store.as_ref(), &seal).await?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let address = listener.local_addr()?;
        for warning in settings.warnings() {
            tracing::warn!("{warning}");
        }
        let (mailer, sends) = crate::email::sending(&settings.email)?;
        let mailer = Arc::new(mailer);
        let templates = Arc::new(Templates::load(settings.email.templates.as_deref())?);
        let settings = Arc::new(settings);
        let wake = Wake::new();
        let worker = Worker::new(
            Arc::clone(&store),
            Arc::clone(&settings),
            Arc::clone(&mailer),
            Arc::new(sends),
            Arc::clone(&templates),
            Arc::clone(&clock),
            seal.key().derive("verp"),
        );
        let worker = Arc::new(worker.with_consent_key(seal.key().derive("consent")));
        let state = AppState {
            settings: Arc::clone(&settings),
            cases: cases::Context::new(store, Arc::clone(&settings), clock, wake.clone())
                .with_templates(Arc::clone(&templates))
                .with_consent_key(seal.key().derive("consent")),
            mailer,
            templates,
            probes: Arc::default(),
            failed_sign_ins: Arc::new(crate::auth_limit::FailedSignIns::new(
                settings.failed_sign_ins_burst,
            )),
        };
        let scheduler = Scheduler { worker, wake };
        Ok(Self {
            listener,
            address,
            state,
            scheduler,
            seal,
        })
    }

    /// Wakes the scheduler (tests that move an injected clock use it).
    pub fn wake(&self) -> Wake {
        self.scheduler.wake.clone()
    }

    /// The worker, for tests that run due jobs step by step.
    pub fn worker(&self) -> Arc<Worker> {
        Arc::clone(&self.scheduler.worker)
    }

    /// The bound address (the port is chosen by the OS when configured as 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves HTTP and runs the scheduler until `shutdown` fires.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let instance = self.scheduler.worker.id().to_owned();
        tracing::info!(address = %self.address, jurisdiction = %self.state.settings.jurisdiction, %instance, "breachd listening");
        // Other instances' planned jobs wake this one's scheduler (PostgreSQL).
        self.scheduler
            .worker
            .store
            .watch_jobs(self.scheduler.wake.clone(), shutdown.clone());
        let store = Arc::clone(&self.scheduler.worker.store);
        let worker = Arc::clone(&self.scheduler.worker);
        tokio::spawn(log_audit_head(Arc::clone(&self.seal), shutdown.clone()));
        let limits = http::serve::Limits {
            header_read_timeout: self.state.settings.header_read_timeout,
            max_connections: self.state.settings.max_connections,
        }
        .fitted_to_descriptors();
        let router = router(self.state);
        // The scheduler's log lines name this instance (several may share a database).
        let scheduler = tokio::spawn(tracing::Instrument::instrument(
            self.scheduler.run(shutdown.clone()),
            tracing::info_span!("scheduler", %instance),
        ));
        let bounces = tokio::spawn(tracing::Instrument::instrument(
            crate::scheduler::bounces::run(Arc::clone(&worker), shutdown.clone()),
            tracing::info_span!("bounces", %instance),
        ));
        let served = http::serve::serve(self.listener, router, limits, shutdown.clone())
            .await
            .context("serving HTTP");
        // However HTTP ended, the scheduler stops too and its in-flight
        // sends finish before we return.
        shutdown.cancel();
        scheduler.await.context("the scheduler task panicked")?;
        bounces.await.context("the bounce poller panicked")?;
        store.close().await;
        served?;
        tracing::info!("breachd stopped");
        Ok(())
    }
}

/// The whole HTTP surface: the API, its description, health and metrics,
/// the staff pages and the published notices, under one body limit, one
/// request timeout and a request id on every request's log span.
fn router(state: AppState) -> Router {
    let timeouts = http::timeout::Timeouts {
        request: state.settings.request_timeout,
        roster: state.settings.roster_timeout,
    };
    Router::new()
        .nest("/api/v1", http::api_routes())
        // Public, outside `api_routes()`: the API's description holds no data.
        .route("/api/v1/openapi.json", get(http::openapi::document))
        .route("/livez", get(http::health::livez))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(http::metrics::metrics))
        .merge(crate::web::routes())
        // The published website notices, public like the real site, from
        // the database (then the folder).
        .nest_service(
            http::public_site::MOUNT,
            http::public_site::service(state.clone()),
        )
        .fallback(|| async {
            Problem::new(StatusCode::NOT_FOUND, "Not found").detail("no such route")
        })
        .layer(DefaultBodyLimit::max(http::body::BODY_LIMIT))
        .layer(axum::middleware::from_fn(http::metrics::track))
        .layer(axum::middleware::from_fn_with_state(
            timeouts,
            http::timeout::limit,
        ))
        .layer(axum::middleware::map_response(
            http::problem::fill_bare_errors,
        ))
        .layer(axum::middleware::from_fn(http::security::headers))
        .layer(PropagateRequestIdLayer::new(http::REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                // The route pattern, never the raw path or query: no ids of
                // people and no tokens end up in logs.
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("unmatched", MatchedPath::as_str)
                    .to_owned();
                let request_id = request
                    .headers()
                    .get(http::REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("-")
                    .to_owned();
                tracing::info_span!("request", method = %request.method(), route, request_id)
            }),
        )
        .layer(SetRequestIdLayer::new(http::REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Cancels `token` on SIGTERM or SIGINT.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing a SIGTERM handler succeeds in a tokio runtime");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested; draining");
        token.cancel();
    });
}

/// How often the serve loop logs the audit chain's anchored head: a copy
/// outside the database and the state directory, in whatever keeps logs.
const AUDIT_HEAD_LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

async fn log_audit_head(seal: Arc<crate::audit::Seal>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(AUDIT_HEAD_LOG_EVERY);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = every.tick() => {}
        }
        if let Some(head) = seal.anchored() {
            tracing::info!(audit_head = head.seq, audit_mac = %head.mac, "audit chain head");
        }
    }
}

/// At start: refuses a key that did not write the chain's head (instances
/// sharing a database must share the key), and anchors the head when no
/// anchor exists yet (the first start, or a lost anchor file: trust on
/// first use; an existing anchor is never moved back to the database's head).
async fn anchor_audit_chain(store: &dyn Store, seal: &crate::audit::Seal) -> anyhow::Result<()> {
    let head = store
        .audit_head()
        .await
        .context("reading the audit log's head")?;
    let head = head.unwrap_or(crate::audit::Anchor {
        seq: 0,
        mac: String::new(),
    });
    if !head.mac.is_empty() {
        let entry = store
            .audit_entries(head.seq - 1, 1)
            .await
            .context("reading the audit log's head")?;
        let keyed = entry
            .first()
            .is_some_and(|entry| seal.key().verifies(entry.seq, &entry.hash, &head.mac));
        if !keyed {
            anyhow::bail!(
                "the audit key does not match the audit log's last entry ({}): every instance \
                 sharing a database needs the same audit.key_file; if the key is right, the \
                 log was changed (run `breachd audit verify`)",
                head.seq
            );
        }
    }
    let anchored = seal
        .anchor_if_missing(&head)
        .context("writing the audit anchor")?;
    match (anchored, head.seq) {
        (false, _) => {}
        (true, 0) => tracing::info!("the audit log is anchored from its first entry"),
        (true, seq) => tracing::warn!(
            audit_head = seq,
            "no audit anchor existed: the log's head is anchored from now on"
        ),
    }
    Ok(())
}
