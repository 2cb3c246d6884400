//! Prometheus metrics: request counts by route and status, and request durations.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    /// Per route: bucket counts, sum, count.
    durations: BTreeMap<String, ([u64; BUCKETS.len()], f64, u64)>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.inner.lock().expect("metrics lock");
        *m.requests.entry((method.to_string(), route.to_string(), status)).or_default() += 1;
        let d = m.durations.entry(route.to_string()).or_insert(([0; BUCKETS.len()], 0.0, 0));
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                d.0[i] += 1;
            }
        }
        d.1 += seconds;
        d.2 += 1;
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let m = self.inner.lock().expect("metrics lock");
        let mut out = String::new();
        out.push_str("# HELP fengqiao_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE fengqiao_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "fengqiao_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP fengqiao_http_request_duration_seconds HTTP request durations by route.\n");
        out.push_str("# TYPE fengqiao_http_request_duration_seconds histogram\n");
        for (route, (buckets, sum, count)) in &m.durations {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "fengqiao_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    buckets[i]
                );
            }
            let _ =
                writeln!(out, "fengqiao_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}");
            let _ = writeln!(out, "fengqiao_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(out, "fengqiao_http_request_duration_seconds_count{{route=\"{route}\"}} {count}");
        }
        out
    }
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // A made-up method would grow a series of its own for every name a client invents.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_string(),
        _ => "OTHER".to_string(),
    };
    // The route template, not the raw path, so IDs do not explode the label set.
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    state.metrics.observe(&method, &route, resp.status().as_u16(), start.elapsed().as_secs_f64());
    resp
}
