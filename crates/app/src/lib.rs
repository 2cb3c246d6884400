//! Fengqiao's application layer: every use case as one function that takes an actor and typed
//! input and returns typed output or [`Error`]. It owns authorisation ([`Actor::authorize`]
//! audits a refusal, [`Actor::can`] only answers), the transaction boundary, the outbox, and
//! the periodic jobs ([`jobs`]). The front-ends in `fengqiao-server` (JSON API, web pages,
//! Open311) and the CLI are adapters over it; nothing here knows HTTP, templates or OpenAPI.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod board;
pub mod casefile;
pub mod casework;
pub mod daily_posts;
pub mod error;
pub mod feed;
pub mod files;
pub mod five_small;
pub mod import;
pub mod instructions;
pub mod intake;
pub mod jobs;
pub mod lang;
pub mod locate;
pub mod map;
pub mod notify;
pub mod open311;
pub mod operations;
pub mod org;
pub mod oversight;
pub mod people;
pub mod registry;
pub mod resident;
pub mod roster;
pub mod routing;
pub mod screening;
pub mod search;
pub mod settings;
pub mod supervision;
pub mod totp;
pub mod video;
pub mod volunteers;
pub mod workbench;

pub use actor::Actor;
pub use error::{Error, Result};
pub use lang::Lang;
pub use settings::{PasswordPolicy, Settings};

use fengqiao_store::Store;

/// How deep any offset-paged list goes; deeper pages are refused (API) or clamped (pages).
pub const OFFSET_MAX: i64 = 1_000_000;
use std::sync::Arc;

/// The database's schema state, for a readiness probe.
#[derive(Debug, Clone, Copy)]
pub struct Readiness {
    /// The schema is the one this binary expects.
    pub current: bool,
    pub applied: i64,
    pub known: i64,
}

/// The time use cases see, in UTC milliseconds: the system's clock moved by an offset. The
/// offset is zero unless a test (or a drill) moves time forward to see deadlines pass
/// without waiting; clones share it.
#[derive(Clone, Default, Debug)]
pub struct Clock(Arc<std::sync::atomic::AtomicI64>);

impl Clock {
    pub fn now(&self) -> i64 {
        fengqiao_store::now_ms() + self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Move this clock (and every clone of it) forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What every use case runs against. Cheap to clone; holds no request-specific data, so any
/// number of nodes can serve the same database.
#[derive(Clone)]
pub struct App {
    /// The database, reached only through the use cases: front-ends never call it.
    pub(crate) store: Store,
    pub settings: Arc<Settings>,
    pub router: Arc<routing::GridRouter>,
    /// The early-warning lexicon (the default, or the installation's own file).
    pub lexicon: &'static fengqiao_domain::risk::Lexicon,
    /// This node's full-text index of matters (see [`search`]).
    pub search: Arc<search::SearchIndex>,
    /// The matter categories in use (built in, and the installation's own).
    pub taxonomy: Arc<fengqiao_domain::matter::Taxonomy>,
    /// Group commit for intake, when the process started it.
    pub intake: Option<Arc<intake::Writer>>,
    /// This node's live feed of committed events (see [`feed`]).
    pub(crate) feed: feed::Feed,
    /// The time use cases see (see [`Clock`]).
    pub clock: Clock,
    /// How notices leave the process (see [`notify::Transport`]); installed by the server.
    pub transport: Arc<dyn notify::Transport>,
    /// The address this node listens on, once bound (see [`App::public_base`]).
    bound: Arc<std::sync::OnceLock<std::net::SocketAddr>>,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        let taxonomy = Arc::new(fengqiao_domain::matter::Taxonomy::with(&settings.categories));
        Self {
            store,
            settings: Arc::new(settings),
            router: Arc::new(routing::GridRouter::default()),
            lexicon: fengqiao_domain::risk::Lexicon::default_shared(),
            search: Arc::new(search::SearchIndex::in_memory().expect("an index in memory")),
            taxonomy,
            intake: None,
            feed: feed::Feed::default(),
            clock: Clock::default(),
            transport: Arc::new(notify::Unconfigured),
            bound: Arc::default(),
        }
    }

    /// Record the address the server is bound to (by the server, once).
    pub fn serving_on(&self, addr: std::net::SocketAddr) {
        let _ = self.bound.set(addr);
    }

    /// The address residents reach this site at, for the links in household QR codes and
    /// Open311's discovery: `public_url`, or — when that is unset — the address this node
    /// listens on if it is a definite one (the demo's `127.0.0.1:port`). Never the `Host`
    /// header of a request, which a client or a misconfigured proxy chooses (issue 9, item
    /// 14). `None` when neither is known: printing codes then asks for `public_url`.
    pub fn public_base(&self) -> Option<String> {
        let configured = self.settings.public_url.trim().trim_end_matches('/');
        if !configured.is_empty() {
            return Some(configured.to_string());
        }
        let addr = self.bound.get().filter(|a| !a.ip().is_unspecified() && a.port() != 0)?;
        let scheme = if self.settings.tls_cert_file.is_some() { "https" } else { "http" };
        Some(format!("{scheme}://{addr}"))
    }

    /// Write concurrent new matters together (see [`intake::Writer`]); needs a runtime.
    pub fn with_group_commit(mut self) -> Self {
        self.intake = Some(Arc::new(intake::Writer::start(self.store.clone())));
        self
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

    /// A sealed phone number, masked (`138****5678`). Front-ends show numbers this way; a
    /// number in full comes only from a use case that authorises and audits the read.
    pub fn masked_phone(&self, sealed: Option<&fengqiao_store::Sealed>) -> Option<String> {
        sealed.and_then(|e| self.store.crypto.open(e).ok()).map(|p| fengqiao_domain::mask::mask_phone(&p))
    }

    /// Whether the database answers and holds the schema this binary expects.
    pub async fn readiness(&self) -> Result<Readiness> {
        let s = self.store.ready().await?;
        Ok(Readiness { current: s.current(), applied: s.applied, known: s.known })
    }

    /// Keep this node's full-text index following the database: every two seconds (and
    /// before each search, see [`search`]). Needs a runtime; runs until the process ends.
    pub fn spawn_index_sync(&self) {
        let (index, store) = (self.search.clone(), self.store.clone());
        tokio::spawn(async move {
            loop {
                match index.sync(&store).await {
                    Ok(n) if n > 0 => tracing::debug!(matters = n, "search index updated"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "search index sync failed"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        });
    }

    /// Send notices through `t` (the server's HTTP transport).
    pub fn with_transport(mut self, t: Arc<dyn notify::Transport>) -> Self {
        self.transport = t;
        self
    }

    /// Use an installation's own early-warning lexicon (loaded once at start).
    pub fn with_lexicon(mut self, lexicon: fengqiao_domain::risk::Lexicon) -> Self {
        self.lexicon = Box::leak(Box::new(lexicon));
        self
    }
}
