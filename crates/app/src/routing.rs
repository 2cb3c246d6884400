//! The grid router: an in-memory [`fengqiao_geo::GridIndex`] of every grid, rebuilt when the
//! grids change. Each node checks the grids' fingerprint at most every few seconds, so an
//! import on one node re-indexes every node without a restart or a message between them.

use fengqiao_geo::{GridIndex, Shape, parse_geometry};
use fengqiao_store::routing::GridRoute;
use fengqiao_store::{Store, StoreResult};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const RECHECK: Duration = Duration::from_secs(5);

pub type Index = GridIndex<GridRoute>;

pub struct GridRouter {
    inner: Mutex<Option<Cached>>,
    recheck: Duration,
}

impl Default for GridRouter {
    fn default() -> Self {
        Self::with_recheck(RECHECK)
    }
}

struct Cached {
    version: String,
    checked: Instant,
    index: Arc<Index>,
}

impl GridRouter {
    /// A router that looks at the grids' fingerprint at most every `recheck`.
    pub fn with_recheck(recheck: Duration) -> Self {
        Self { inner: Mutex::new(None), recheck }
    }

    /// The current index, rebuilt first if the grids changed since it was built.
    pub async fn index(&self, store: &Store) -> StoreResult<Arc<Index>> {
        let mut guard = self.inner.lock().await;
        if let Some(c) = guard.as_mut()
            && c.checked.elapsed() < self.recheck
        {
            return Ok(c.index.clone());
        }
        let version = store.grid_version().await?;
        if let Some(c) = guard.as_mut()
            && c.version == version
        {
            c.checked = Instant::now();
            return Ok(c.index.clone());
        }
        let index = Arc::new(build(store.grid_routes().await?));
        tracing::info!(grids = index.len(), %version, "grid index built");
        *guard = Some(Cached { version, checked: Instant::now(), index: index.clone() });
        Ok(index)
    }

    /// Forget the cached index (after an import on this node, so it is used at once).
    pub async fn invalidate(&self) {
        *self.inner.lock().await = None;
    }
}

/// Build an index from the stored grids (skipping, with a warning, any unreadable shape).
pub fn build(routes: Vec<GridRoute>) -> Index {
    let grids = routes
        .into_iter()
        .filter_map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.geometry).ok()?;
            match parse_geometry(&v) {
                Ok(mp) => Some((r, Shape::from_multipolygon(&mp))),
                Err(e) => {
                    tracing::warn!(grid = %r.grid.code, error = %e, "grid geometry skipped");
                    None
                }
            }
        })
        .collect();
    GridIndex::build(grids)
}
