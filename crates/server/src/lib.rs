//! Fengqiao's HTTP server: the JSON API under `/api/v1` (with its OpenAPI document), the
//! server-rendered web UI, authentication and sessions, and the operations endpoints
//! (`/healthz`, `/readyz`, `/metrics`). `app()` builds the whole router so tests can drive it
//! in-process; `serve()` binds it to a socket.

pub mod agreement;
pub mod api;
pub mod auth;
pub mod casework;
pub mod error;
pub mod files;
pub mod i18n;
pub mod import;
pub mod intake;
pub mod metrics;
pub mod open311;
mod ops;
pub mod ratelimit;
pub mod routing;
pub mod search;
pub mod settings;
pub mod totp;
pub mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use fengqiao_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use settings::{PasswordPolicy, Settings};

/// Shared state of every handler. Cheap to clone; holds no request-specific data, so any
/// number of nodes can serve the same database.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub metrics: Arc<metrics::Metrics>,
    pub router: Arc<routing::GridRouter>,
    pub qr_limiter: Arc<ratelimit::RateLimiter>,
    /// The early-warning lexicon (the default, or the installation's own file).
    pub lexicon: &'static fengqiao_domain::risk::Lexicon,
    /// The full-text index of matters (see `search`).
    pub search: Arc<search::SearchIndex>,
    /// The matter categories in use (built in, and the installation's own).
    pub taxonomy: Arc<fengqiao_domain::matter::Taxonomy>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> Self {
        let settings_rate = settings.qr_rate_per_minute;
        let taxonomy = Arc::new(fengqiao_domain::matter::Taxonomy::with(&settings.categories));
        Self {
            store,
            settings: Arc::new(settings),
            templates: Arc::new(web::templates::environment()),
            metrics: Arc::new(metrics::Metrics::default()),
            router: Arc::new(routing::GridRouter::default()),
            qr_limiter: Arc::new(ratelimit::RateLimiter::per_minute(settings_rate)),
            lexicon: fengqiao_domain::risk::Lexicon::default_shared(),
            search: Arc::new(search::SearchIndex::in_memory().expect("an index in memory")),
            taxonomy,
        }
    }

    /// Keep the full-text index in `settings.index_dir` (opened or rebuilt there).
    pub fn with_index_dir(mut self) -> anyhow::Result<Self> {
        if let Some(dir) = &self.settings.index_dir {
            let ix = search::SearchIndex::open(dir)
                .map_err(|e| anyhow::anyhow!("search index in {}: {e}", dir.display()))?;
            self.search = Arc::new(ix);
        }
        Ok(self)
    }

    /// Use an installation's own early-warning lexicon (loaded once at start).
    pub fn with_lexicon(mut self, lexicon: fengqiao_domain::risk::Lexicon) -> Self {
        self.lexicon = Box::leak(Box::new(lexicon));
        self
    }
}

/// The whole application as one router.
pub fn app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    Router::new()
        .merge(ops::router())
        .nest("/api/v1", api::router())
        .merge(open311::router())
        .merge(web::router())
        .fallback(error::fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// Bind and serve until Ctrl-C / SIGTERM. Returns the bound address through `on_bound`
/// (useful with port 0).
pub async fn serve(state: AppState, listen: SocketAddr, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    on_bound(bound);
    // The full-text index follows the database: every two seconds, and before each search.
    let (index, index_store) = (state.search.clone(), state.store.clone());
    tokio::spawn(async move {
        loop {
            match index.sync(&index_store).await {
                Ok(n) if n > 0 => tracing::debug!(matters = n, "search index updated"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "search index sync failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
    let purge_store = state.store.clone();
    let rules_state = state.clone();
    let idle_ms = state.settings.session_idle_minutes * 60_000;
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(300)).await;
            if let Err(e) = purge_store.purge_sessions(fengqiao_store::now_ms(), idle_ms).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
            // Disputes left too long at the grid or the community move up (the time rule).
            match crate::casework::apply_time_rules(&rules_state).await {
                Ok(n) if n > 0 => tracing::info!(disputes = n, "tier time rule applied"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "tier time rule failed"),
            }
            // Agreements whose 30-day window for judicial confirmation closes within a week:
            // reminded once (audited; notifications to DingTalk/WeCom arrive with that issue).
            let days = fengqiao_domain::mediation::JUDICIAL_CONFIRMATION_REMINDER_DAYS;
            match purge_store.judicial_confirmation_reminders(fengqiao_store::now_ms(), days).await {
                Ok(due) => {
                    for (code, number, _) in due {
                        tracing::info!(matter = %code, agreement = %number, "judicial confirmation window closes within a week");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "confirmation reminders failed"),
            }
        }
    });
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
