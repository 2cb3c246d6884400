//! A fixed-window rate limiter per client address, in memory. Each node limits on its own;
//! behind a load balancer the effective limit is the per-node limit times the nodes, which
//! is what a simple abuse brake for public pages needs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn per_minute(limit: u32) -> Self {
        Self { limit, window: Duration::from_secs(60), counts: Mutex::new(HashMap::new()) }
    }

    /// Count one request from `key`; false when it is over the limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut m = self.counts.lock().expect("rate limiter lock");
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let e = m.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_key_separately() {
        let r = RateLimiter::per_minute(3);
        assert!((0..3).all(|_| r.allow("a")));
        assert!(!r.allow("a"));
        assert!(r.allow("b"));
    }
}
