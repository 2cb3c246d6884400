//! The demo's video patrol: 840 cameras over the seed's categories of place, spread over the
//! grids (a point inside each camera's grid, a GB/T 28181 device ID under a recorder per
//! grid, a made-up stream address), three patrol plans, and the last hours' looks — most key
//! cameras looked at within the half hour, some overdue, a few offline, a few at fault with
//! their repair tasks open, one look that saw something and waits for its matter, and a
//! round in progress. Written through the store's own calls with past times, so each look
//! has its audit record and outbox event.

use super::names::Rng;
use fengqiao_domain::video::{CameraCategory, ORDINARY_INTERVAL_DEFAULT};
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::video::{NewCamera, NewEntry, NewPlan};
use fengqiao_store::{Store, StoreResult};

const MIN: i64 = 60_000;

/// (category, cameras, key ones in every ten, names).
const MIX: &[(CameraCategory, usize, usize, &[&str])] = &[
    (CameraCategory::KeyRoad, 240, 2, &["路口", "公交站", "桥头", "广场东侧", "农贸市场口", "隧道口"]),
    (CameraCategory::School, 60, 10, &["小学校门", "中学校门", "幼儿园门口", "学校围墙"]),
    (CameraCategory::Hospital, 24, 10, &["卫生院门诊", "医院急诊", "社区卫生服务站"]),
    (CameraCategory::Government, 36, 5, &["街道办大门", "社区党群服务中心", "便民服务大厅"]),
    (CameraCategory::Utility, 60, 0, &["变电站", "供水站", "燃气调压站", "供热站"]),
    (CameraCategory::Barbecue, 120, 0, &["烧烤店门前", "夜宵摊"]),
    (CameraCategory::Billiards, 60, 0, &["台球室"]),
    (CameraCategory::ChessCards, 100, 0, &["棋牌室"]),
    (CameraCategory::InternetCafe, 60, 3, &["网吧入口"]),
    (CameraCategory::Entertainment, 80, 5, &["KTV门口", "酒吧门前", "足浴店门前"]),
];

/// The corners of a GeoJSON geometry's coordinates: ([lon, lat] low, high).
fn bbox(geometry: &str) -> Option<([f64; 2], [f64; 2])> {
    fn walk(v: &serde_json::Value, lo: &mut [f64; 2], hi: &mut [f64; 2]) {
        match v {
            serde_json::Value::Array(a) if a.len() == 2 && a.iter().all(|x| x.is_number()) => {
                let (x, y) = (a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0));
                *lo = [lo[0].min(x), lo[1].min(y)];
                *hi = [hi[0].max(x), hi[1].max(y)];
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, lo, hi)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, lo, hi)),
            _ => {}
        }
    }
    let v: serde_json::Value = serde_json::from_str(geometry).ok()?;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    walk(&v, &mut lo, &mut hi);
    lo[0].is_finite().then_some((lo, hi))
}

/// Write the demo's cameras, plans and looks as of `now`; how many cameras.
pub async fn generate(store: &Store, seed: u64, now: i64) -> StoreResult<usize> {
    let mut rng = Rng::new(seed ^ 0x0c4a_2026);
    let ctx = AuditCtx::system("demo", "video patrol");
    let grids = store.grid_routes().await?;
    let index = fengqiao_app::routing::build(store.grid_routes().await?);
    let mut cameras = vec![];
    let mut serial = 0usize;
    for &(category, count, key_in_ten, names) in MIX {
        for k in 0..count {
            serial += 1;
            let g = &grids[(serial * 7 + rng.below(grids.len())) % grids.len()];
            let Some((lo, hi)) = bbox(&g.geometry) else { continue };
            // A point well inside the grid (its block's middle 80%), checked by the router.
            let mut point = None;
            for _ in 0..20 {
                let lon = lo[0] + (hi[0] - lo[0]) * (0.1 + 0.8 * rng.below(1000) as f64 / 1000.0);
                let lat = lo[1] + (hi[1] - lo[1]) * (0.1 + 0.8 * rng.below(1000) as f64 / 1000.0);
                if index.locate(lon, lat).is_some_and(|r| r.grid_id == g.grid_id) {
                    point = Some((lat, lon));
                    break;
                }
            }
            let Some((lat, lon)) = point else { continue };
            let key = k % 10 < key_in_ten;
            let grid_no = g.grid_id as usize % 10_000;
            cameras.push(NewCamera {
                device_id: format!("33068100001{}0{:06}", if key { "31" } else { "32" }, serial),
                name: format!("{}{}{}号", g.grid.name, rng.pick(names), 1 + k % 9),
                category: category.as_str().into(),
                tier: if key { "key" } else { "ordinary" }.into(),
                interval_minutes: if key { 30 } else { [120, ORDINARY_INTERVAL_DEFAULT, 480][k % 3] },
                grid_id: g.grid_id,
                path: g.path.0.clone(),
                lat,
                lon,
                owner: match category {
                    CameraCategory::KeyRoad | CameraCategory::Government => "派出所".into(),
                    CameraCategory::School | CameraCategory::Hospital | CameraCategory::Utility => "单位自建".into(),
                    _ => "社会资源接入".into(),
                },
                recorder_id: format!("3306810000118{:01}{:06}", 0, grid_no),
                stream_url: format!(
                    "rtsp://10.{}.{}.{}:554/Streaming/Channels/101",
                    20 + grid_no % 30,
                    serial / 250,
                    serial % 250 + 1
                ),
            });
        }
    }
    // Registered a day ago, so every camera has a history to be overdue against.
    store.upsert_cameras(&ctx, &cameras, now - 24 * 60 * MIN).await?;

    let station = store.unit_by_code("XY-ST").await?;
    let desk = store.user_by_username("desk1").await?;
    let plans = [
        ("重点点位半小时巡查", "key", "", 30),
        ("夜间经营场所巡查", "", "barbecue,billiards,chess_cards,internet_cafe,entertainment", 120),
        ("学校医院上下学时段巡查", "", "school,hospital", 60),
    ];
    let mut plan_ids = vec![];
    for (name, tier, categories, interval) in plans {
        let p = NewPlan {
            name: name.into(),
            unit_id: station.id.0,
            path: station.path.0.clone(),
            tier: tier.into(),
            categories: categories.into(),
            interval_minutes: interval,
            assignee_id: Some(desk.id.0),
            created_by: desk.id.0,
            now: now - 24 * 60 * MIN,
        };
        plan_ids.push(store.insert_patrol_plan(&ctx, &p).await?);
    }
    // The looks of the last hours: a finished round of the key plan 50 minutes ago, then one
    // in progress that has covered most key cameras; ordinary cameras once in their interval.
    let ids: Vec<(i64, String, String)> = {
        let f =
            fengqiao_store::video::CameraFilter { under: station.path.0.clone(), limit: 5_000, ..Default::default() };
        store.cameras(&f).await?.0.into_iter().map(|c| (c.id, c.tier, c.device_id)).collect()
    };
    // The round of the key plan 55 minutes ago, finished; then the one in progress.
    let done = store.start_patrol_round(&ctx, plan_ids[0], desk.id.0, &station.path.0, now - 55 * MIN).await?;
    let look = |round_id, camera_id, finding: &str, note: &str, at| NewEntry {
        round_id,
        camera_id,
        user_id: desk.id.0,
        finding: finding.into(),
        fault: matches!(finding, "no_picture" | "blurred" | "moved"),
        note: note.into(),
        now: at,
    };
    let keys: Vec<i64> = ids.iter().filter(|(_, tier, _)| tier == "key").map(|(id, _, _)| *id).collect();
    for (n, id) in keys.iter().enumerate() {
        store.record_entry(&ctx, &look(Some(done), *id, "fine", "", now - 50 * MIN + n as i64 * 5_000)).await?;
    }
    store.finish_patrol_round(&ctx, done, now - 30 * MIN).await?;
    // Four in five looked at again in the round in progress; the rest are overdue.
    let open = store.start_patrol_round(&ctx, plan_ids[0], desk.id.0, &station.path.0, now - 26 * MIN).await?;
    for (n, id) in keys.iter().enumerate().filter(|(n, _)| (n + 1) % 5 != 0) {
        let (finding, note) = match n {
            6 => ("seen", "校门口两名男子推搡争吵，围观约十人"),
            12 => ("blurred", "镜头有水渍，画面模糊"),
            _ => ("fine", ""),
        };
        store.record_entry(&ctx, &look(Some(open), *id, finding, note, now - 24 * MIN + n as i64 * 8_000)).await?;
    }
    // Ordinary cameras: half looked at within their interval, a few found at fault.
    for (i, (id, tier, _)) in ids.iter().enumerate() {
        if tier == "key" || i % 2 != 0 {
            continue;
        }
        let at = now - (20 + rng.below(100) as i64) * MIN;
        let (finding, note) = match i % 97 {
            0 => ("no_picture", "黑屏无图像"),
            2 => ("moved", "镜头被转向墙面"),
            _ => ("fine", ""),
        };
        store.record_entry(&ctx, &look(None, *id, finding, note, at)).await?;
    }
    // A few cameras the platform reports offline.
    for (id, _, _) in ids.iter().skip(3).step_by(41) {
        store.set_camera_status(&ctx, *id, "offline", now - (30 + rng.below(600) as i64) * MIN).await?;
    }
    Ok(ids.len())
}
