//! The live feed under the command room's board (issue 11): each node tails the outbox once
//! (woken at commit by PostgreSQL's `NOTIFY`, or polling SQLite's) and hands every committed
//! event to the boards connected to it; a board receives only its viewer's jurisdiction's
//! events. Events come from the outbox after commit, so a board never shows what did not
//! happen, and a board on any node sees what any node wrote.
//!
//! On PostgreSQL, ids are taken when a transaction inserts, not when it commits: a later id
//! may commit first. The tailer remembers the ids it skipped and looks for them again for
//! [`GAP_WAIT`] (a rolled-back insert leaves its id unused for ever). A board that reconnects
//! gives the last id it saw and is sent what it missed, from the same window back, and drops
//! what it already has by id.

use crate::{Actor, App, Result};
use fengqiao_domain::policy::Action;
use fengqiao_store::Store;
use fengqiao_store::outbox::OutboxEvent;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How long a skipped id is looked for again.
pub const GAP_WAIT: Duration = Duration::from_secs(10);
/// How many events a reconnecting board is sent at most (more: it reloads the snapshot).
pub const CATCH_UP_MAX: i64 = 1000;
/// Events a slow board may fall behind before it is told to reload.
const BUFFER: usize = 4096;

/// This node's feed: one outbox tailer, started by the first board to connect.
#[derive(Clone)]
pub struct Feed {
    tx: broadcast::Sender<Arc<OutboxEvent>>,
    started: Arc<tokio::sync::Mutex<bool>>,
}

impl Default for Feed {
    fn default() -> Self {
        Self { tx: broadcast::channel(BUFFER).0, started: Arc::default() }
    }
}

impl Feed {
    /// Start this node's tailer, once: from the outbox's end as it is now, so every event
    /// committed after this call is passed on (read before returning, not in the task).
    async fn start(&self, store: &Store) -> Result<()> {
        let mut started = self.started.lock().await;
        if *started {
            return Ok(());
        }
        let cursor = store.outbox_last_id().await?;
        *started = true;
        let (tx, store) = (self.tx.clone(), store.clone());
        tokio::spawn(async move {
            let mut cursor = cursor;
            loop {
                if let Err(e) = tail(&store, &tx, &mut cursor).await {
                    tracing::warn!(error = %e, "outbox tailer stopped; restarting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        Ok(())
    }
}

/// Follow the outbox from `cursor`, passing each committed event on once.
async fn tail(store: &Store, tx: &broadcast::Sender<Arc<OutboxEvent>>, cursor: &mut i64) -> Result<()> {
    let mut waker = store.outbox_waker().await?;
    let mut skipped: BTreeMap<i64, Instant> = BTreeMap::new();
    loop {
        let mut events = store.outbox_by_ids(&skipped.keys().copied().collect::<Vec<_>>()).await?;
        for e in &events {
            skipped.remove(&e.id);
        }
        skipped.retain(|_, since| since.elapsed() < GAP_WAIT);
        loop {
            let batch = store.outbox_after(*cursor, 500).await?;
            let full = batch.len() == 500;
            for e in batch {
                for gap in (*cursor + 1)..e.id {
                    if skipped.len() < 10_000 {
                        skipped.insert(gap, Instant::now());
                    }
                }
                *cursor = e.id;
                events.push(e);
            }
            if !full {
                break;
            }
        }
        for e in events {
            // No board connected is not an error.
            let _ = tx.send(Arc::new(e));
        }
        waker.wait().await;
    }
}

/// What a board shows of an outbox topic: `"matter"`, `"instruction"` or `"camera"` (each
/// event carries the thing as it now stands), or `None` for news that is not the board's
/// (supervision slips and findings go to their addressees, not to the board).
pub fn board_kind(topic: &str) -> Option<&'static str> {
    match topic.split('.').next() {
        Some("matter") => Some("matter"),
        Some("instruction") => Some("instruction"),
        Some("camera") => Some("camera"),
        _ => None,
    }
}

/// What a board receives.
#[derive(Debug, Clone)]
pub enum FeedItem {
    Event(Arc<OutboxEvent>),
    /// The board fell behind (or asked for more than [`CATCH_UP_MAX`]): reload the snapshot.
    Reset,
}

/// One board's view of the feed: its jurisdiction's events, the missed ones first.
pub struct Subscription {
    /// The unit paths whose events this board shows (see [`crate::board::scope`]).
    paths: Vec<String>,
    backlog: VecDeque<FeedItem>,
    rx: broadcast::Receiver<Arc<OutboxEvent>>,
    /// Ids already sent (a bounded window), so an event is never sent twice.
    sent: HashSet<i64>,
    order: VecDeque<i64>,
}

impl Subscription {
    /// The next event for this board; `None` when the node is shutting down.
    pub async fn next(&mut self) -> Option<FeedItem> {
        loop {
            let item = match self.backlog.pop_front() {
                Some(i) => i,
                None => match self.rx.recv().await {
                    Ok(e) => FeedItem::Event(e),
                    Err(broadcast::error::RecvError::Lagged(_)) => FeedItem::Reset,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            };
            match &item {
                FeedItem::Event(e)
                    if board_kind(&e.topic).is_none()
                        || e.path.is_empty()
                        || !self.paths.iter().any(|p| e.path.starts_with(p.as_str())) =>
                {
                    continue;
                }
                FeedItem::Event(e) if !self.remember(e.id) => continue,
                _ => return Some(item),
            }
        }
    }

    fn remember(&mut self, id: i64) -> bool {
        if !self.sent.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > 20_000
            && let Some(old) = self.order.pop_front()
        {
            self.sent.remove(&old);
        }
        true
    }
}

/// Connect a board to the events of `paths` (see [`crate::board::scope`]): those who may see the board (command room, desks, community officers,
/// street leaders) receive their jurisdiction's events from now on, and — given the last id
/// they saw — what they missed since.
pub async fn subscribe(app: &App, actor: &Actor, paths: Vec<String>, last_seen: Option<i64>) -> Result<Subscription> {
    actor.authorize(app, Action::ViewBoard, actor.jurisdiction(), ("board", "live")).await?;
    // Subscribe before the tailer starts and before reading the backlog, so nothing falls
    // between them.
    let rx = app.feed.tx.subscribe();
    app.feed.start(&app.store).await?;
    let mut backlog = VecDeque::new();
    if let Some(last) = last_seen.filter(|l| *l >= 0) {
        // A window back from the last id seen: events that committed after it with lower ids.
        let from = (last - 200).max(0);
        let missed = app.store.outbox_after(from, CATCH_UP_MAX + 1).await?;
        if missed.len() as i64 > CATCH_UP_MAX {
            backlog.push_back(FeedItem::Reset);
        } else {
            // The board drops what it already has by id (and older news of a matter).
            backlog.extend(missed.into_iter().map(|e| FeedItem::Event(Arc::new(e))));
        }
    }
    // Only paths of the viewer's jurisdiction, whatever the caller passed.
    let paths = paths.into_iter().filter(|p| p.starts_with(&actor.jurisdiction().0)).collect();
    Ok(Subscription { paths, backlog, rx, sent: HashSet::new(), order: VecDeque::new() })
}
