//! `import grids`: every kind of bad feature and polygon with its exact message; all or
//! nothing; --skip-invalid; re-import updates. On SQLite and PostgreSQL.

use fengqiao_app::import::grids::import;
use fengqiao_app::import::{ImportError, RowError};
use fengqiao_domain::org::UnitKind;
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::contract_tests;
use fengqiao_store::org::NewUnit;
use fengqiao_store::testing::TestDb;
use serde_json::{Value, json};

fn ctx() -> AuditCtx {
    AuditCtx::system("test", "import")
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn feature(code: &str, community: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {
        "code": code, "name": format!("{code}网格"), "community_code": community, "community_name": format!("{community}社区"),
        "street_code": "ST", "street_name": "示例街道"}, "geometry": geometry})
}

/// One feature per line, after three header lines: feature i is on line i + 4.
fn collection(features: &[Value]) -> String {
    let body: Vec<String> = features.iter().map(|f| format!("    {f}")).collect();
    format!("{{\n  \"type\": \"FeatureCollection\",\n  \"features\": [\n{}\n  ]\n}}\n", body.join(",\n"))
}

async fn with_root(db: &TestDb) {
    db.store.create_unit(&ctx(), &NewUnit::new("PS", UnitKind::Station, "示例派出所", None)).await.unwrap();
}

async fn grid_count(db: &TestDb) -> usize {
    let root = db.store.root_unit().await.unwrap().unwrap();
    db.store.units_under(&root.path, Some(UnitKind::Grid)).await.unwrap().len()
}

fn err(line: usize, column: &str, message: &str) -> RowError {
    RowError { line, column: column.into(), message: message.into() }
}

async fn good_file_imports_and_reimport_updates(db: &TestDb) {
    with_root(db).await;
    let text = collection(&[
        feature("C1-G1", "C1", rect(0.0, 0.0, 1.0, 1.0)),
        feature("C1-G2", "C1", rect(1.0, 0.0, 2.0, 1.0)),
    ]);
    let (r, _) = import(&db.store, &ctx(), &text, false, &|_, _| {}).await.unwrap();
    assert!(r.committed && r.rejected.is_empty());
    assert_eq!((r.created, r.updated), (2, 0));
    let (r, _) = import(&db.store, &ctx(), &text, false, &|_, _| {}).await.unwrap();
    assert_eq!((r.created, r.updated), (0, 2), "re-import updates by code");
    assert_eq!(grid_count(db).await, 2);
    assert_eq!(db.store.unit_by_code("C1").await.unwrap().kind, UnitKind::Community);
    assert_eq!(db.store.unit_by_code("ST").await.unwrap().kind, UnitKind::Street);
}

async fn every_bad_feature_is_named_and_nothing_is_written(db: &TestDb) {
    with_root(db).await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[10, 0], [11, 1], [11, 0], [10, 1], [10, 0]]]});
    let mut no_code = feature("X", "C1", rect(20.0, 0.0, 21.0, 1.0));
    no_code["properties"].as_object_mut().unwrap().remove("code");
    let features = [
        feature("C1-G1", "C1", rect(0.0, 0.0, 1.0, 1.0)), // line 4: good
        feature("C1-G2", "C1", rect(0.5, 0.0, 1.5, 1.0)), // 5: overlaps G1
        feature("C1-G3", "C1", bowtie),                   // 6: self-intersecting
        feature("C1-G4", "C1", json!({"type": "Point", "coordinates": [1, 2]})), // 7: not a polygon
        feature("C1-G5", "C1", json!({"type": "Polygon", "coordinates": [[[0, 5], [1, 5], [1, 6], [0, 6]]]})), // 8: open ring
        feature("C1-G6", "C1", json!({"type": "Polygon", "coordinates": [[[0, 7], [1, 7], [0, 7]]]})), // 9: too few positions
        feature("C1-G7", "C1", rect(190.0, 0.0, 191.0, 1.0)), // 10: not lon/lat
        feature("bad code!", "C1", rect(30.0, 0.0, 31.0, 1.0)), // 11: bad code
        no_code,                                              // 12: missing code
        feature("C1-G1", "C1", rect(40.0, 0.0, 41.0, 1.0)),   // 13: duplicate
        json!({"type": "Feature", "properties": {"code": "C1-G9"}, "geometry": null}), // 14: many missing
    ];
    let text = collection(&features);
    let (r, rejected) = import(&db.store, &ctx(), &text, false, &|_, _| {}).await.unwrap();
    assert!(!r.committed);
    let shown: Vec<String> = r.rejected.iter().map(|e| e.to_string()).collect();
    let expect = vec![
        err(5, "geometry", "grid C1-G2 overlaps grid C1-G1"),
        err(6, "geometry", "grid C1-G3: invalid polygon: exterior ring has a self-intersection"),
        err(7, "geometry", "geometry type must be Polygon or MultiPolygon, not Point"),
        err(8, "geometry", "ring 0 is not closed: its first and last positions differ"),
        err(9, "geometry", "ring 0 needs at least 4 positions (closed), has 3"),
        err(10, "geometry", "ring 0: [190, 0] is not a longitude/latitude"),
        err(11, "code", "\"bad code!\": 2–32 characters: letters, digits, '-' or '_'"),
        err(12, "code", "missing"),
        err(13, "code", "\"C1-G1\" appears twice (first at line 4)"),
        err(14, "name", "missing"),
        err(14, "community_code", "missing"),
        err(14, "community_name", "missing"),
        err(14, "street_code", "missing"),
        err(14, "street_name", "missing"),
        err(14, "geometry", "missing"),
    ];
    let expect_shown: Vec<String> = expect.iter().map(|e| e.to_string()).collect();
    // Sorted by line; the overlap is reported on the later feature of the pair.
    assert_eq!(
        shown.iter().map(|s| s.split(", ").next().unwrap()).collect::<Vec<_>>(),
        expect_shown.iter().map(|s| s.split(", ").next().unwrap()).collect::<Vec<_>>()
    );
    let (mut got, mut want) = (shown.clone(), expect_shown.clone());
    got.sort();
    want.sort();
    assert_eq!(got, want, "\n{shown:#?}");
    assert_eq!(rejected.len(), 10, "every bad feature goes to the rejects, each once");
    assert!(rejected[0]["properties"]["_rejected"].as_str().unwrap().contains("overlaps"));
    assert_eq!(grid_count(db).await, 0, "all or nothing: nothing written");
    assert!(db.store.unit_by_code("C1").await.is_err(), "not even the community");
}

async fn skip_invalid_writes_the_good_rows(db: &TestDb) {
    with_root(db).await;
    let text = collection(&[
        feature("C1-G1", "C1", rect(0.0, 0.0, 1.0, 1.0)),
        feature("C1-G2", "C1", json!({"type": "Point", "coordinates": [1, 2]})),
        feature("C1-G3", "C1", rect(1.0, 0.0, 2.0, 1.0)),
    ]);
    let (r, rejected) = import(&db.store, &ctx(), &text, true, &|_, _| {}).await.unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.rejected.len(), rejected.len()), (2, 1, 1));
    assert_eq!(rejected[0]["properties"]["code"], "C1-G2");
    assert_eq!(grid_count(db).await, 2);
}

async fn overlap_with_a_stored_grid_is_refused(db: &TestDb) {
    with_root(db).await;
    let first = collection(&[feature("C1-G1", "C1", rect(0.0, 0.0, 1.0, 1.0))]);
    import(&db.store, &ctx(), &first, false, &|_, _| {}).await.unwrap();
    let second = collection(&[feature("C2-G1", "C2", rect(0.9, 0.0, 2.0, 1.0))]);
    let (r, _) = import(&db.store, &ctx(), &second, false, &|_, _| {}).await.unwrap();
    assert_eq!(r.rejected, vec![err(4, "geometry", "grid C2-G1 overlaps grid C1-G1")]);
    // Replacing a stored grid's own shape is not an overlap with itself.
    let moved = collection(&[feature("C1-G1", "C1", rect(0.0, 0.0, 0.5, 1.0))]);
    let (r, _) = import(&db.store, &ctx(), &moved, false, &|_, _| {}).await.unwrap();
    assert!(r.committed && r.updated == 1);
}

async fn moving_a_grid_to_another_community_rolls_back(db: &TestDb) {
    with_root(db).await;
    import(&db.store, &ctx(), &collection(&[feature("C1-G1", "C1", rect(0.0, 0.0, 1.0, 1.0))]), false, &|_, _| {})
        .await
        .unwrap();
    let text = collection(&[
        feature("C9-G1", "C9", rect(5.0, 0.0, 6.0, 1.0)),
        feature("C1-G1", "C2", rect(0.0, 0.0, 1.0, 1.0)),
    ]);
    let (r, _) = import(&db.store, &ctx(), &text, true, &|_, _| {}).await.unwrap();
    assert!(!r.committed);
    assert_eq!(
        r.rejected,
        vec![err(5, "code", "grid C1-G1 exists under another parent; moving it is not supported by import")]
    );
    assert!(db.store.unit_by_code("C9-G1").await.is_err(), "rolled back");
}

async fn whole_file_errors(db: &TestDb) {
    with_root(db).await;
    let e = import(
        &db.store,
        &ctx(),
        "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [\n    {oops}\n]}",
        false,
        &|_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(&e, ImportError::File(m) if m.starts_with("not valid JSON at line 4, column 6")), "{e}");
    let e = import(&db.store, &ctx(), r#"{"type": "Feature"}"#, false, &|_, _| {}).await.unwrap_err();
    assert_eq!(e.to_string(), "the file must be a GeoJSON FeatureCollection");
    let e = import(&db.store, &ctx(), r#"{"type": "FeatureCollection", "features": []}"#, false, &|_, _| {})
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "the FeatureCollection has no features");
}

contract_tests!(
    good_file_imports_and_reimport_updates,
    every_bad_feature_is_named_and_nothing_is_written,
    skip_invalid_writes_the_good_rows,
    overlap_with_a_stored_grid_is_refused,
    moving_a_grid_to_another_community_rolls_back,
    whole_file_errors,
);
