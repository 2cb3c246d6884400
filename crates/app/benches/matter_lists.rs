//! The matters list at a city's scale: N matters (default 1,000,000, two years) over 156
//! grids in 14 communities, listed through the app's use case (`search::find`: authorise,
//! the jurisdiction's grids, one keyset page of 50, the count up to 10,000) by the
//! commander (the whole area), a community officer (11 grids) and a grid worker (one
//! grid): the first page, a page 20 deep (following cursors), and filters by a common and
//! a rare status. On SQLite (a file), and on PostgreSQL when FENGQIAO_TEST_POSTGRES is set.
//!   cargo bench -p fengqiao-app --bench matter_lists -- [N]
//! Numbers are recorded in BENCHMARKS.md.

use fengqiao_app::search::{Filters, find};
use fengqiao_app::{Actor, App, Lang, Settings};
use fengqiao_domain::SecondFactor;
use fengqiao_domain::matter::{Closure, MatterKind, Status};
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::Role;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::matter_list::{BulkMatter, bulk_insert_matters};
use fengqiao_store::org::NewUnit;
use fengqiao_store::testing::TestDb;
use fengqiao_store::users::NewUser;
use std::time::Instant;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

async fn actor(store: &fengqiao_store::Store, username: &str, unit: fengqiao_domain::ids::UnitId, role: Role) -> Actor {
    let nu = NewUser {
        username: username.into(),
        display_name: username.into(),
        unit_id: unit,
        title: None,
        officer_rank: None,
        mediator_kind: None,
        roles: vec![role],
        phone: None,
        password_hash: None,
    };
    store.create_user(&AuditCtx::system("bench", "setup"), &nu).await.unwrap();
    Actor {
        user: store.user_by_username(username).await.unwrap(),
        token_hash: String::new(),
        csrf_token: String::new(),
        session_kind: "api".into(),
        client: "bench".into(),
        lang: Lang::ZhCn,
        second_factor: SecondFactor::Done,
        password_expired: false,
    }
}

async fn run(db: &TestDb, n: usize) {
    let s = &db.store;
    let ctx = AuditCtx::system("bench", "setup");
    let station = s.create_unit(&ctx, &NewUnit::new("XY", UnitKind::Station, "新义派出所", None)).await.unwrap();
    let street =
        s.create_unit(&ctx, &NewUnit::new("XY-ST", UnitKind::Street, "新义街道", Some(station.id))).await.unwrap();
    let (mut communities, mut grids) = (Vec::new(), Vec::new());
    for c in 1..=14 {
        let cu = s
            .create_unit(
                &ctx,
                &NewUnit::new(format!("C{c:02}"), UnitKind::Community, format!("第{c}社区"), Some(street.id)),
            )
            .await
            .unwrap();
        for g in 1..=11 {
            let gu = s
                .create_unit(
                    &ctx,
                    &NewUnit::new(format!("C{c:02}-G{g:02}"), UnitKind::Grid, format!("第{g}网格"), Some(cu.id)),
                )
                .await
                .unwrap();
            grids.push(gu);
        }
        communities.push(cu);
    }
    let t0 = Instant::now();
    let mut rng = Rng(2026);
    let start = 1_700_000_000_000_i64;
    let span = 2 * 365 * 86_400_000_i64;
    let open = [Status::Registered, Status::Accepted, Status::Mediating, Status::InProgress];
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        let created_at = start + (i as i64) * (span / n as i64) + rng.below(60_000) as i64;
        // 1 in 40 still open; the rest closed.
        let status = if rng.below(40) == 0 { open[rng.below(4) as usize] } else { Status::Closed(Closure::Resolved) };
        batch.push(BulkMatter {
            code: format!("B{i:08}"),
            kind: [MatterKind::Dispute, MatterKind::Hazard, MatterKind::Request][rng.below(3) as usize],
            category: "other".into(),
            narrative: "楼道堆放杂物影响通行".into(),
            status,
            grid_id: grids[rng.below(grids.len() as u64) as usize].id.0,
            created_at,
        });
        if batch.len() == 10_000 || i + 1 == n {
            let mut tx = s.begin().await.unwrap();
            bulk_insert_matters(&mut tx, &batch).await.unwrap();
            fengqiao_store::commit(tx).await.unwrap();
            batch.clear();
        }
    }
    // Statistics for the planner, as autovacuum (PostgreSQL) or `PRAGMA optimize` would have.
    db.execute_raw("ANALYZE").await;
    println!("  generated {n} matters in {:.1} s", t0.elapsed().as_secs_f64());
    let app = App::new(s.clone(), Settings::default());
    let commander = actor(s, "commander", station.id, Role::Commander).await;
    let officer = actor(s, "co01", communities[3].id, Role::CommunityOfficer).await;
    let worker = actor(s, "gw001", grids[40].id, Role::GridWorker).await;
    for (who, a) in [("commander", &commander), ("community officer", &officer), ("grid worker", &worker)] {
        for (what, status, depth) in [
            ("first page", None, 0),
            ("page 20", None, 19),
            ("status closed", Some("closed"), 0),
            ("status mediating", Some("mediating"), 0),
        ] {
            let f = Filters { status: status.map(String::from), ..Default::default() };
            let mut times = Vec::new();
            let mut total = 0;
            for _ in 0..60 {
                let mut cursor: Option<String> = None;
                for _ in 0..depth {
                    cursor = find(&app, a, &f, 50, cursor.as_deref()).await.unwrap().next_cursor;
                }
                let t = Instant::now();
                let page = find(&app, a, &f, 50, cursor.as_deref()).await.unwrap();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                total = page.total;
            }
            println!(
                "  {who:18} {what:17} p50 {:6.2} ms  p95 {:6.2} ms  (count {total}{})",
                pct(times.clone(), 0.5),
                pct(times, 0.95),
                if total >= fengqiao_app::search::COUNT_CAP { "+" } else { "" }
            );
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    println!("SQLite (a file, synchronous=FULL), {n} matters:");
    let db = TestDb::sqlite().await;
    run(&db, n).await;
    db.finish().await;
    if let Some(db) = TestDb::postgres().await {
        println!("PostgreSQL, {n} matters:");
        run(&db, n).await;
        db.finish().await;
    }
}
