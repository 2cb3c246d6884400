//! Full-text search over N matters (default 1,000,000): our tantivy + jieba index against
//! SQLite FTS5 with the trigram tokenizer, on the same generated narratives, side by side.
//! Each query returns the 50 best matches and the number of matches, as the matters page
//! does.
//!   cargo bench -p fengqiao-server --bench search -- [N]
//! Numbers are recorded in BENCHMARKS.md.

use fengqiao_app::search::{SearchIndex, SearchQuery};
use fengqiao_store::search_feed::{FeedItem, FeedRow};
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PLACES: &[&str] =
    &["幸福小区", "和谐家园", "府前街", "崇文路", "振兴花园", "龙泉小区", "光明里", "迎宾路", "文峰苑", "新义街"];
const WHO: &[&str] =
    &["楼上住户", "邻居", "物业公司", "房东", "租户", "包工头", "商户", "前夫", "兄弟姐妹", "业主委员会"];
const WHAT: &[&str] = &[
    "装修噪音扰民，多次沟通无果",
    "空调外机滴水到楼下阳台",
    "在楼道堆放杂物影响通行",
    "拖欠工资三个月未结清",
    "借款到期不还，多次催要未果",
    "物业费收取标准有争议",
    "宠物狗夜间吠叫影响休息",
    "停车位被长期占用引发口角",
    "漏水损坏楼下装修要求赔偿",
    "因赡养老人费用分担产生分歧",
    "院墙界限不清发生争执",
    "预付卡退费纠纷",
];
const THEN: &[&str] =
    &["双方在楼道发生争吵", "网格员上门了解情况", "社区已组织调解", "要求尽快处理", "情绪较为激动", "已报告社区民警"];

fn narrative(r: &mut Rng) -> String {
    format!("{}{}{}，{}。", r.pick(PLACES), r.pick(WHO), r.pick(WHAT), r.pick(THEN))
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    println!("{n} matters");

    // tantivy + jieba
    let ix = SearchIndex::open(&dir.path().join("index"))?;
    let t = Instant::now();
    let mut r = Rng(2026);
    let mut batch = Vec::with_capacity(50_000);
    for i in 0..n {
        let id = i as i64 + 1;
        batch.push(FeedItem {
            row: FeedRow {
                id,
                code: format!("M{id:08}"),
                kind: "dispute".into(),
                category: "neighbour".into(),
                status: "closed".into(),
                tier: Some("grid".into()),
                escalation_risk_level: "none".into(),
                grid_path: format!("/1/2/{}/{}/", 3 + i % 14, 100 + i % 156),
                narrative: narrative(&mut r),
                created_at: 1_700_000_000_000 + id * 30_000,
                updated_at: 1_700_000_000_000 + id * 30_000,
            },
            texts: vec![],
        });
        if batch.len() == 50_000 || i + 1 == n {
            ix.apply(&batch, (1_700_000_000_000 + id * 30_000, id))?;
            batch.clear();
        }
    }
    println!("tantivy+jieba: indexed in {:.1} s, {} documents", t.elapsed().as_secs_f64(), ix.documents());

    // SQLite FTS5, trigram
    let db = dir.path().join("fts.db");
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", db.display())).await?;
    sqlx::query("CREATE VIRTUAL TABLE f USING fts5(narrative, tokenize = 'trigram')").execute(&pool).await?;
    let t = Instant::now();
    let mut r = Rng(2026);
    let mut tx = pool.begin().await?;
    for i in 0..n {
        sqlx::query("INSERT INTO f (rowid, narrative) VALUES ($1, $2)")
            .bind(i as i64 + 1)
            .bind(narrative(&mut r))
            .execute(&mut *tx)
            .await?;
        if (i + 1) % 100_000 == 0 {
            tx.commit().await?;
            tx = pool.begin().await?;
        }
    }
    tx.commit().await?;
    println!("SQLite FTS5 trigram: indexed in {:.1} s", t.elapsed().as_secs_f64());

    // Queries of three or more characters (the trigram tokenizer needs them), rarer and
    // commoner ones; and two-character words, which only the segmented index can answer.
    let long = [
        "装修噪音",
        "拖欠工资",
        "空调外机",
        "物业费",
        "预付卡退费",
        "赡养老人",
        "停车位",
        "院墙界限",
        "幸福小区",
        "网格员上门",
    ];
    let short = ["纠纷", "噪音", "工资", "漏水", "借款", "宠物"];
    let runs = 20;
    let mut ours = Vec::new();
    let mut fts5 = Vec::new();
    let (mut hits_ours, mut hits_fts5) = (0usize, 0i64);
    for _ in 0..runs {
        for q in long {
            let sq = SearchQuery { text: q.into(), within: "/1/".into(), limit: 50, ..Default::default() };
            let t = Instant::now();
            let (ids, count) = ix.search(&sq)?;
            std::hint::black_box(ids);
            ours.push(t.elapsed().as_secs_f64() * 1000.0);
            hits_ours += count;
            let t = Instant::now();
            let top: Vec<i64> = sqlx::query_scalar("SELECT rowid FROM f WHERE f MATCH $1 ORDER BY rank LIMIT 50")
                .bind(format!("\"{q}\""))
                .fetch_all(&pool)
                .await?;
            let c: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM f WHERE f MATCH $1")
                .bind(format!("\"{q}\""))
                .fetch_one(&pool)
                .await?;
            fts5.push(t.elapsed().as_secs_f64() * 1000.0);
            hits_fts5 += c;
            std::hint::black_box(top);
        }
    }
    let mut short_ours = Vec::new();
    for _ in 0..runs {
        for q in short {
            let sq = SearchQuery { text: q.into(), within: "/1/".into(), limit: 50, ..Default::default() };
            let t = Instant::now();
            std::hint::black_box(ix.search(&sq)?);
            short_ours.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let filtered: Vec<f64> = {
        let mut v = Vec::new();
        for _ in 0..runs {
            for (k, q) in long.iter().enumerate() {
                let sq = SearchQuery {
                    text: (*q).into(),
                    within: "/1/".into(),
                    unit: Some(format!("/1/2/{}/", 3 + k % 14)),
                    limit: 50,
                    ..Default::default()
                };
                let t = Instant::now();
                std::hint::black_box(ix.search(&sq)?);
                v.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        v
    };
    let short_fts5: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM f WHERE f MATCH '\"纠纷\"'").fetch_one(&pool).await.unwrap_or(-1);
    println!(
        "3+ character queries, top 50 and the count ({} queries; matches: ours {}, FTS5 {}):",
        ours.len(),
        hits_ours / runs,
        hits_fts5 / runs as i64
    );
    println!("  tantivy+jieba  p50 {:.2} ms  p95 {:.2} ms", pct(ours.clone(), 0.5), pct(ours, 0.95));
    println!("  SQLite FTS5    p50 {:.2} ms  p95 {:.2} ms", pct(fts5.clone(), 0.5), pct(fts5, 0.95));
    println!(
        "  tantivy+jieba within one community: p50 {:.2} ms  p95 {:.2} ms",
        pct(filtered.clone(), 0.5),
        pct(filtered, 0.95)
    );
    println!(
        "2-character words: tantivy+jieba p50 {:.2} ms  p95 {:.2} ms; FTS5 trigram finds {} rows for 纠纷",
        pct(short_ours.clone(), 0.5),
        pct(short_ours, 0.95),
        short_fts5
    );
    Ok(())
}
