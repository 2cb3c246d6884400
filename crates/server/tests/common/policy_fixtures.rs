//! Objects the route policy test calls its routes on: a camera, a patrol plan and round, a
//! look and a repair; a shift template, an assignment and a handover; a supervision slip, a
//! spot check and its item.

use super::Kind;
use super::common::World;

const G01: &str = "XY-C01-G01";
const C01: &str = "XY-C01";

/// A camera of G01, a plan of C01 with the commander's round of it, a look that saw
/// something and a repair opened by a look that found no picture.
pub async fn video(
    store: &fengqiao_store::Store,
    ctx: &fengqiao_store::audit::AuditCtx,
) -> (String, i64, i64, i64, i64) {
    use fengqiao_store::video::{NewCamera, NewEntry, NewPlan};
    let g01 = store.unit_by_code(G01).await.unwrap();
    let c01 = store.unit_by_code(C01).await.unwrap();
    let commander = store.user_by_username("commander").await.unwrap();
    let device = "14110200001320000001".to_string();
    let camera = NewCamera {
        device_id: device.clone(),
        name: "府前街口".into(),
        category: "key_road".into(),
        tier: "key".into(),
        interval_minutes: 30,
        grid_id: g01.id.0,
        path: g01.path.0.clone(),
        lat: 37.105,
        lon: 111.705,
        owner: String::new(),
        recorder_id: String::new(),
        stream_url: String::new(),
    };
    store.upsert_cameras(ctx, &[camera], 0).await.unwrap();
    let id = store.camera(&device).await.unwrap().unwrap().id;
    let plan = NewPlan {
        name: "重点点位".into(),
        unit_id: c01.id.0,
        path: c01.path.0.clone(),
        tier: "key".into(),
        categories: String::new(),
        interval_minutes: 30,
        assignee_id: None,
        created_by: commander.id.0,
        now: 0,
    };
    let plan = store.insert_patrol_plan(ctx, &plan).await.unwrap();
    let round = store.start_patrol_round(ctx, plan, commander.id.0, &c01.path.0, 0).await.unwrap();
    let look = |finding: &str, fault: bool| NewEntry {
        round_id: None,
        camera_id: id,
        user_id: commander.id.0,
        finding: finding.into(),
        fault,
        note: "路口有人聚集争吵".into(),
        now: 1,
    };
    let (seen, _) = store.record_entry(ctx, &look("seen", false)).await.unwrap();
    let (_, repair) = store.record_entry(ctx, &look("no_picture", true)).await.unwrap();
    (device, plan, round, seen, repair.unwrap())
}

/// A duty commander's template, the commander on today's shift of it, and the handover
/// sheet of that shift (unsigned).
pub async fn roster(w: &World, cmd: &str) -> (i64, i64, i64) {
    let t = r#"{"post":"duty_commander","name":"值班指挥长","start":"00:00","duration_minutes":1440,"min_people":1,"max_people":1}"#;
    let r = w.post_json("/api/v1/shift-templates", Some(cmd), t).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let template = r.json()["id"].as_i64().unwrap();
    let now = chrono::DateTime::from_timestamp_millis(w.state.app.clock.now()).unwrap();
    let today = now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap()).format("%Y-%m-%d");
    let rot = format!(r#"{{"template":{template},"people":["commander"],"from":"{today}","days":1}}"#);
    assert_eq!(w.post_json("/api/v1/roster/rotations", Some(cmd), &rot).await.status, 201);
    let on = w.get("/api/v1/on-duty", Some(cmd)).await.json();
    let assignment = on[0]["assignment"].as_i64().expect("the commander is on duty");
    let r = w.post_json("/api/v1/handovers", Some(cmd), "{}").await;
    assert_eq!(r.status, 201, "{}", r.body);
    (template, assignment, r.json()["id"].as_i64().unwrap())
}

/// The commander's supervision slip about matter `m` (to its grid), a spot check of the
/// station (of a long-gone week, so this week's draw is free) that drew `m`, closed by gw1,
/// and that item reviewed as flawed (its findings sent to gw1).
pub async fn supervision(w: &World, cmd: &str, m: &str) -> (String, i64, i64) {
    let body = format!(r#"{{"subject":"matter","about":"{m}","reason":"超期未办结，请说明原因。"}}"#);
    let r = w.post_json("/api/v1/supervision-slips", Some(cmd), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let slip = r.json()["code"].as_str().unwrap().to_string();
    let store = &w.store;
    let st = store.unit_by_code("XY").await.unwrap();
    let g01 = store.unit_by_code(G01).await.unwrap();
    let matter = store.matter_by_code(m).await.unwrap();
    let gw1 = store.user_by_username("gw1").await.unwrap();
    let drawn = fengqiao_store::supervision::ClosedMatter {
        id: matter.id,
        path: g01.path.0.clone(),
        handler_unit_id: g01.id.0,
        closer_id: Some(gw1.id.0),
    };
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "fixture");
    let check = store.insert_spot_check(&ctx, (st.id.0, &st.path.0), 0, 1, &[drawn], 1).await.unwrap().unwrap();
    let r = w.get(&format!("/api/v1/spot-checks/{check}"), Some(cmd)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let item = r.json()["matters"][0]["id"].as_i64().unwrap();
    let review = r#"{"verdict":"flawed","flaws":["no_follow_up"],"findings":"未按期回访当事人。"}"#;
    let r = w.post_json(&format!("/api/v1/spot-check-items/{item}/review"), Some(cmd), review).await;
    assert_eq!(r.status, 200, "{}", r.body);
    (slip, check, item)
}

/// The routes the router declares: every `.route("path", get(..).post(..))` in the router
/// sources, as (METHOD, path) with API paths relative to `/api/v1`.
pub fn declared_routes() -> std::collections::BTreeSet<(Kind, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = std::collections::BTreeSet::new();
    for (file, kind) in
        [("api/mod.rs", Kind::Api), ("web/mod.rs", Kind::Web), ("ops.rs", Kind::Web), ("open311.rs", Kind::Web)]
    {
        let src = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut rest = src.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            // The call's text, to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(j, _)| j)
                .unwrap();
            let call = &rest[..end];
            let path = call.split('"').nth(1).unwrap().to_string();
            let after = &call[call.find(',').unwrap()..];
            for m in ["get", "post", "put", "delete", "patch"] {
                let named = after
                    .match_indices(&format!("{m}("))
                    .any(|(j, _)| !matches!(after[..j].chars().last(), Some(c) if c.is_alphanumeric() || c == '_'));
                if named {
                    out.insert((kind, m.to_uppercase(), path.clone()));
                }
            }
        }
    }
    out
}
