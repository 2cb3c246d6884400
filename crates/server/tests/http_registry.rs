//! Routing points to grids and the registry API within the jurisdiction, each on SQLite
//! and on PostgreSQL.

mod common;

use common::urlencode;
use common::{assert_error_body, world};
use fengqiao_store::audit::AuditFilter;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;

async fn locate_routes_points_to_grids(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let r = w.get("/api/v1/locate?lat=37.105&lon=111.705", Some(&gw)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["grid"]["code"], "XY-C01-G01");
    assert_eq!(j["community"]["code"], "XY-C01");
    assert_eq!(j["street"]["code"], "XY-ST");
    assert_eq!(j["worker"]["username"], "gw1");
    assert_eq!(j["worker"]["phone"], "138****0003", "a grid worker sees masked numbers");
    let cmd = w.token("commander").await;
    let j = w.get("/api/v1/locate?lat=37.105&lon=111.705", Some(&cmd)).await.json();
    assert_eq!(j["worker"]["phone"], "138****0003", "so does the commander: no unaudited full numbers");
    // A point in the neighbouring community's grid is outside a grid worker's jurisdiction.
    assert_error_body(&w.get("/api/v1/locate?lat=37.105&lon=111.715", Some(&gw)).await, 403, "forbidden");
    let cmd = w.token("commander").await;
    // On the shared border the point belongs to the grid on its right, every time.
    for _ in 0..3 {
        assert_eq!(
            w.get("/api/v1/locate?lat=37.105&lon=111.71", Some(&cmd)).await.json()["grid"]["code"],
            "XY-C02-G01"
        );
    }
    let r = w.get("/api/v1/locate?lat=37.105&lon=111.73", Some(&cmd)).await;
    assert_error_body(&r, 404, "outside_grids");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("XY-C02-G01"), "{}", r.body);
    assert_error_body(&w.get("/api/v1/locate?lat=91&lon=111.73", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/locate?lon=111.73", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/locate?lat=abc&lon=111.73", Some(&cmd)).await, 422, "validation");
    // Moving a grid's boundary re-indexes without a restart.
    let g2 = w.store.unit_by_code("XY-C02-G01").await.unwrap();
    let up = fengqiao_store::org::UnitUpdate {
        name: g2.name.clone(),
        address: None,
        geometry: Some(common::rect(111.71, 37.10, 111.74, 37.11)),
        sort_order: 0,
    };
    w.store.update_unit(&fengqiao_store::audit::AuditCtx::system("t", "t"), g2.id, &up).await.unwrap();
    assert_eq!(w.get("/api/v1/locate?lat=37.105&lon=111.73", Some(&cmd)).await.json()["grid"]["code"], "XY-C02-G01");
}

async fn registry_api_within_the_jurisdiction(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let found = w.get("/api/v1/residents?q=zsc", Some(&gw)).await;
    assert_eq!(found.status, 200, "{}", found.body);
    let j = found.json();
    assert_eq!(j.as_array().unwrap().len(), 1);
    assert_eq!(j[0]["name"], "张世川");
    // Issue 9, item 3: a grid worker (no personal-data permission) sees the ID's last 4
    // characters and an age, not the region prefix and the birth date.
    assert_eq!(j[0]["id_number"], "**************0173");
    assert_eq!(j[0]["birth_date"], serde_json::Value::Null);
    assert!(j[0]["age"].as_i64().is_some_and(|a| a >= 44), "{j}");
    assert_eq!(j[0]["phone"], "139****0003");
    assert_eq!(j[0]["care"][0], "elderly_alone", "grid workers see care categories");
    // Another grid's resident is not found from here, by any key.
    for q in ["李秀英", "lxy", "141181195807200248"] {
        assert_eq!(
            w.get(&format!("/api/v1/residents?q={}", urlencode(q)), Some(&gw)).await.json().as_array().unwrap().len(),
            0,
            "{q}"
        );
    }
    let by_id = w.get("/api/v1/residents?q=141181198211110173", Some(&gw)).await.json();
    assert_eq!(by_id[0]["household_code"], "H1");
    let searches = w
        .store
        .search_audit(&AuditFilter { action: Some("registry.search".into()), limit: 50, ..Default::default() })
        .await
        .unwrap();
    assert!(
        searches.iter().any(|r| r.detail.starts_with("id_number 141***********0173")),
        "the audit names the search, masked"
    );
    assert!(searches.iter().all(|r| !r.detail.contains("141181198211110173")), "never a full ID number in the log");
    assert_error_body(&w.get("/api/v1/residents", Some(&gw)).await, 422, "validation");
    // The same on the pages and in the file; a role with the permission sees 3 + 4 and the date.
    let page = w.get(&format!("/registry?q={}", urlencode("张世川")), Some(&gw)).await;
    assert!(page.body.contains("**************0173") && !page.body.contains("1982-11-11"), "{}", page.body);
    assert_eq!(w.get("/api/v1/households/H1", Some(&gw)).await.json()["members"][0]["id_number"], "**************0173");
    let co = w.get("/api/v1/residents?q=zsc", Some(&w.token("co01").await)).await.json();
    assert_eq!(
        (co[0]["id_number"].as_str(), co[0]["birth_date"].as_str()),
        (Some("141***********0173"), Some("1982-11-11"))
    );
    // Exact searches by ID or phone are limited per account for such roles (two were made
    // above); a mistyped number is logged with its last 4 digits only.
    for _ in 2..fengqiao_app::registry::EXACT_SEARCHES_PER_HOUR {
        assert_eq!(w.get("/api/v1/residents?q=13903580003", Some(&gw)).await.status, 200);
    }
    let r = w.get("/api/v1/residents?q=13903580003", Some(&gw)).await;
    assert_error_body(&r, 429, "too_many_requests");
    assert_eq!(w.get("/api/v1/residents?q=zsc", Some(&gw)).await.status, 200, "other searches go on");
    let r = w.get("/api/v1/residents?q=14118119821111017", Some(&gw)).await;
    assert_eq!(r.status, 200);
    let logged = w
        .store
        .search_audit(&AuditFilter { action: Some("registry.search".into()), limit: 1, ..Default::default() })
        .await
        .unwrap();
    assert!(logged[0].detail.contains("*************1017") && !logged[0].detail.contains("1411811"), "{:?}", logged[0]);

    let list = w.get("/api/v1/households", Some(&gw)).await.json();
    assert_eq!(list["total"], 1);
    let file = w.get("/api/v1/households/H1", Some(&gw)).await.json();
    assert_eq!(file["members"][0]["relation"], "head");
    // Issue 9, item 14: another grid's household reads as one that does not exist.
    let other = w.get("/api/v1/households/H2", Some(&gw)).await;
    assert_error_body(&other, 404, "not_found");
    assert_eq!(other.body, w.get("/api/v1/households/NOPE", Some(&gw)).await.body);
    assert_error_body(&w.get("/api/v1/households/NOPE", Some(&gw)).await, 404, "not_found");

    let r =
        w.post_json("/api/v1/households/H1/visits", Some(&gw), r#"{"kind":"monthly","outcome":"家中无异常"}"#).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = w.post_json("/api/v1/households/H1/visits", Some(&gw), r#"{"kind":"party","outcome":""}"#).await;
    assert_error_body(&r, 422, "validation");
    assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 2);
    assert_eq!(w.get("/api/v1/households/H1", Some(&gw)).await.json()["visits"][0]["outcome"], "家中无异常");
    let cmd = w.token("commander").await;
    let located =
        w.get(&format!("/api/v1/locate?address={}", urlencode("崇文街2号和谐小区2号楼202室")), Some(&cmd)).await;
    assert_eq!(located.json()["grid"]["code"], "XY-C02-G01", "{}", located.body);
    assert_error_body(
        &w.get(&format!("/api/v1/locate?address={}", urlencode("无此地址")), Some(&cmd)).await,
        422,
        "validation",
    );
}

async fn registry_export_and_organisations(db: &TestDb) {
    use calamine::Reader;
    let w = world(db).await;
    common::registry(&w).await;
    let co = w.token("co01").await;
    let r = w.get("/registry/export.xlsx?unit=XY-C01-G01", Some(&co)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.raw.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["住户", "居民", "单位场所"]);
    let residents = book.worksheet_range("居民").unwrap();
    let rows: Vec<Vec<String>> = residents.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 2, "header and the one resident of the grid: {rows:?}");
    assert_eq!(rows[1][1], "张世川");
    assert_eq!(rows[1][4], "141***********0173", "ID numbers are masked in exports");
    assert_eq!(rows[1][8], "独居老人");
    let exports = w
        .store
        .search_audit(&AuditFilter { action: Some("registry.export".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(exports.len(), 1);
    // Another community's grid is refused; the organisations page renders.
    assert_eq!(w.get("/registry/export.xlsx?unit=XY-C02-G01", Some(&co)).await.status, 403);
    let page = w.get("/registry/organisations", Some(&co)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("单位场所"));

    // The same export over the API, by the same use case (audited once more).
    let r = w.get("/api/v1/registry/export?unit=XY-C01-G01", Some(&co)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(r.raw.clone())).unwrap();
    let rows = book.worksheet_range("居民").unwrap();
    assert_eq!(rows.rows().nth(1).unwrap()[4].to_string(), "141***********0173");
    assert_error_body(&w.get("/api/v1/registry/export?unit=XY-C02-G01", Some(&co)).await, 403, "forbidden");
    assert_error_body(&w.get("/api/v1/registry/export?unit=NOPE", Some(&co)).await, 404, "not_found");
    let exports = w
        .store
        .search_audit(&AuditFilter { action: Some("registry.export".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(exports.len(), 2);

    // Organisations and key places over the API: within the jurisdiction, phones masked,
    // an uninspected key place flagged.
    let head = "code,name,kind,address,lat,lon,responsible_name,responsible_phone,last_inspection\n";
    let o1 = format!("{head}O1,星空网咖,internet_cafe,府前街3号,37.105,111.705,刘海涛,13903580101,\n");
    let r = w.post_body("/api/v1/imports/organisations", Some(&co), "text/csv", o1).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let o2 = format!("{head}O2,崇文小学,school,崇文街9号,37.105,111.715,陈文静,13903580102,2026-09-01\n");
    let r = w.post_body("/api/v1/imports/organisations", Some(&w.token("gw2").await), "text/csv", o2).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cmd = w.token("commander").await;
    let r = w.get("/api/v1/organisations", Some(&co)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["total"], 1, "the other community's school is not listed: {j}");
    let o = &j["items"][0];
    assert_eq!(
        (o["code"].as_str(), o["kind"].as_str(), o["key_place"].as_bool()),
        (Some("O1"), Some("internet_cafe"), Some(true))
    );
    assert_eq!(o["phone"], "139****0101");
    assert_eq!(o["inspection_overdue"], true, "never inspected");
    let j = w.get("/api/v1/organisations?kind=school", Some(&cmd)).await.json();
    assert_eq!((j["total"].as_i64(), j["items"][0]["code"].as_str()), (Some(1), Some("O2")));
    assert_error_body(&w.get("/api/v1/organisations?kind=spaceport", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/organisations?limit=100000", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/organisations?offset=9999999999", Some(&cmd)).await, 422, "validation");
    assert_error_body(&w.get("/api/v1/organisations", None).await, 401, "unauthenticated");
}

/// A building's QR sheet shows only the households the reader may see: a building can span
/// grids, and a household of another grid is counted, not printed.
async fn qr_sheet_within_reach(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    db.execute_raw(
        "INSERT INTO buildings (code, compound, name, grid_id, lat, lon, created_at, updated_at) \
         SELECT 'B1', '幸福小区', '1号楼', grid_id, lat, lon, 0, 0 FROM households WHERE code = 'H1'",
    )
    .await;
    db.execute_raw("UPDATE households SET building_id = (SELECT id FROM buildings WHERE code = 'B1')").await;
    let gw = w.token("gw1").await;
    let r = w.get("/buildings/B1/qr-sheet", Some(&gw)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let card = |code: &str| format!("<code>{code}</code>");
    assert!(r.body.contains(&card("H1")) && !r.body.contains(&card("H2")), "{}", r.body);
    assert!(r.body.contains("另有 1 户"), "the household out of reach is counted");
    let cmd = w.token("commander").await;
    let r = w.get("/buildings/B1/qr-sheet", Some(&cmd)).await;
    assert!(r.body.contains(&card("H1")) && r.body.contains(&card("H2")) && !r.body.contains("另有"));
    // A grid worker of neither grid is refused outright.
    db.execute_raw("UPDATE households SET building_id = NULL WHERE code = 'H1'").await;
    let r = w.get("/buildings/B1/qr-sheet", Some(&gw)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

/// Issue 9, item 14: a QR code's link is never built from the request's `Host` (which a
/// client or a misconfigured proxy chooses): it comes from `public_url`, or the definite
/// address the node is bound to; with neither, printing asks for `public_url`.
async fn qr_links_never_follow_the_host_header(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let get = |app: axum::Router, path: &'static str| {
        let gw = gw.clone();
        async move {
            let req = axum::http::Request::get(path)
                .header("host", "evil.example")
                .header("authorization", format!("Bearer {gw}"))
                .body(axum::body::Body::empty())
                .unwrap();
            let r = tower::ServiceExt::oneshot(app, req).await.unwrap();
            let status = r.status().as_u16();
            let body = http_body_util::BodyExt::collect(r.into_body()).await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).replace("&#x2f;", "/"))
        }
    };
    let (status, page) = get(w.app.clone(), "/households/H1").await;
    assert_eq!(status, 200);
    assert!(page.contains("http://127.0.0.1:8080/q/") && !page.contains("evil.example"), "{page}");
    // Configured: public_url, whatever the Host.
    let settings =
        fengqiao_server::Settings { public_url: "https://fengqiao.example.gov.cn/".into(), ..Default::default() };
    let configured =
        fengqiao_server::app(fengqiao_server::AppState::with_app(fengqiao_app::App::new(db.store.clone(), settings)));
    let (_, page) = get(configured, "/households/H1").await;
    assert!(page.contains("https://fengqiao.example.gov.cn/q/") && !page.contains("evil.example"));
    // Neither: no code is printed, and the answer says what to configure.
    let unknown = fengqiao_server::app(fengqiao_server::AppState::with_app(fengqiao_app::App::new(
        db.store.clone(),
        fengqiao_server::Settings::default(),
    )));
    let (status, body) = get(unknown.clone(), "/households/H1/qr.svg").await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("public_url"), "{body}");
    let (status, page) = get(unknown, "/households/H1").await;
    assert_eq!(status, 200);
    assert!(!page.contains("/q/") && !page.contains("evil.example"), "{page}");
}

/// Issue 9, item 9: the public QR page shows only what was reported through that code
/// (not what staff recorded, not what a former tenant reported under the old code), no
/// dispute's narrative, and a matter is rated once.
async fn the_qr_page_shows_only_its_own_reports(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw = w.token("gw1").await;
    let staff = r#"{"kind":"dispute","category":"neighbour","narrative":"张家与李家因漏水争吵，李某扬言报复","household_code":"H1"}"#;
    let r = w.post_json("/api/v1/matters", Some(&gw), staff).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let staff_code = r.json()["code"].as_str().unwrap().to_string();
    let file = w.get("/households/H1", Some(&gw)).await.body;
    let token_of = |html: &str| html.replace("&#x2f;", "/").split("/q/").nth(1).unwrap()[..43].to_string();
    let token = token_of(&file);
    let (page, cookie, csrf) = common::resident_page(&w, &token).await;
    assert!(!page.body.contains(&staff_code) && !page.body.contains("扬言报复"), "staff records are not shown");
    let form = format!("csrf={csrf}&kind=dispute&narrative={}", common::urlencode("楼上装修噪音到深夜"));
    let r = common::resident_post(&w, &format!("/q/{token}/matters"), &cookie, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (page, cookie, csrf) = common::resident_page(&w, &token).await;
    let mine = page.body.split("data-testid=\"my-matters\"").nth(1).unwrap();
    let code = mine.split("data-code=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(!page.body.contains("楼上装修噪音到深夜"), "a dispute's narrative is not shown on the public page");
    // Issue 10, item 6: a rating is asked only once the matter is closed, nothing chosen.
    assert!(!page.body.contains("data-testid=\"rating-form\""), "no rating while it is open");
    let rating = format!("csrf={csrf}&attitude=5&speed=4&firmness=4&warmth=5&comment=");
    let r = common::resident_post(&w, &format!("/q/{token}/ratings/{code}"), &cookie, &rating).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("事项办结后才能评价"), "{}", r.body);
    let closed = w
        .post_json(
            &format!("/api/v1/matters/{code}/events"),
            Some(&gw),
            r#"{"event":"withdraw","note":"当事人自行和解"}"#,
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let (page, cookie, csrf) = common::resident_page(&w, &token).await;
    let form = page.body.split("data-testid=\"rating-form\"").nth(1).expect("a rating form once closed");
    let form = form.split("</form>").next().unwrap();
    assert_eq!(form.matches("type=\"radio\"").count(), 20, "four degrees, 1 to 5 each");
    assert!(!form.contains("checked") && !form.contains("selected"), "nothing chosen for the resident");
    let untouched = format!("csrf={csrf}&comment=");
    let r = common::resident_post(&w, &format!("/q/{token}/ratings/{code}"), &cookie, &untouched).await;
    assert_eq!(r.status, 422, "an untouched form is no rating: {}", r.body);
    let (_, cookie, csrf) = common::resident_page(&w, &token).await;
    let rating = format!("csrf={csrf}&attitude=5&speed=4&firmness=4&warmth=5&comment=");
    let r = common::resident_post(&w, &format!("/q/{token}/ratings/{code}"), &cookie, &rating).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let (_, cookie, csrf) = common::resident_page(&w, &token).await;
    let again = format!("csrf={csrf}&attitude=1&speed=1&firmness=1&warmth=1&comment=");
    let r = common::resident_post(&w, &format!("/q/{token}/ratings/{code}"), &cookie, &again).await;
    assert_eq!(r.status, 409, "rated once");
    assert!(r.body.contains("已经评价过了"));
    let r = common::resident_post(&w, &format!("/q/{token}/ratings/{staff_code}"), &cookie, &again).await;
    assert_eq!(r.status, 404, "a staff record cannot be rated through the code");
    // A new code (a new tenant): what was reported under the old one is not shown.
    assert_eq!(w.post_json("/api/v1/households/H1/qr", Some(&gw), "").await.status, 204);
    let fresh = token_of(&w.get("/households/H1", Some(&gw)).await.body);
    assert_ne!(fresh, token);
    let (page, _, _) = common::resident_page(&w, &fresh).await;
    assert!(!page.body.contains(&code), "the former tenant's report is not shown");
    // The old sticker says it was replaced and whom to ask; nothing of the household.
    let old = w.get(&format!("/q/{token}"), None).await;
    assert_eq!(old.status, 410, "{}", old.body);
    assert!(old.body.contains("这个二维码已更换") && old.body.contains("tel:110"), "{}", old.body);
    assert!(!old.body.contains("府前街1号") && !old.body.contains(&code), "{}", old.body);
    // A code that never was: the residents' own page, not the staff 404.
    let none = w.get(&format!("/q/{}", "A".repeat(43)), None).await;
    assert_eq!(none.status, 404);
    assert!(none.body.contains("二维码无效") && none.body.contains("tel:110"), "{}", none.body);
}

/// Issue 9, item 2: a grid worker cannot take over another grid's records by import. The
/// world's H2 (with 李秀英) and an organisation are in gw2's grid; gw1 imports rows naming
/// them with points in gw1's own grid. Every such row is refused, nothing moves, and the
/// report says nothing of the other grid's records.
async fn imports_do_not_take_over_other_grids(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let gw2 = w.token("gw2").await;
    let org = "code,name,kind,address,lat,lon,responsible_name,responsible_phone\n\
               O9,崇文棋牌室,chess_card_room,崇文街5号,37.105,111.715,周强,13903580109\n";
    let r = w.post_body("/api/v1/imports/organisations", Some(&gw2), "text/csv", org).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gw1 = w.token("gw1").await;
    let w = &w;
    let import = |kind: &str, csv: String| {
        let token = gw1.clone();
        let path = format!("/api/v1/imports/{kind}?skip_invalid=true");
        async move { w.post_body(&path, Some(&token), "text/csv", csv).await.json() }
    };
    // The household, by its code, with a point in gw1's grid.
    let j = import(
        "households",
        "household_code,address,lat,lon,dwelling_type,is_rental,phone\n\
         H2,府前街9号,37.105,111.705,owner_occupied,0,13903580099\n"
            .into(),
    )
    .await;
    assert_eq!((j["created"].as_u64(), j["updated"].as_u64()), (Some(0), Some(0)), "{j}");
    assert_eq!(j["rejected"][0]["column"], "household_code", "{j}");
    let msg = j["rejected"][0]["message"].as_str().unwrap();
    assert!(!msg.contains("XY-C02") && !msg.contains("崇文"), "says nothing of the record: {msg}");
    // The organisation, likewise.
    let j = import(
        "organisations",
        "code,name,kind,address,lat,lon,responsible_name,responsible_phone\n\
         O9,府前棋牌室,chess_card_room,府前街5号,37.105,111.705,周强,13903580109\n"
            .into(),
    )
    .await;
    assert_eq!((j["created"].as_u64(), j["rejected"][0]["column"].as_str()), (Some(0), Some("code")), "{j}");
    // The resident, by ID number, into gw1's own household H1: refused; and a resident row
    // naming H2 reads exactly as one naming a household that does not exist.
    let j = import(
        "residents",
        "household_code,name,id_number,relation,phone\n\
         H1,李秀英,141181195807200248,spouse,\n\
         H2,王五,110101199003078515,head,\n\
         H404,赵六,11010519491231002X,head,\n"
            .into(),
    )
    .await;
    assert_eq!((j["created"].as_u64(), j["updated"].as_u64()), (Some(0), Some(0)), "{j}");
    let rejected = j["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{j}");
    assert_eq!(rejected[0]["column"], "id_number");
    let unknown = |i: usize| rejected[i]["message"].as_str().unwrap().replace("H404", "H2");
    assert_eq!(unknown(1), unknown(2), "a household out of reach reads as an unknown one");
    // Nothing moved: H2, its resident and the organisation stay in gw2's grid.
    let h2 = w.get("/api/v1/households/H2", Some(&gw2)).await.json();
    assert_eq!(h2["household"]["grid_code"], "XY-C02-G01");
    assert_eq!(h2["members"][0]["name"], "李秀英");
    assert_eq!(h2["household"]["address"], "崇文街2号和谐小区2号楼202室");
    let orgs = w.get("/api/v1/organisations", Some(&gw2)).await.json();
    assert_eq!(
        (orgs["items"][0]["code"].as_str(), orgs["items"][0]["name"].as_str()),
        (Some("O9"), Some("崇文棋牌室"))
    );
}

/// The upload over the API, by the page's use case: every bad row named; nothing written
/// unless all are good, or the good ones with `skip_invalid`; a row outside the caller's
/// grid is one of the bad ones.
async fn registry_import_over_the_api(db: &TestDb) {
    let w = world(db).await;
    let gw = w.token("gw1").await;
    let csv = "household_code,address,lat,lon,dwelling_type,is_rental,phone\n\
               H7,府前街7号幸福小区7号楼701室,37.105,111.705,owner_occupied,0,13903580007\n\
               H8,崇文街8号和谐小区8号楼802室,37.105,111.715,rented,1,\n";
    let post = |path: &str| {
        let req = axum::http::Request::post(path)
            .header("content-type", "text/csv")
            .header("authorization", format!("Bearer {gw}"))
            .body(axum::body::Body::from(csv))
            .unwrap();
        w.send(req)
    };
    let r = post("/api/v1/imports/households").await;
    assert_eq!(r.status, 422, "{}", r.body);
    let j = r.json();
    assert_eq!(j["committed"], false);
    assert_eq!(j["rejected"].as_array().unwrap().len(), 1, "{j}");
    assert_eq!(j["rejected"][0]["line"], 3, "the row in another grid, by its line");
    let r = post("/api/v1/imports/households?skip_invalid=true&filename=hh.csv").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!((j["committed"].as_bool(), j["created"].as_u64()), (Some(true), Some(1)));
    assert!(j["rejects_csv"].as_str().unwrap().contains("H8"));
    assert_eq!(w.get("/api/v1/households/H7", Some(&gw)).await.status, 200);
    let r = post("/api/v1/imports/castles").await;
    assert_error_body(&r, 422, "validation");
    let empty = |token: String| {
        axum::http::Request::post("/api/v1/imports/households")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(""))
            .unwrap()
    };
    assert_error_body(&w.send(empty(gw.clone())).await, 422, "validation");
    // Who may not upload is refused before anything is looked at.
    assert_error_body(&w.send(empty(w.token("commander").await)).await, 403, "forbidden");
}

/// A household's numbers in full over the API: with the permission and a purpose, audited.
async fn household_numbers_revealed_over_the_api(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let cmd = w.token("commander").await;
    let masked = w.get("/api/v1/households/H1", Some(&cmd)).await.json();
    assert_eq!(masked["members"][0]["id_number"], "141***********0173");
    let r = w.post_json("/api/v1/households/H1/reveal", Some(&cmd), r#"{"purpose":""}"#).await;
    assert_error_body(&r, 422, "validation");
    let long = format!(r#"{{"purpose":"{}"}}"#, "查".repeat(101));
    assert_error_body(&w.post_json("/api/v1/households/H1/reveal", Some(&cmd), &long).await, 422, "validation");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "purpose");
    let r = w.post_json("/api/v1/households/H1/reveal", Some(&cmd), r#"{"purpose":"核实身份"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["members"][0]["id_number"], "141181198211110173");
    assert_eq!(r.json()["members"][0]["phone"], "13903580003");
    let read = w
        .store
        .search_audit(&AuditFilter { action: Some("household.read_personal".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert_eq!((read.len(), read[0].purpose.as_str()), (1, "核实身份"));
    // A grid worker has no personal-data permission, even for their own grid.
    let gw = w.token("gw1").await;
    let r = w.post_json("/api/v1/households/H1/reveal", Some(&gw), r#"{"purpose":"核实身份"}"#).await;
    assert_error_body(&r, 403, "forbidden");
}

/// Issue 10, item 7: people are found as staff remember them — pinyin with spaces, and the
/// last four digits of a phone for roles that may read personal data (for others four
/// digits are part of an address). Residents imported before the column existed get it at
/// the next start.
async fn residents_found_as_people_remember_them(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let names = |token: String, q: &'static str| {
        let w = &w;
        async move {
            let r = w.get(&format!("/api/v1/residents?q={}", urlencode(q)), Some(&token)).await;
            assert_eq!(r.status, 200, "{q}: {}", r.body);
            r.json().as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    let (gw, cmd) = (w.token("gw1").await, w.token("commander").await);
    assert_eq!(names(gw.clone(), "zhang shi chuan").await, ["张世川"]);
    assert_eq!(names(gw.clone(), "Zhang-Shichuan").await, ["张世川"]);
    assert_eq!(names(cmd.clone(), "0003").await, ["张世川"], "by the phone's last digits");
    assert!(names(gw.clone(), "0003").await.is_empty(), "a grid worker's four digits are an address");
    let filter =
        fengqiao_store::audit::AuditFilter { action: Some("registry.search".into()), limit: 50, ..Default::default() };
    let details: Vec<String> = w.store.search_audit(&filter).await.unwrap().into_iter().map(|r| r.detail).collect();
    assert!(details.iter().any(|d| d.contains("phone ending")), "{details:?}");
    assert!(details.iter().all(|d| !d.contains("0003")), "the digits are not in the audit log: {details:?}");
    // Imported before the column existed: filled once at the next start.
    w.store.forget_phone_tails_for_tests().await.unwrap();
    assert!(names(cmd.clone(), "0003").await.is_empty());
    assert_eq!(w.store.fill_phone_tails().await.unwrap(), 1);
    assert_eq!(names(cmd.clone(), "0003").await, ["张世川"]);
    assert_eq!(w.store.fill_phone_tails().await.unwrap(), 0, "once");
}

contract_tests!(
    residents_found_as_people_remember_them,
    qr_links_never_follow_the_host_header,
    household_numbers_revealed_over_the_api,
    registry_import_over_the_api,
    locate_routes_points_to_grids,
    registry_api_within_the_jurisdiction,
    registry_export_and_organisations,
    qr_sheet_within_reach,
    imports_do_not_take_over_other_grids,
    the_qr_page_shows_only_its_own_reports,
);
