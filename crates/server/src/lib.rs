//! Fengqiao's HTTP server: the JSON API under `/api/v1` (with its OpenAPI document), the
//! server-rendered web UI, authentication and sessions, and the operations endpoints
//! (`/healthz`, `/readyz`, `/metrics`). `app()` builds the whole router so tests can drive it
//! in-process; `serve()` binds it to a socket.

pub mod agreement;
pub mod api;
pub mod auth;
pub mod error;
pub mod headers;
pub mod i18n;
pub mod i18n_cases;
pub mod i18n_command;
pub mod i18n_fields;
pub mod i18n_supervision;
pub mod i18n_video;
pub mod i18n_vocab;
pub mod metrics;
pub mod notify_http;
pub mod open311;
mod ops;
pub mod present;
pub mod ratelimit;
pub mod tls;
pub mod web;
pub mod xlsx;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::AppError;
pub use fengqiao_app::{App, PasswordPolicy, Settings};

/// Shared state of every handler: the application (every use case runs against it) and what
/// only the web front-end needs. Cheap to clone; holds no request-specific data, so any
/// number of nodes can serve the same database. Derefs to [`App`], so `&state` is what a
/// use case takes.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub metrics: Arc<metrics::Metrics>,
    pub qr_limiter: Arc<ratelimit::RateLimiter>,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    pub fn with_app(app: App) -> Self {
        let rate = app.settings.qr_rate_per_minute;
        let app = app.with_transport(notify_http::transport());
        Self {
            app,
            templates: Arc::new(web::templates::environment()),
            metrics: Arc::new(metrics::Metrics::default()),
            qr_limiter: Arc::new(ratelimit::RateLimiter::per_minute(rate)),
        }
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
        .layer(axum::middleware::from_fn(bounded_uri))
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}

/// Longest path and query a request may have: no page or API needs more, and every
/// handler then works on bounded text.
pub const MAX_PATH_BYTES: usize = 2048;
pub const MAX_QUERY_BYTES: usize = 4096;

/// Refuse a path or query longer than the limits, naming the limit (422).
async fn bounded_uri(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = req.uri();
    let path = uri.path().len();
    let query = uri.query().map_or(0, str::len);
    if path > MAX_PATH_BYTES {
        return AppError::field("path", format!("at most {MAX_PATH_BYTES} bytes (this one has {path})"))
            .into_response();
    }
    if query > MAX_QUERY_BYTES {
        return AppError::field("query", format!("at most {MAX_QUERY_BYTES} bytes (this one has {query})"))
            .into_response();
    }
    next.run(req).await
}

/// The span of a request in the logs: its method and the route it matched — never the
/// path or query as sent, which carry searched ID and phone numbers (`?q=`), QR tokens
/// (`/q/{token}`) and whatever a client types (issue 9: no personal data in logs).
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str()).unwrap_or("(no route)");
    tracing::debug_span!("request", method = %req.method(), route)
}

/// Bind and serve until Ctrl-C / SIGTERM: HTTPS when the settings name a certificate and
/// key (see [`tls`]), plain HTTP otherwise (behind a proxy that terminates TLS). The
/// periodic jobs are not run here: the CLI's `serve` runs them beside this (see
/// `fengqiao_app::jobs`). Returns the bound address through `on_bound` (useful with port 0).
pub async fn serve(state: AppState, listen: SocketAddr, on_bound: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    let tls = match (&state.settings.tls_cert_file, &state.settings.tls_key_file) {
        (Some(cert), Some(key)) => Some(tls::config(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("tls_cert_file and tls_key_file go together: set both or neither"),
    };
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    state.serving_on(bound);
    // The full-text index follows the database: every two seconds, and before each search.
    state.spawn_index_sync();
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => {
            // `tap_io` (doing nothing) gives the TLS listener axum's connect info: the peer's
            // socket address, as over plain TCP.
            let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
            on_bound(bound);
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
        }
        None => {
            on_bound(bound);
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
        }
    }
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
