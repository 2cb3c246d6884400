//! Issue 10, item 1: the workbench is each person's work, of their own jurisdiction (or, for
//! a mediator, of the cases assigned to them), each item a link to its page; a mediator
//! finds their cases; the figures count exactly what their lists show. On SQLite and on
//! PostgreSQL.

mod common;

use common::{new_dispute, world};
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::Value;

/// The section codes of a workbench, in order.
fn codes(wb: &Value) -> Vec<String> {
    wb["sections"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_string()).collect()
}

/// A section's item codes.
fn items(wb: &Value, section: &str) -> Vec<String> {
    let s = wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == section);
    let s = s.unwrap_or_else(|| panic!("no section {section}: {wb}"));
    s["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_string()).collect()
}

fn figure(wb: &Value, code: &str) -> i64 {
    let f = wb["figures"].as_array().unwrap().iter().find(|f| f["code"] == code);
    f.unwrap_or_else(|| panic!("no figure {code}: {wb}"))["count"].as_i64().unwrap()
}

/// A page's HTML with slashes unescaped (the templates escape them in attributes).
async fn html(w: &common::World, path: &str, token: &str) -> String {
    let r = w.get(path, Some(token)).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body.replace("&#x2f;", "/")
}

async fn each_role_sees_its_own_work(db: &TestDb) {
    let w = world(db).await;
    common::registry(&w).await;
    let (gw1, gw2, co, cmd, med) = (
        w.token("gw1").await,
        w.token("gw2").await,
        w.token("co01").await,
        w.token("commander").await,
        w.token("med1").await,
    );
    let mine = new_dispute(&w, &gw1, "neighbour", "楼上装修噪音持续到深夜，楼下老人无法休息").await;
    let body = r#"{"kind":"dispute","category":"neighbour","narrative":"崇文社区两户因停车位发生争执","lat":37.105,"lon":111.715}"#;
    let r = w.post_json("/api/v1/matters", Some(&cmd), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let elsewhere = r.json()["code"].as_str().unwrap().to_string();
    // A resident of H1 (in gw1's grid) reports through the household's code.
    let token = common::qr_token(&w, &gw1, "H1").await;
    let (_, cookie, csrf) = common::resident_page(&w, &token).await;
    let form =
        format!("csrf={csrf}&kind=request&narrative={}", common::urlencode("家中水管漏水，老人行动不便需要帮助"));
    assert_eq!(common::resident_post(&w, &format!("/q/{token}/matters"), &cookie, &form).await.status, 303);
    let report = w.get("/api/v1/matters?status=registered&kind=request", Some(&gw1)).await.json()["items"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();

    // The grid worker: new reports, the grid's open matters, visits due; nothing of gw2's grid.
    let wb = w.get("/api/v1/workbench", Some(&gw1)).await.json();
    assert_eq!(codes(&wb), ["alerts", "new_reports", "open_matters", "follow_ups_due", "visits_due"], "{wb}");
    assert_eq!(items(&wb, "new_reports"), [report.as_str()], "a resident's report, not what staff recorded");
    let open = items(&wb, "open_matters");
    assert!(open.contains(&mine) && open.contains(&report) && !open.contains(&elsewhere), "{open:?}");
    assert_eq!(items(&wb, "visits_due"), ["H1"], "H1 has someone in care and was never visited");
    assert_eq!(figure(&wb, "open"), 2);
    let wb2 = w.get("/api/v1/workbench", Some(&gw2)).await.json();
    assert_eq!(items(&wb2, "open_matters"), [elsewhere.as_str()]);
    assert!(items(&wb2, "new_reports").is_empty() && items(&wb2, "visits_due").is_empty(), "{wb2}");
    // A visit takes H1 off the list.
    let r =
        w.post_json("/api/v1/households/H1/visits", Some(&gw1), r#"{"kind":"care","outcome":"老人身体健康"}"#).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let wb = w.get("/api/v1/workbench", Some(&gw1)).await.json();
    assert!(items(&wb, "visits_due").is_empty(), "{wb}");

    // The community officer: what is overdue in the community, its open matters and figures.
    let wb = w.get("/api/v1/workbench", Some(&co)).await.json();
    assert_eq!(codes(&wb), ["alerts", "new_reports", "overdue", "open_matters", "follow_ups_due", "visits_due"]);
    assert_eq!((figure(&wb, "open"), figure(&wb, "open_tier_grid"), figure(&wb, "dispute_registered")), (2, 1, 1));
    // Each figure counts what its list shows.
    for f in wb["figures"].as_array().unwrap() {
        let list = w.get(&format!("/api/v1/matters?{}", f["query"].as_str().unwrap()), Some(&co)).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.json()["total"], f["count"], "figure {f}");
    }
    // The commander: the whole station's alerts, overdue and figures; no visiting lists.
    let wb = w.get("/api/v1/workbench", Some(&cmd)).await.json();
    assert_eq!(codes(&wb), ["alerts", "overdue"], "{wb}");
    assert_eq!(figure(&wb, "open"), 3);

    // The mediator sees nothing until a case plan names them; then the case, its next step.
    let wb = w.get("/api/v1/workbench", Some(&med)).await.json();
    assert_eq!(codes(&wb), ["my_cases"]);
    assert!(items(&wb, "my_cases").is_empty() && wb["figures"].as_array().unwrap().is_empty(), "{wb}");
    let page = w.get("/dashboard", Some(&med)).await;
    assert!(page.body.contains("目前没有分派给您的案件"), "{}", page.body);
    let plan =
        r#"{"goal":"邻里和好","mediators":["med1"],"steps":[{"description":"分别约谈双方","due_date":"2030-01-10"}]}"#;
    let r = w
        .send(
            axum::http::Request::put(format!("/api/v1/matters/{mine}/plan"))
                .header("authorization", format!("Bearer {gw1}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(plan))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let wb = w.get("/api/v1/workbench", Some(&med)).await.json();
    assert_eq!(items(&wb, "my_cases"), [mine.as_str()]);
    assert_eq!(wb["sections"][0]["items"][0]["next_step"], "分别约谈双方");
    assert_eq!(wb["sections"][0]["total"], 1, "counted, not capped by the items shown");
    // On the pages: the workbench and "my cases" link to the case, which opens.
    let page = html(&w, "/dashboard", &med).await;
    assert!(page.contains(&format!("href=\"/matters/{mine}\"")) && page.contains("分别约谈双方"), "{page}");
    assert!(page.contains("href=\"/cases\""), "my cases is in the menu");
    let cases = html(&w, "/cases", &med).await;
    assert!(cases.contains(&format!("href=\"/matters/{mine}\"")), "{cases}");
    assert_eq!(w.get(&format!("/matters/{mine}"), Some(&med)).await.status, 200);
    assert!(!cases.contains(&elsewhere), "only assigned cases");
    // Nobody else has such a list.
    assert_eq!(w.get("/cases", Some(&gw1)).await.status, 403);

    // Administrators have no casework on their workbench, and the menu lists no page they
    // cannot open nor anything "coming".
    let admin = w.sysadmin_token().await;
    let wb = w.get("/api/v1/workbench", Some(&admin)).await.json();
    assert!(codes(&wb).is_empty() && wb["figures"].as_array().unwrap().is_empty(), "{wb}");
    for (who, token) in [("gw1", &gw1), ("med1", &med), ("commander", &cmd), ("sysadmin", &admin)] {
        let page = html(&w, "/dashboard", token).await;
        let nav = page.split("<nav class=\"side\"").nth(1).unwrap().split("</nav>").next().unwrap();
        for href in nav.split("href=\"").skip(1).map(|h| h.split('"').next().unwrap()) {
            if href == "#" || href.starts_with("/lang/") {
                continue;
            }
            let r = w.get(href, Some(token)).await;
            assert_eq!(r.status, 200, "{who}: the menu's {href} answers {}", r.status);
        }
        assert!(!nav.contains("建设中") && !nav.contains("/area/"), "{who}: {nav}");
    }
}

/// A section lists the first few and counts them all: twelve reports from residents wait in
/// gw1's grid, the workbench shows ten and says twelve (it said ten before).
async fn sections_count_all_not_the_first_few(db: &TestDb) {
    let w = world(db).await;
    let ctx = fengqiao_store::audit::AuditCtx::system("test", "open311");
    let key = w.store.add_open311_client(&ctx, "市民热线").await.unwrap();
    for i in 0..12 {
        let body = format!(
            "api_key={key}&service_code=hazard&lat=37.105&long=111.705&description={}",
            common::urlencode(&format!("小区{i}号楼楼道堆放杂物，存在消防隐患"))
        );
        let r = w.post_body("/open311/v2/requests.json", None, "application/x-www-form-urlencoded", body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let gw = w.token("gw1").await;
    let wb = w.get("/api/v1/workbench", Some(&gw)).await.json();
    let s = wb["sections"].as_array().unwrap().iter().find(|s| s["code"] == "new_reports").unwrap().clone();
    assert_eq!((s["items"].as_array().unwrap().len(), s["total"].as_i64()), (10, Some(12)), "{s}");
    let page = html(&w, "/dashboard", &gw).await;
    assert!(page.contains("<span class=\"count\">12</span>"), "{page}");
}

contract_tests!(sections_count_all_not_the_first_few, each_role_sees_its_own_work,);
