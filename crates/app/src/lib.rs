//! Fengqiao's application layer: every use case as one function that takes an actor and typed
//! input and returns typed output or [`Error`]. It owns authorisation ([`Actor::authorize`]
//! audits a refusal, [`Actor::can`] only answers), the transaction boundary, the outbox, and
//! the periodic jobs ([`jobs`]). The front-ends in `fengqiao-server` (JSON API, web pages,
//! Open311) and the CLI are adapters over it; nothing here knows HTTP, templates or OpenAPI.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod casework;
pub mod error;
pub mod files;
pub mod import;
pub mod intake;
pub mod jobs;
pub mod lang;
pub mod locate;
pub mod org;
pub mod people;
pub mod registry;
pub mod routing;
pub mod screening;
pub mod search;
pub mod settings;
pub mod totp;
pub mod volunteers;

pub use actor::Actor;
pub use error::{Error, Result};
pub use lang::Lang;
pub use settings::{PasswordPolicy, Settings};

use fengqiao_store::Store;
use std::sync::Arc;

/// What every use case runs against. Cheap to clone; holds no request-specific data, so any
/// number of nodes can serve the same database.
#[derive(Clone)]
pub struct App {
    pub store: Store,
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
        }
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

    /// Use an installation's own early-warning lexicon (loaded once at start).
    pub fn with_lexicon(mut self, lexicon: fengqiao_domain::risk::Lexicon) -> Self {
        self.lexicon = Box::leak(Box::new(lexicon));
        self
    }
}
