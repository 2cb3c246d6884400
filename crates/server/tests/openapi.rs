//! The OpenAPI document tells the truth about parameters: a client generator or validator
//! reading it builds requests the server accepts.

mod common;

use common::world;
use fengqiao_store::contract_tests;
use fengqiao_store::testing::TestDb;
use serde_json::Value;

fn template_vars(path: &str) -> Vec<String> {
    path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(v, _)| v.to_string())).collect()
}

async fn parameters_are_where_the_document_says(db: &TestDb) {
    let w = world(db).await;
    let doc = w.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut query_params = 0;
    for (path, item) in paths {
        let vars = template_vars(path);
        for (method, op) in item.as_object().unwrap() {
            let params: Vec<&Value> = op["parameters"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
            let in_path: Vec<&str> =
                params.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            // Every path parameter is a variable of the template, and every variable is one.
            for name in &in_path {
                assert!(vars.iter().any(|v| v == name), "{method} {path}: path parameter {name} is not in the path");
            }
            for v in &vars {
                assert!(in_path.contains(&v.as_str()), "{method} {path}: {{{v}}} is not declared");
            }
            for p in &params {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str() {
                    Some("path") => assert_eq!(p["required"], true, "{method} {path}: {name}"),
                    Some("query") => query_params += 1,
                    other => panic!("{method} {path}: {name} in {other:?}"),
                }
            }
        }
    }
    // The list operations' filters are query parameters.
    let list = &doc["paths"]["/matters"]["get"]["parameters"];
    for name in ["status", "kind", "limit", "cursor"] {
        let p = list.as_array().unwrap().iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(p["in"], "query", "{name}");
        assert_ne!(p["required"], true, "{name} is optional");
    }
    assert!(query_params >= 20, "{query_params} query parameters");
    // A generated client's request is accepted: optional query parameters may be left out.
    let cmd = w.token("commander").await;
    for path in ["/api/v1/matters", "/api/v1/users", "/api/v1/units", "/api/v1/audit", "/api/v1/households"] {
        let r = w.get(path, Some(&cmd)).await;
        assert!(r.status == 200 || r.status == 403, "{path}: {} {}", r.status, r.body);
    }
}

/// Every operation behind a login lists 401, every one with a body lists 400 and 413, and
/// every error status it lists is described by the error body (an import's 422 by its
/// report); and those statuses are what the server really answers.
async fn statuses_are_listed_with_the_error_body(db: &TestDb) {
    let w = world(db).await;
    let doc = w.get("/api/v1/openapi.json", None).await.json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} lists no 401");
            }
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "422"] {
                    assert!(responses.contains_key(s), "{method} {path} lists no {s}");
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["in"] == "path") {
                assert!(responses.contains_key("404"), "{method} {path} lists no 404");
            }
            if params.iter().any(|p| p["in"] == "query") {
                assert!(responses.contains_key("422"), "{method} {path} lists no 422");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &r["content"]["application/json"]["schema"]["$ref"];
                    let ok = schema == "#/components/schemas/ErrorBody"
                        || (path == "/imports/{kind}"
                            && status == "422"
                            && schema == "#/components/schemas/ImportRefused");
                    assert!(ok, "{method} {path} {status}: {r}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked} error responses checked");
    // What the document promises, the server does: no session, a malformed body.
    let r = w.get("/api/v1/matters", None).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (401, Some("unauthenticated")));
    let gw = w.token("gw1").await;
    let r = w.post_json("/api/v1/matters", Some(&gw), "{not json").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (400, Some("bad_request")));
    // A path parameter that does not parse names nothing: 404 with the error body.
    let r = w.get("/api/v1/users/abc", Some(&gw)).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (404, Some("not_found")));
    let r = w.post_json("/api/v1/alerts/99999999999999999999/acknowledge", Some(&gw), "").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (404, Some("not_found")));
}

contract_tests!(parameters_are_where_the_document_says, statuses_are_listed_with_the_error_body);
