//! The daemon: `Application::build` connects and migrates the store, creates
//! the data folders and binds the listener; `run_until_stopped` serves until
//! the cancellation token fires, then drains in-flight requests.

use crate::clock::{Clock, SystemClock};
use crate::http::{self, AppState};
use crate::incidents::Incidents;
use crate::settings::Settings;
use crate::store::{self, Store};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        for dir in [&settings.email.dir, &settings.publish_dir] {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let store: Arc<dyn Store> = store::connect(&settings.database_url)
            .await
            .context("opening the database")?;
        store.migrate().await.context("migrating the database")?;
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let address = listener.local_addr()?;
        if settings.tokens.is_empty() {
            tracing::warn!("no API tokens are configured: every /api/v1 request will be refused (see `breachd token new`)");
        }
        let engine = Arc::new(settings.engine.clone());
        let state = AppState {
            settings: Arc::new(settings),
            incidents: Incidents {
                store,
                engine,
                clock,
            },
        };
        Ok(Self {
            listener,
            address,
            state,
        })
    }

    /// The bound address (the port is chosen by the OS when configured as 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        tracing::info!(address = %self.address, jurisdiction = %self.state.settings.jurisdiction, "breachd listening");
        let router = http::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
            .context("serving HTTP")?;
        tracing::info!("breachd stopped");
        Ok(())
    }
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
