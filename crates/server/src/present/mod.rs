//! The JSON shapes of what the front-ends show: the API returns them (and documents them in
//! OpenAPI), the pages render them. Shared here so that `api/` and `web/` never import each
//! other; built from the application layer's results, with times as RFC 3339.

pub mod casefile;
pub mod matter;

/// A time (UTC milliseconds) as RFC 3339, to the second.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
