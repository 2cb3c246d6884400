//! Operations endpoints: liveness, readiness and metrics. No authentication.

use crate::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// Ready when the database answers and its schema is the one this binary expects.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.readiness().await {
        Ok(s) if s.current => {
            (StatusCode::OK, Json(json!({"status": "ready", "database": "ok", "schema_version": s.applied})))
        }
        Ok(s) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "not_ready", "database": "ok", "schema_version": s.applied, "expected_schema_version": s.known}),
            ),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not_ready", "database": "unreachable"})))
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
