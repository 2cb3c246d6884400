//! Full-text Chinese search over matters (narratives, mediation records, notes) with
//! filters, within the reader's jurisdiction: tantivy with jieba word segmentation.
//!
//! The database is the source of truth; each node keeps its own index (in `index_dir`)
//! derived from it, following the matters by their last change (`updated_at`, id). A sync
//! runs every two seconds and before each search, re-reading a few seconds back so a write
//! committed late is not missed (indexing is idempotent: delete by id, add). The watermark is
//! kept in the index's commit payload; a missing or older-schema index is rebuilt.

use fengqiao_store::Store;
use fengqiao_store::search_feed::FeedItem;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bump when the schema or the analysis changes: the index is then rebuilt.
const SCHEMA_VERSION: &str = "2";
/// Re-read this far behind the watermark, for writes that committed late.
const OVERLAP_MS: i64 = 5_000;
const BATCH: i64 = 2_000;

struct Fields {
    id: Field,
    /// Words as jieba segments them (stored: the matched passage is cut from it).
    text: Field,
    /// The same text one character at a time, with positions: any run of characters is
    /// found as a phrase (狗 inside 宠物狗, a partial name, digits of a room number).
    chars: Field,
    path: Field,
    kind: Field,
    category: Field,
    status: Field,
    tier: Field,
    risk: Field,
    created: Field,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    f: Fields,
    /// (updated_at, id) of the last change taken, and the sync lock.
    sync: tokio::sync::Mutex<(i64, i64)>,
}

/// A search request: words and filters (all optional).
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    /// The reader's jurisdiction (a unit path) — always applied.
    pub within: String,
    /// A narrower unit path (a grid or community), if chosen.
    pub unit: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub tier: Option<String>,
    pub risk: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: usize,
    pub offset: usize,
    /// Best match first; otherwise (the default) the newest first.
    pub relevance: bool,
}

/// One character per token, letters and digits only, lower-cased, at consecutive positions.
#[derive(Clone, Default)]
struct CharTokenizer {
    token: Token,
}

struct CharStream<'a> {
    chars: std::str::CharIndices<'a>,
    token: &'a mut Token,
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharStream<'a> {
        self.token.reset();
        CharStream { chars: text.char_indices(), token: &mut self.token }
    }
}

impl TokenStream for CharStream<'_> {
    fn advance(&mut self) -> bool {
        for (at, c) in self.chars.by_ref() {
            if c.is_alphanumeric() {
                self.token.text.clear();
                self.token.text.extend(c.to_lowercase());
                self.token.offset_from = at;
                self.token.offset_to = at + c.len_utf8();
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The characters a word is found by in the `chars` field.
fn char_terms(word: &str) -> Vec<String> {
    word.chars().filter(|c| c.is_alphanumeric()).map(|c| c.to_lowercase().collect()).collect()
}

fn schema() -> (Schema, Fields) {
    let mut sb = Schema::builder();
    let text_opts = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("jieba")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let char_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("chars").set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        id: sb.add_i64_field("id", INDEXED | STORED | FAST),
        text: sb.add_text_field("text", text_opts),
        chars: sb.add_text_field("chars", char_opts),
        path: sb.add_text_field("path", STRING),
        kind: sb.add_text_field("kind", STRING),
        category: sb.add_text_field("category", STRING),
        status: sb.add_text_field("status", STRING),
        tier: sb.add_text_field("tier", STRING),
        risk: sb.add_text_field("risk", STRING),
        created: sb.add_i64_field("created_at", INDEXED | FAST),
    };
    (sb.build(), f)
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new()).build()
}

fn payload(wm: (i64, i64)) -> String {
    format!("v{SCHEMA_VERSION} {} {}", wm.0, wm.1)
}

fn parse_payload(p: &str) -> Option<(i64, i64)> {
    let mut it = p.split_whitespace();
    if it.next()? != format!("v{SCHEMA_VERSION}") {
        return None;
    }
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

impl SearchIndex {
    /// Open the index in `dir`, or create it (empty: the first sync fills it). An index of
    /// another schema version is removed and rebuilt.
    pub fn open(dir: &Path) -> anyhow::Result<SearchIndex> {
        let (schema, f) = schema();
        std::fs::create_dir_all(dir)?;
        let existing = Index::open_in_dir(dir).ok();
        let (index, wm) = match existing.and_then(|i| {
            let wm = i.load_metas().ok()?.payload.as_deref().and_then(parse_payload)?;
            Some((i, wm))
        }) {
            Some(x) => x,
            None => {
                for e in std::fs::read_dir(dir)? {
                    let p = e?.path();
                    if p.is_file() {
                        std::fs::remove_file(p)?;
                    }
                }
                (Index::create_in_dir(dir, schema)?, (0, 0))
            }
        };
        Self::finish(index, f, wm)
    }

    /// An index in memory (tests, and nodes started without an index directory).
    pub fn in_memory() -> anyhow::Result<SearchIndex> {
        let (schema, f) = schema();
        Self::finish(Index::create_in_ram(schema), f, (0, 0))
    }

    fn finish(index: Index, f: Fields, wm: (i64, i64)) -> anyhow::Result<SearchIndex> {
        index.tokenizers().register("jieba", analyzer());
        index.tokenizers().register("chars", TextAnalyzer::builder(CharTokenizer::default()).build());
        let writer: IndexWriter = index.writer(64_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: Mutex::new(writer), f, sync: tokio::sync::Mutex::new(wm) })
    }

    fn document(&self, item: &FeedItem) -> TantivyDocument {
        let r = &item.row;
        let mut d = TantivyDocument::default();
        d.add_i64(self.f.id, r.id);
        let mut text = r.narrative.clone();
        for t in &item.texts {
            text.push('\n');
            text.push_str(t);
        }
        d.add_text(self.f.text, &text);
        d.add_text(self.f.chars, &text);
        // Every ancestor path, so a filter on any unit is one term.
        let mut prefix = String::from("/");
        for seg in r.grid_path.split('/').filter(|s| !s.is_empty()) {
            prefix.push_str(seg);
            prefix.push('/');
            d.add_text(self.f.path, &prefix);
        }
        d.add_text(self.f.kind, &r.kind);
        d.add_text(self.f.category, &r.category);
        d.add_text(self.f.status, &r.status);
        d.add_text(self.f.tier, r.tier.as_deref().unwrap_or(""));
        d.add_text(self.f.risk, &r.escalation_risk_level);
        d.add_i64(self.f.created, r.created_at);
        d
    }

    /// Index a batch of changed matters and commit with the new watermark.
    pub fn apply(&self, items: &[FeedItem], wm: (i64, i64)) -> anyhow::Result<()> {
        let mut w = self.writer.lock().map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        for item in items {
            w.delete_term(Term::from_field_i64(self.f.id, item.row.id));
            w.add_document(self.document(item))?;
        }
        let mut commit = w.prepare_commit()?;
        commit.set_payload(&payload(wm));
        commit.commit()?;
        drop(w);
        self.reader.reload()?;
        Ok(())
    }

    /// Take every change since the watermark; returns how many matters were (re)indexed.
    pub async fn sync(&self, store: &Store) -> anyhow::Result<usize> {
        let mut wm = self.sync.lock().await;
        let mut after = if wm.0 == 0 { (0, 0) } else { (wm.0 - OVERLAP_MS, 0) };
        let mut total = 0;
        loop {
            let items = store.matters_changed_since(after, BATCH).await?;
            if items.is_empty() {
                break;
            }
            let last = items.last().map(|i| (i.row.updated_at, i.row.id)).expect("not empty");
            let new_wm = if last > *wm { last } else { *wm };
            // Skip the overlap's rows that are already in (their change is not newer).
            let fresh: Vec<FeedItem> =
                items.iter().filter(|i| (i.row.updated_at, i.row.id) > (wm.0 - OVERLAP_MS, 0)).cloned().collect();
            let n = items.len();
            if !fresh.is_empty() || new_wm != *wm {
                self.apply(&fresh, new_wm)?;
            }
            total += fresh.len();
            *wm = new_wm;
            after = last;
            if (n as i64) < BATCH {
                break;
            }
        }
        Ok(total)
    }

    /// Catch up with the database unless a sync is already running (the first build after a
    /// start can take a while at a city's size): then answer `None` at once, and a search
    /// uses what is indexed so far rather than waiting for the whole build.
    pub async fn sync_if_idle(&self, store: &Store) -> anyhow::Result<Option<usize>> {
        if self.sync.try_lock().is_err() {
            return Ok(None);
        }
        // Another sync may take the lock between the check and here; it then finishes its
        // pass and this one finds little left to do.
        Ok(Some(self.sync(store).await?))
    }

    /// The words of a query as the index reads them.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut a = analyzer();
        let mut stream = a.token_stream(text);
        let mut out: Vec<String> = Vec::new();
        while stream.advance() {
            let t = stream.token().text.trim().to_string();
            if !t.is_empty() && t.chars().any(|c| c.is_alphanumeric()) && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// Matching matters (id and the indexed text), newest or best first, and how many match
    /// in all.
    pub fn search(&self, q: &SearchQuery) -> anyhow::Result<(Vec<(i64, String)>, usize)> {
        let term = |f: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(f, v), IndexRecordOption::Basic))
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, term(self.f.path, &q.within))];
        if let Some(u) = &q.unit {
            must.push((Occur::Must, term(self.f.path, u)));
        }
        // `open`: every status but closed.
        let (status, open) = match q.status.as_deref() {
            Some("open") => (None, true),
            _ => (q.status.clone(), false),
        };
        if open {
            must.push((Occur::MustNot, term(self.f.status, "closed")));
        }
        for (f, v) in [
            (self.f.kind, &q.kind),
            (self.f.category, &q.category),
            (self.f.status, &status),
            (self.f.tier, &q.tier),
            (self.f.risk, &q.risk),
        ] {
            if let Some(v) = v {
                must.push((Occur::Must, term(f, v)));
            }
        }
        if q.from.is_some() || q.to.is_some() {
            let lo = q.from.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(self.f.created, v)));
            let hi = q.to.map_or(Bound::Unbounded, |v| Bound::Excluded(Term::from_field_i64(self.f.created, v)));
            must.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
        }
        let words = self.tokens(&q.text);
        for w in &words {
            // A word as jieba segments it, or else its characters in a row.
            let as_word: Box<dyn Query> =
                Box::new(TermQuery::new(Term::from_field_text(self.f.text, w), IndexRecordOption::WithFreqs));
            let chars: Vec<Term> = char_terms(w).iter().map(|c| Term::from_field_text(self.f.chars, c)).collect();
            let as_chars: Box<dyn Query> = match chars.len() {
                0 => continue,
                1 => Box::new(TermQuery::new(chars[0].clone(), IndexRecordOption::WithFreqs)),
                _ => Box::new(PhraseQuery::new(chars)),
            };
            must.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![(Occur::Should, as_word), (Occur::Should, as_chars)])),
            ));
        }
        if !q.text.trim().is_empty() && words.is_empty() {
            return Ok((vec![], 0));
        }
        let query = BooleanQuery::new(must);
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, 500);
        // Newest first, unless the best match is asked for (filters alone score the same).
        let (addrs, count): (Vec<tantivy::DocAddress>, usize) = if words.is_empty() || !q.relevance {
            let by_date = TopDocs::with_limit(limit)
                .and_offset(q.offset)
                .order_by_fast_field::<i64>("created_at", tantivy::Order::Desc);
            let (top, count) = searcher.search(&query, &(by_date, Count))?;
            (top.into_iter().map(|(_, a)| a).collect(), count)
        } else {
            let (top, count) =
                searcher.search(&query, &(TopDocs::with_limit(limit).and_offset(q.offset).order_by_score(), Count))?;
            (top.into_iter().map(|(_, a)| a).collect(), count)
        };
        let mut ids = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let d: TantivyDocument = searcher.doc(addr)?;
            if let Some(id) = d.get_first(self.f.id).and_then(|v| v.as_i64()) {
                let text = d.get_first(self.f.text).and_then(|v| v.as_str()).unwrap_or_default().to_string();
                ids.push((id, text));
            }
        }
        Ok((ids, count))
    }

    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn index(&self) -> &Index {
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_search_does_not_wait_for_a_running_build() {
        let db = fengqiao_store::testing::TestDb::sqlite().await;
        let ix = SearchIndex::in_memory().unwrap();
        assert_eq!(ix.sync_if_idle(&db.store).await.unwrap(), Some(0), "idle: it syncs");
        let building = ix.sync.lock().await;
        assert_eq!(ix.sync_if_idle(&db.store).await.unwrap(), None, "a build is running: no wait");
        drop(building);
        assert!(ix.sync_if_idle(&db.store).await.unwrap().is_some());
        db.finish().await;
    }

    #[test]
    fn the_passage_marks_the_words_where_they_were_found() {
        let text = "邻居家的宠物狗夜间吠叫。\n调解记录：双方同意晚上九点后把狗关在室内，减少噪音。";
        let p = passage(text, &["噪音".into()]).unwrap();
        let marked: Vec<&str> = p.iter().filter(|(_, hit)| *hit).map(|(t, _)| t.as_str()).collect();
        assert_eq!(marked, ["噪音"]);
        let joined: String = p.iter().map(|(t, _)| t.as_str()).collect();
        assert!(joined.starts_with("调解记录") || joined.starts_with("…"), "{joined}");
        assert!(joined.contains("减少噪音"), "{joined}");
        let p = passage(text, &["狗".into()]).unwrap();
        assert_eq!(p.iter().filter(|(_, hit)| *hit).count(), 2, "every occurrence: {p:?}");
        assert!(passage(text, &["仲裁".into()]).is_none());
        let long = "甲".repeat(200) + "噪音" + &"乙".repeat(200);
        let p = passage(&long, &["噪音".into()]).unwrap();
        let n: usize = p.iter().map(|(t, _)| t.chars().count()).sum();
        assert!(n <= PASSAGE_CHARS + 2, "{n}");
        assert!(p.first().unwrap().0.starts_with('…') && p.last().unwrap().0.ends_with('…'));
    }

    #[test]
    fn two_character_words_are_found() {
        let ix = SearchIndex::in_memory().unwrap();
        let toks = ix.tokens("邻里纠纷，楼上装修噪音扰民");
        assert!(toks.contains(&"纠纷".to_string()), "{toks:?}");
        assert!(toks.contains(&"噪音".to_string()), "{toks:?}");
    }
}

/// The filters of a matters list as typed (web form or API query), validated by `find`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filters {
    /// Words to find in narratives, mediation records and notes (Chinese word segmentation).
    #[serde(default)]
    pub q: Option<String>,
    /// A unit code (grid, community, ...) inside the caller's jurisdiction.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    /// Escalation risk level: none, yellow, orange, red.
    #[serde(default)]
    pub risk: Option<String>,
    /// Created on or after (YYYY-MM-DD, Beijing time).
    #[serde(default)]
    pub from: Option<String>,
    /// Created on or before (YYYY-MM-DD).
    #[serde(default)]
    pub to: Option<String>,
    /// `newest` (the default) or `relevance` (the best match to the words first).
    #[serde(default)]
    pub sort: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// The Beijing date (`YYYY-MM-DD`) of a time in milliseconds.
pub fn beijing_date(ms: i64) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// The first millisecond of a Beijing date given as `YYYY-MM-DD` (the error names `field`).
pub fn day_start(field: &str, s: &str) -> Result<i64, fengqiao_domain::FieldError> {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| fengqiao_domain::FieldError::new(field, "a date, YYYY-MM-DD"))?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("valid");
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_local_timezone(tz).single().expect("fixed").timestamp_millis())
}

/// Matters in the caller's jurisdiction matching the filters: from the database when only
/// status and kind are asked, from the search index otherwise. Every bad filter is named.
pub async fn find(
    state: &crate::App,
    actor: &crate::Actor,
    f: &Filters,
    limit: i64,
    cursor: Option<&str>,
) -> crate::error::Result<Found> {
    use crate::Error;
    use fengqiao_domain::FieldError;
    use fengqiao_domain::matter::{MatterKind, Status, Tier};
    use fengqiao_domain::policy::Action;
    let home = actor.jurisdiction().clone();
    actor.authorize(state, Action::ViewMatters, &home, ("matters", &actor.user.unit_code)).await?;
    let mut errs = Vec::new();
    let (q, kind, category, status, tier, risk) = (
        nonempty(&f.q),
        nonempty(&f.kind),
        nonempty(&f.category),
        nonempty(&f.status),
        nonempty(&f.tier),
        nonempty(&f.risk),
    );
    if kind.as_deref().is_some_and(|k| MatterKind::parse(k).is_none()) {
        errs.push(FieldError::new("kind", "dispute, hazard, request, incident or tip"));
    }
    if category.as_deref().is_some_and(|c| state.taxonomy.all().iter().all(|d| d.code != c)) {
        errs.push(FieldError::new("category", "a category code (neighbour, marriage_family, ...)"));
    }
    if status.as_deref().is_some_and(|s| s != "closed" && s != "open" && Status::from_parts(s, None).is_none()) {
        errs.push(FieldError::new("status", "a status (registered, accepted, mediating, ..., closed) or open"));
    }
    if tier.as_deref().is_some_and(|t| Tier::parse(t).is_none()) {
        errs.push(FieldError::new("tier", "grid, community or street"));
    }
    if risk.as_deref().is_some_and(|r| fengqiao_domain::risk::Level::parse(r).is_none()) {
        errs.push(FieldError::new("risk", "none, yellow, orange or red"));
    }
    let relevance = match nonempty(&f.sort).as_deref() {
        None | Some("newest") => false,
        Some("relevance") => true,
        Some(_) => {
            errs.push(FieldError::new("sort", "newest or relevance"));
            false
        }
    };
    if q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        errs.push(FieldError::new("q", "at most 100 characters"));
    }
    let from = nonempty(&f.from).map(|s| day_start("from", &s)).transpose().map_err(|e| errs.push(e)).ok().flatten();
    let to = nonempty(&f.to)
        .map(|s| day_start("to", &s).map(|t| t + 24 * 3_600_000))
        .transpose()
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    if !errs.is_empty() {
        return Err(Error::Invalid(errs));
    }
    let unit = match nonempty(&f.unit) {
        Some(code) => {
            let u = state.store.unit_by_code(&code).await.map_err(|e| match e {
                fengqiao_store::StoreError::NotFound => Error::field("unit", format!("no unit \"{code}\"")),
                e => e.into(),
            })?;
            actor.authorize(state, Action::ViewMatters, &u.path, ("unit", &u.code)).await?;
            Some(u.path.0)
        }
        None => None,
    };
    let indexed =
        q.is_some() || category.is_some() || tier.is_some() || risk.is_some() || from.is_some() || to.is_some();
    let limit = limit.clamp(1, 500);
    let cursor = cursor.map(str::trim).filter(|c| !c.is_empty());
    let bad_cursor = || Error::field("cursor", "use the next_cursor of the previous page");
    if !indexed {
        use fengqiao_store::matter_list::{Cursor, MatterFilter};
        let path = unit.map(fengqiao_domain::org::UnitPath).unwrap_or(home);
        // The station's whole area needs no grid filter; below it, the grids it contains.
        let grids =
            if path.0.matches('/').count() <= 2 { None } else { Some(state.store.grid_ids_under(&path).await?) };
        let filter = MatterFilter {
            grids,
            status: status.as_deref().and_then(status_column),
            kind: kind.as_deref().and_then(MatterKind::parse),
        };
        let after = cursor.map(|c| Cursor::decode(c).ok_or_else(bad_cursor)).transpose()?;
        let rows = state.store.matters_page(&filter, after, limit).await?;
        let next = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|m| Cursor { created_at: m.created_at, id: m.id }.encode()))
            .flatten();
        let counted = state.store.count_matters(&filter, COUNT_CAP + 1).await?;
        return Ok(Found {
            passages: Default::default(),
            rows,
            total: counted.min(COUNT_CAP),
            total_is_capped: counted > COUNT_CAP,
            next_cursor: next,
            index_incomplete: false,
        });
    }
    // Search results page by offset, as a cursor `s<offset>`, no deeper than the cap.
    let offset = match cursor {
        None => 0,
        Some(c) => {
            c.strip_prefix('s').and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0).ok_or_else(bad_cursor)?
        }
    };
    if offset >= COUNT_CAP {
        return Err(Error::field("cursor", format!("search results go {COUNT_CAP} deep; narrow the search")));
    }
    let caught_up = state.search.sync_if_idle(&state.store).await.map_err(Error::Internal)?.is_some();
    let sq = SearchQuery {
        text: q.unwrap_or_default(),
        within: home.0.clone(),
        unit,
        kind,
        category,
        status,
        tier,
        risk,
        from,
        to,
        limit: limit as usize,
        offset: offset as usize,
        relevance,
    };
    let (hits, total) = state.search.search(&sq).map_err(Error::Internal)?;
    let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
    let rows = state.store.matters_by_ids(&ids).await?;
    let marks = state.search.tokens(&sq.text);
    let passages = hits.iter().filter_map(|(id, text)| passage(text, &marks).map(|p| (*id, p))).collect();
    let total = total as i64;
    let next = (offset + limit < total.min(COUNT_CAP)).then(|| format!("s{}", offset + limit));
    Ok(Found {
        passages,
        rows,
        total: total.min(COUNT_CAP),
        total_is_capped: total > COUNT_CAP,
        next_cursor: next,
        index_incomplete: !caught_up,
    })
}

/// Lists count at most this many matters ("10,000+") and search goes no deeper.
pub const COUNT_CAP: i64 = 10_000;

/// The part of a matter's text where the words were found: up to [`PASSAGE_CHARS`]
/// characters around the first match, as pieces, each marked when it is a searched word.
pub type Passage = Vec<(String, bool)>;

/// How long a matched passage is.
pub const PASSAGE_CHARS: usize = 80;

/// The passage of `text` around the first of `words` found in it (any case), with every
/// occurrence of a word marked; `None` when no word occurs as such (nothing to show).
pub fn passage(text: &str, words: &[String]) -> Option<Passage> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    if lower.len() != chars.len() {
        return None;
    }
    let mut words: Vec<Vec<char>> = words
        .iter()
        .map(|w| w.chars().flat_map(char::to_lowercase).collect::<Vec<char>>())
        .filter(|w| !w.is_empty())
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let at = |i: usize| words.iter().find(|w| lower[i..].starts_with(w)).map(Vec::len);
    let first = (0..chars.len()).find(|&i| at(i).is_some())?;
    // Start at the beginning of the line (or sentence) with the word, if it is close.
    let mut start = first.saturating_sub(PASSAGE_CHARS / 4);
    if let Some(b) = (start..first).rev().find(|&i| matches!(chars[i], '\n' | '。' | '；' | '！' | '？')) {
        start = b + 1;
    }
    let end = (start + PASSAGE_CHARS).min(chars.len());
    let mut out: Passage = vec![];
    let push = |out: &mut Passage, s: String, hit: bool| match out.last_mut() {
        Some((t, h)) if *h == hit && !hit => t.push_str(&s),
        _ => out.push((s, hit)),
    };
    if start > 0 {
        push(&mut out, "…".into(), false);
    }
    let mut i = start;
    while i < end {
        match at(i) {
            Some(n) => {
                let n = n.min(end - i);
                push(&mut out, chars[i..i + n].iter().collect(), true);
                i += n;
            }
            None => {
                let c = if chars[i] == '\n' { ' ' } else { chars[i] };
                push(&mut out, c.to_string(), false);
                i += 1;
            }
        }
    }
    if end < chars.len() {
        push(&mut out, "…".into(), false);
    }
    Some(out)
}

/// One page of a matters list.
#[derive(Debug, Clone)]
pub struct Found {
    /// For a word search, the passage where the words were found, by matter id.
    pub passages: std::collections::HashMap<i64, Passage>,
    pub rows: Vec<fengqiao_store::matters::MatterDetail>,
    /// How many match, up to [`COUNT_CAP`].
    pub total: i64,
    /// More than [`COUNT_CAP`] match.
    pub total_is_capped: bool,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// A word search ran while the index was still being built (after a start): the
    /// results may miss recent or not yet indexed matters.
    pub index_incomplete: bool,
}

/// The status column's value of a status filter (`closed` covers every closure; `open`
/// every status but closed).
fn status_column(s: &str) -> Option<&'static str> {
    match s {
        "closed" => return Some("closed"),
        "open" => return Some("open"),
        _ => {}
    }
    fengqiao_domain::matter::Status::from_parts(s, None).map(|st| st.code())
}
