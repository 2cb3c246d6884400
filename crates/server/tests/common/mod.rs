//! A small organisation and accounts for in-process API tests, on a per-test database.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use fengqiao_domain::Phone;
use fengqiao_domain::org::UnitKind;
use fengqiao_domain::role::Role;
use fengqiao_server::{AppState, Settings, app};
use fengqiao_store::audit::AuditCtx;
use fengqiao_store::org::NewUnit;
use fengqiao_store::testing::TestDb;
use fengqiao_store::users::NewUser;
use http_body_util::BodyExt;
use std::sync::OnceLock;
use tower::ServiceExt;

pub const PASSWORD: &str = "Fengqiao@2026";

pub fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| fengqiao_app::accounts::hash_password(PASSWORD))
}

pub struct World {
    pub app: Router,
    pub state: AppState,
    /// The database under the app, for a test's own setup and checks.
    pub store: fengqiao_store::Store,
}

/// Station XY → street XY-ST → communities XY-C01, XY-C02 → grids XY-C01-G01, XY-C02-G01;
/// accounts: commander (station), co01 (XY-C01), gw1 (XY-C01-G01), gw2 (XY-C02-G01),
/// auditor (station, TOTP secret `JBSWY3DPEHPK3PXP`), sysadmin (station, no TOTP yet),
/// med1 (a lawyer of the mediation centre XY-MC, under the street).
pub async fn world(db: &TestDb) -> World {
    world_with(db, |_| {}).await
}

/// The same world with settings of the test's own.
pub async fn world_with(db: &TestDb, adjust: impl FnOnce(&mut Settings)) -> World {
    log_to_file();
    let s = &db.store;
    let ctx = AuditCtx::system("test", "setup");
    let station = s.create_unit(&ctx, &NewUnit::new("XY", UnitKind::Station, "新义派出所", None)).await.unwrap();
    let street =
        s.create_unit(&ctx, &NewUnit::new("XY-ST", UnitKind::Street, "新义街道", Some(station.id))).await.unwrap();
    let c1 =
        s.create_unit(&ctx, &NewUnit::new("XY-C01", UnitKind::Community, "府前社区", Some(street.id))).await.unwrap();
    let c2 =
        s.create_unit(&ctx, &NewUnit::new("XY-C02", UnitKind::Community, "崇文社区", Some(street.id))).await.unwrap();
    let mut g1 = NewUnit::new("XY-C01-G01", UnitKind::Grid, "府前社区第1网格", Some(c1.id));
    g1.geometry = Some(rect(111.70, 37.10, 111.71, 37.11));
    let g1 = s.create_unit(&ctx, &g1).await.unwrap();
    let mut g2 = NewUnit::new("XY-C02-G01", UnitKind::Grid, "崇文社区第1网格", Some(c2.id));
    g2.geometry = Some(rect(111.71, 37.10, 111.72, 37.11));
    let g2 = s.create_unit(&ctx, &g2).await.unwrap();
    let mc = s
        .create_unit(&ctx, &NewUnit::new("XY-MC", UnitKind::MediationCentre, "新义街道多元调解中心", Some(street.id)))
        .await
        .unwrap();
    let accounts = [
        ("commander", station.id, Role::Commander, "13800000001"),
        ("co01", c1.id, Role::CommunityOfficer, "13800000002"),
        ("gw1", g1.id, Role::GridWorker, "13800000003"),
        ("gw2", g2.id, Role::GridWorker, "13800000004"),
        ("auditor", station.id, Role::AuditAdmin, "13800000005"),
        ("sysadmin", station.id, Role::SystemAdmin, "13800000006"),
        ("med1", mc.id, Role::Mediator, "13800000007"),
    ];
    for (username, unit, role, phone) in accounts {
        let nu = NewUser {
            username: username.into(),
            display_name: format!("测试{username}"),
            unit_id: unit,
            title: None,
            officer_rank: None,
            mediator_kind: (role == Role::Mediator).then(|| "lawyer".to_string()),
            roles: vec![role],
            phone: Some(Phone::parse(phone).unwrap()),
            password_hash: Some(password_hash().into()),
        };
        let id = s.create_user(&ctx, &nu).await.unwrap();
        if username == "auditor" {
            s.set_totp(&ctx, id, Some("JBSWY3DPEHPK3PXP"), true).await.unwrap();
        }
    }
    let mut settings = Settings {
        files_dir: std::env::temp_dir().join(format!("fq-files-{}", rand::random::<u64>())),
        ..Settings::default()
    };
    adjust(&mut settings);
    let mut state = AppState::with_app(fengqiao_app::App::new(s.clone(), settings).with_group_commit());
    // As the demo: no public_url, the node bound to a definite address (QR links use it).
    state.serving_on("127.0.0.1:8080".parse().unwrap());
    // Look at the grids on every request, so a test sees an edit at once.
    state.app.router = std::sync::Arc::new(fengqiao_app::routing::GridRouter::with_recheck(std::time::Duration::ZERO));
    World { app: app(state.clone()), state, store: s.clone() }
}

/// Log what the server does, at debug level, into `target/test-logs/` (one file per test
/// process), for `scripts/scan-logs` to search for personal data after the run.
pub fn log_to_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-logs");
        let _ = std::fs::create_dir_all(&dir);
        let name = format!("rust-{}.log", std::process::id());
        let Ok(file) = std::fs::File::create(dir.join(name)) else { return };
        let filter = tracing_subscriber::EnvFilter::new("debug,sqlx=warn,tantivy=warn,h2=warn,hyper=info");
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    });
}

/// A GeoJSON rectangle.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#)
}

pub struct Resp {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn collect(r: Response<Body>) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    // An event stream does not end: its status and headers are the answer (the feed's own
    // tests read it as it comes, see `http_board`).
    if headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
        return Resp { status, headers, body: String::new(), raw: vec![] };
    }
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    Resp { status, headers, body: String::from_utf8_lossy(&bytes).into(), raw: bytes.to_vec() }
}

impl World {
    pub async fn send(&self, req: Request<Body>) -> Resp {
        collect(self.app.clone().oneshot(req).await.unwrap()).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut b = Request::get(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &str) -> Resp {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap()).await
    }

    /// POST a raw body with its content type.
    pub async fn post_body(&self, path: &str, token: Option<&str>, content_type: &str, body: impl Into<Body>) -> Resp {
        let mut b = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(body.into()).unwrap()).await
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &str) -> Resp {
        let mut b = Request::put(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap()).await
    }

    /// A multipart form (text fields, then files as (field, file name, bytes)).
    pub async fn post_multipart(
        &self,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "fqboundary7MA4YWxkTrZu0gW";
        let mut body: Vec<u8> = Vec::new();
        for (k, v) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").bytes());
        }
        for (k, name, bytes) in files {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").bytes());
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Log in over the API; panics unless it succeeds.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .post_json("/api/v1/session", None, &format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
}

impl World {
    /// A session of the system administrator (enrolled in TOTP over the store first).
    pub async fn sysadmin_token(&self) -> String {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let admin = self.store.user_by_username("sysadmin").await.unwrap();
        self.store.set_totp(&AuditCtx::system("test", "setup"), admin.id, Some(secret), true).await.unwrap();
        let body = format!(r#"{{"username":"sysadmin","password":"{PASSWORD}","totp":"{}"}}"#, totp_now(secret, 0));
        let r = self.post_json("/api/v1/session", None, &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
}

/// A security administrator, `secadmin` (station XY, password [`PASSWORD`]), with a second
/// factor of `secret`.
pub async fn add_secadmin(store: &fengqiao_store::Store, secret: &str) -> fengqiao_domain::ids::UserId {
    let ctx = AuditCtx::system("test", "setup");
    let station = store.unit_by_code("XY").await.unwrap();
    let nu = NewUser {
        username: "secadmin".into(),
        display_name: "安全管理员".into(),
        unit_id: station.id,
        title: None,
        officer_rank: None,
        mediator_kind: None,
        roles: vec![Role::SecurityAdmin],
        phone: None,
        password_hash: Some(password_hash().into()),
    };
    let id = store.create_user(&ctx, &nu).await.unwrap();
    store.set_totp(&ctx, id, Some(secret), true).await.unwrap();
    id
}

/// The current TOTP code of a base32 secret.
pub fn totp_now(secret: &str, offset: i64) -> String {
    let key = fengqiao_app::totp::base32_decode(secret).unwrap();
    fengqiao_app::totp::code_at(&key, chrono::Utc::now().timestamp() / 30 + offset)
}

/// Two households (H1 in XY-C01-G01, H2 in XY-C02-G01) and their residents.
pub async fn registry(w: &World) {
    use fengqiao_app::import::registry::{households, residents};
    let ctx = AuditCtx::system("test", "registry");
    let index = fengqiao_app::routing::build(w.store.grid_routes().await.unwrap());
    let hh = "household_code,address,lat,lon,dwelling_type,is_rental,phone\n\
              H1,府前街1号幸福小区1号楼101室,37.105,111.705,owner_occupied,0,13903580001\n\
              H2,崇文街2号和谐小区2号楼202室,37.105,111.715,rented,1,\n";
    let out = households(&w.store, &index, None, &ctx, hh, false, &|_, _| {}).await.unwrap();
    assert!(out.report.committed, "{:?}", out.report.rejected);
    let rs = "household_code,name,id_number,relation,phone,care\n\
              H1,张世川,141181198211110173,head,13903580003,elderly_alone\n\
              H2,李秀英,141181195807200248,head,,\n";
    let out = residents(&w.store, None, &ctx, rs, false, &|_, _| {}).await.unwrap();
    assert!(out.report.committed, "{:?}", out.report.rejected);
}

pub fn assert_error_body(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let j = r.json();
    assert_eq!(j["error"]["code"], code, "{}", r.body);
    assert!(j["error"]["message"].is_string());
    assert!(j["error"]["fields"].is_array());
}

/// Two parties who both consent to mediation.
pub async fn consenting_parties(w: &World, token: &str, code: &str) -> Vec<i64> {
    let mut ids = vec![];
    for (role, name) in [("applicant", "王建国"), ("respondent", "赵立新")] {
        let body =
            format!(r#"{{"role":"{role}","name":"{name}","phone":"1390358{:04}","address":"府前街1号"}}"#, ids.len());
        let r = w.post_json(&format!("/api/v1/matters/{code}/parties"), Some(token), &body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["parties"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
        let c = w
            .post_json(&format!("/api/v1/matters/{code}/parties/{id}/consent"), Some(token), r#"{"consent":"given"}"#)
            .await;
        assert_eq!(c.status, 200, "{}", c.body);
        ids.push(id);
    }
    ids
}

pub async fn new_dispute(w: &World, token: &str, category: &str, narrative: &str) -> String {
    let body =
        format!(r#"{{"kind":"dispute","category":"{category}","narrative":"{narrative}","lat":37.105,"lon":111.705}}"#);
    let r = w.post_json("/api/v1/matters", Some(token), &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["code"].as_str().unwrap().to_string()
}

pub fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The residents' page of a household code, as a phone sees it: its CSRF cookie and token.
pub async fn resident_page(w: &World, token: &str) -> (Resp, String, String) {
    let r = w.get(&format!("/q/{token}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let csrf = r.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    (r, cookie, csrf)
}

pub async fn resident_post(w: &World, path: &str, cookie: &str, form: &str) -> Resp {
    let req = axum::http::Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(axum::body::Body::from(form.to_string()))
        .unwrap();
    w.send(req).await
}

/// The household's current QR token, read from its file as a grid worker sees it.
pub async fn qr_token(w: &World, token: &str, household: &str) -> String {
    let html = w.get(&format!("/households/{household}"), Some(token)).await.body;
    html.replace("&#x2f;", "/").split("/q/").nth(1).expect("a QR link")[..43].to_string()
}
