//! CSV imports of households, residents and organisations: every kind of bad row with its
//! exact message, all-or-nothing, --skip-invalid, re-import by natural key. Both backends.

use fengqiao_app::import::registry::{households, organisations, residents};
use fengqiao_app::import::{ImportError, RowError};
use fengqiao_domain::org::UnitKind;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::contract_tests;
use fengqiao_store::org::NewUnit;
use fengqiao_store::registry::ResidentQuery;
use fengqiao_store::testing::TestDb;

fn ctx() -> AuditCtx {
    AuditCtx::system("test", "import")
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#)
}

/// Two grids side by side: G1 [111.70, 111.71] × [37.10, 37.11], G2 east of it.
async fn setup(db: &TestDb) -> fengqiao_app::routing::Index {
    let s = &db.store;
    let root = s.create_unit(&ctx(), &NewUnit::new("PS", UnitKind::Station, "示例派出所", None)).await.unwrap();
    let c = s.create_unit(&ctx(), &NewUnit::new("C1", UnitKind::Community, "示例社区", Some(root.id))).await.unwrap();
    for (code, x0) in [("G1", 111.70), ("G2", 111.71)] {
        let mut g = NewUnit::new(code, UnitKind::Grid, format!("{code}网格"), Some(c.id));
        g.geometry = Some(rect(x0, 37.10, x0 + 0.01, 37.11));
        s.create_unit(&ctx(), &g).await.unwrap();
    }
    s.create_unit(&ctx(), &NewUnit::new("AL1", UnitKind::Alliance, "示例商圈", Some(root.id))).await.unwrap();
    fengqiao_app::routing::build(s.grid_routes().await.unwrap())
}

fn shown(errors: &[RowError]) -> Vec<String> {
    errors.iter().map(|e| e.to_string()).collect()
}

const HH_HEADER: &str = "household_code,address,lat,lon,dwelling_type,is_rental,phone\n";

async fn households_route_validate_and_upsert(db: &TestDb) {
    let index = setup(db).await;
    let good = format!(
        "{HH_HEADER}H1,幸福小区1号楼101室,37.105,111.705,owner_occupied,0,13903580001\nH2,幸福小区1号楼102室,37.105,111.715,出租,是,\n"
    );
    let out = households(&db.store, &index, None, &ctx(), &good, false, &|_, _| {}).await.unwrap();
    assert!(out.report.committed && out.report.rejected.is_empty());
    assert_eq!(out.report.created, 2);
    assert_eq!(db.store.household_by_code("H1").await.unwrap().grid_code, "G1");
    assert_eq!(db.store.household_by_code("H2").await.unwrap().grid_code, "G2", "routed by its point");
    let again = households(&db.store, &index, None, &ctx(), &good, false, &|_, _| {}).await.unwrap();
    assert_eq!((again.report.created, again.report.updated), (0, 2), "re-import updates by household_code");

    let bad = format!(
        "{HH_HEADER}\
         H3,地址,37.105,111.705,owner_occupied,0,\n\
         H3,地址,37.105,111.705,owner_occupied,0,\n\
         H4,地址,37.105,111.75,owner_occupied,0,\n\
         H5,地址,north,111.705,owner_occupied,0,\n\
         H6,地址,37.105,111.705,castle,0,\n\
         H7,地址,37.105,111.705,rented,0,\n\
         H8,地址,37.105,111.705,owner_occupied,0,12345\n\
         H9,,37.105,111.705,owner_occupied,maybe,\n"
    );
    let out = households(&db.store, &index, None, &ctx(), &bad, false, &|_, _| {}).await.unwrap();
    assert!(!out.report.committed);
    assert_eq!(
        shown(&out.report.rejected),
        vec![
            "line 3, household_code: \"H3\" appears twice (first at line 2)",
            "line 4, lat: point (37.105, 111.75) is outside every grid; the nearest is G2 G2网格 (2663 m away)",
            "line 5, lat: \"north\" is not a number",
            "line 6, dwelling_type: \"castle\" is not one of owner_occupied (自住), rented (出租), vacant (空置)",
            "line 7, is_rental: 0 contradicts dwelling_type rented",
            "line 8, phone: \"12345\": must be an 11-digit mainland mobile number starting 13–19",
            "line 9, address: missing",
            "line 9, is_rental: \"maybe\" is not 1/0 (是/否)",
        ]
    );
    assert!(db.store.household_by_code("H3").await.is_err(), "all or nothing: the good row was not written either");
    assert!(
        out.rejects_csv.starts_with("household_code,address,lat,lon,dwelling_type,is_rental,phone,_error\n"),
        "{}",
        out.rejects_csv
    );
    let skipped = households(&db.store, &index, None, &ctx(), &bad, true, &|_, _| {}).await.unwrap();
    assert!(skipped.report.committed);
    assert_eq!(skipped.report.created, 1, "only the first H3 is good");
    assert!(
        skipped.rejects_csv.contains("H4,")
            && !skipped.rejects_csv.contains("H3,地址,37.105,111.705,owner_occupied,0,,\n")
    );
}

const RES_HEADER: &str = "household_code,name,id_number,relation,phone,sex,birth_date,care\n";

async fn residents_validate_ids_and_upsert(db: &TestDb) {
    let index = setup(db).await;
    households(
        &db.store,
        &index,
        None,
        &ctx(),
        &format!("{HH_HEADER}H1,幸福小区1号楼101室,37.105,111.705,owner_occupied,0,\n"),
        false,
        &|_, _| {},
    )
    .await
    .unwrap();
    let good = format!(
        "{RES_HEADER}H1,王建国,141181195603120131,户主,13903580001,男,1956-03-12,独居老人\nH1,李秀英,141181195807200248,spouse,,,,\n"
    );
    let out = residents(&db.store, None, &ctx(), &good, false, &|_, _| {}).await.unwrap();
    assert!(out.report.committed, "{:?}", out.report.rejected);
    assert_eq!(out.report.created, 2);
    let again = residents(&db.store, None, &ctx(), &good, false, &|_, _| {}).await.unwrap();
    assert_eq!((again.report.created, again.report.updated), (0, 2), "re-import updates by ID number");

    let bad = format!(
        "{RES_HEADER}\
         H9,赵一,141181199001010013,head,,,,\n\
         H1,赵二,141181199001010012,child,,,,\n\
         H1,赵三,14118119900101001,child,,,,\n\
         H1,赵四,14118119900101003X,child,,,1990-01-02,\n\
         H1,赵五,141181199001010048,child,,男,,\n\
         H1,赵六,141181199001010056,boss,,,,\n\
         H1,赵7,141181199001010064,child,,,,\n\
         H1,赵八,141181199001010072,head,,,,\n\
         H1,赵九,141181199001010080,child,,,,rich\n\
         H1,赵十,141181199001010080,child,,,,\n"
    );
    let out = residents(&db.store, None, &ctx(), &bad, false, &|_, _| {}).await.unwrap();
    assert_eq!(
        shown(&out.report.rejected),
        vec![
            "line 2, household_code: unknown household \"H9\" (import households first)",
            "line 3, id_number: check digit is 2, expected 3",
            "line 4, id_number: must be 18 characters, got 17",
            "line 5, birth_date: 1990-01-02 does not match the ID number, which says 1990-01-01",
            "line 6, sex: male does not match the ID number, which says female",
            "line 7, relation: \"boss\" is not one of head (户主), spouse (配偶), child (子女), parent (父母), grandchild (孙子女), grandparent (祖父母), sibling (兄弟姐妹), tenant (租户), other (其他)",
            "line 8, name: \"赵7\": letters only (no digits or symbols)",
            "line 10, care: unknown care category \"rich\"; one of elderly_alone (独居老人), left_behind_child (留守儿童), disability (残疾人), low_income (低保户), serious_illness (重病患者), mental_health (严重精神障碍患者), released (刑满释放人员), veteran (退役军人)",
            "line 11, id_number: 141***********0080 appears twice (first at line 10)",
        ]
    );
    assert_eq!(
        db.store.members(db.store.household_by_code("H1").await.unwrap().id).await.unwrap().len(),
        2,
        "nothing written"
    );
    // Line 9 (a second head, but in another import than the first head) is fine on its own here.
    let two_heads = format!("{RES_HEADER}H1,甲,141181199001010072,head,,,,\nH1,乙,141181199001010099,head,,,,\n");
    let out = residents(&db.store, None, &ctx(), &two_heads, false, &|_, _| {}).await.unwrap();
    assert_eq!(shown(&out.report.rejected), vec!["line 3, relation: household \"H1\" already has a head at line 2"]);
    let e = residents(&db.store, None, &ctx(), "household_code,name\nH1,甲\n", false, &|_, _| {}).await.unwrap_err();
    assert!(matches!(&e, ImportError::File(m) if m.contains("lacks the column(s) id_number, relation, phone")), "{e}");
}

async fn search_finds_residents_by_name_pinyin_id_and_phone(db: &TestDb) {
    let index = setup(db).await;
    households(
        &db.store,
        &index,
        None,
        &ctx(),
        &format!("{HH_HEADER}H1,幸福小区1号楼101室,37.105,111.705,owner_occupied,0,\n"),
        false,
        &|_, _| {},
    )
    .await
    .unwrap();
    residents(
        &db.store,
        None,
        &ctx(),
        &format!("{RES_HEADER}H1,张世川,141181198211110173,head,13903580003,,,\n"),
        false,
        &|_, _| {},
    )
    .await
    .unwrap();
    let root = db.store.root_unit().await.unwrap().unwrap();
    for q in ["张世", "zsc", "zhangshichuan", "zhangs", "141181198211110173", "13903580003", "幸福小区"] {
        let found = db.store.search_residents(&root.path, &ResidentQuery::parse(q).unwrap(), 10).await.unwrap();
        assert_eq!(found.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["张世川"], "query {q}");
        assert_eq!(found[0].id_masked, "141***********0173");
    }
    for q in ["李", "lsc", "141181198211110181", "13903580004"] {
        assert!(
            db.store.search_residents(&root.path, &ResidentQuery::parse(q).unwrap(), 10).await.unwrap().is_empty(),
            "{q}"
        );
    }
    // Outside the jurisdiction nothing is found.
    let g2 = db.store.unit_by_code("G2").await.unwrap();
    assert!(db.store.search_residents(&g2.path, &ResidentQuery::parse("zsc").unwrap(), 10).await.unwrap().is_empty());
}

async fn organisations_import(db: &TestDb) {
    let index = setup(db).await;
    let text = "code,name,kind,address,lat,lon,responsible_name,responsible_phone,last_inspection,alliance_code\n\
                O1,星空网咖,网吧,幸福路18号,37.105,111.705,刘海涛,13903580101,2026-10-15,AL1\n\
                O2,某公司,castle,幸福路19号,37.105,111.705,,,,\n\
                O3,某店,shop,幸福路20号,37.105,111.705,,,2026-13-01,C1\n";
    let out = organisations(&db.store, &index, None, &ctx(), text, false, &|_, _| {}).await.unwrap();
    let s = shown(&out.report.rejected);
    assert_eq!(s.len(), 3, "{s:?}");
    assert!(s[0].starts_with("line 3, kind: \"castle\" is not one of company (企业)"));
    assert_eq!(s[1], "line 4, last_inspection: \"2026-13-01\" is not a date (YYYY-MM-DD)");
    assert_eq!(s[2], "line 4, alliance_code: \"C1\" is not a business-district alliance");
    let out = organisations(&db.store, &index, None, &ctx(), text, true, &|_, _| {}).await.unwrap();
    assert_eq!(out.report.created, 1);
    let root = db.store.root_unit().await.unwrap().unwrap();
    let (found, total) = db.store.organisations_under(&root.path, None, true, Some("星空"), 10, 0).await.unwrap();
    assert_eq!((found.len(), total), (1, 1));
    assert_eq!(found[0].alliance.as_deref(), Some("示例商圈"));
    assert_eq!(db.store.organisations_under(&root.path, None, false, Some("无此名"), 10, 0).await.unwrap().1, 0);
}

contract_tests!(
    households_route_validate_and_upsert,
    residents_validate_ids_and_upsert,
    search_finds_residents_by_name_pinyin_id_and_phone,
    organisations_import,
);
