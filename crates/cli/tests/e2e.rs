//! End-to-end tests of the real `fengqiao` binary: the demo, the CLI subcommands, the
//! audit chain on disk, and what the SQLite file holds.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fengqiao");

fn run(args: &[&str], dir: &Path, stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("FENGQIAO_DATABASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start fengqiao");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

struct Demo {
    child: Child,
    addr: String,
    output: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `fengqiao demo` on a free port and wait for its printed logins.
fn start_demo(dir: &Path) -> Demo {
    let mut child = Command::new(BIN)
        // A small registry keeps the debug-build tests quick; the full default is measured
        // in BENCHMARKS.md.
        .args(["demo", "--listen", "127.0.0.1:0", "--households", "300"])
        .current_dir(dir)
        .env_remove("FENGQIAO_DATABASE")
        .env("FENGQIAO_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut output, mut addr) = (String::new(), None);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 {
        output.push_str(&line);
        if let Some(a) = line.trim().strip_prefix("Fengqiao is serving on http://") {
            addr = Some(a.to_string());
        }
        if line.starts_with("Administrators need") {
            break;
        }
        line.clear();
    }
    let addr = addr.unwrap_or_else(|| panic!("demo did not start:\n{output}"));
    Demo { child, addr, output }
}

fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, resp.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

async fn raw_sqlite(path: &Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&format!("sqlite://{}", path.display())).await.unwrap()
}

#[test]
fn demo_serves_prints_logins_and_reuses_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let demo = start_demo(dir.path());
    eprintln!("demo serving after {:?}", started.elapsed());
    assert!(demo.output.contains("156 grids"), "{}", demo.output);
    for login in ["sysadmin", "commander", "gw001", "cl01", "med01"] {
        assert!(demo.output.contains(login), "{login} not printed");
    }
    let (status, body) =
        http(&demo.addr, "POST", "/api/v1/session", r#"{"username":"commander","password":"Fengqiao@2026"}"#);
    assert_eq!(status, 201, "{body}");
    let hc = run(&["healthcheck", "--url", &format!("http://{}", demo.addr)], dir.path(), None);
    assert!(hc.status.success(), "{}", text(&hc));
    drop(demo);
    let key = dir.path().join("fengqiao-demo.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The second start reuses the database.
    let demo = start_demo(dir.path());
    assert!(demo.output.contains("Reusing the demo database"), "{}", demo.output);
    drop(demo);
    // A stopped server is reported as not ready.
    let hc = run(&["healthcheck", "--url", "http://127.0.0.1:9"], dir.path(), None);
    assert!(!hc.status.success());
}

#[tokio::test]
async fn tampering_with_one_audit_row_is_named_by_audit_verify() {
    let dir = tempfile::tempdir().unwrap();
    drop(start_demo(dir.path()));
    let db = dir.path().join("fengqiao-demo.db");
    let url = format!("sqlite://{}", db.display());
    let ok = run(&["audit", "verify", "--database", &url], dir.path(), None);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("intact"));
    // Add a few records through the CLI, then alter the second one directly in the file.
    let add = run(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "extra1",
            "--role",
            "grid_worker",
            "--jurisdiction",
            "XY-C01-G01",
        ],
        dir.path(),
        Some("Extra#Pass2026\n"),
    );
    assert!(add.status.success(), "{}", text(&add));
    let pool = raw_sqlite(&db).await;
    use sqlx::Executor;
    pool.execute("DROP TRIGGER audit_log_no_update").await.unwrap();
    pool.execute("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 2").await.unwrap();
    pool.close().await;
    let bad = run(&["audit", "verify", "--database", &url], dir.path(), None);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("broken at record 2"), "{}", text(&bad));
}

#[tokio::test]
async fn the_sqlite_file_holds_no_plaintext_id_or_phone_number() {
    let dir = tempfile::tempdir().unwrap();
    drop(start_demo(dir.path()));
    let db = dir.path().join("fengqiao-demo.db");
    // Open the sealed columns with the demo's key and collect every ID and phone number.
    let crypto = fengqiao_store::Crypto::new(&fengqiao_store_key(&dir.path().join("fengqiao-demo.key")));
    let pool = raw_sqlite(&db).await;
    let mut secrets = std::collections::HashSet::new();
    // Every sealed value opens at its own place (table, column, row key) — issue 9, item 14.
    for (column, sql) in [
        ("users.phone_enc", "SELECT CAST(id AS TEXT), phone_enc FROM users WHERE phone_enc IS NOT NULL"),
        ("volunteers.phone_enc", "SELECT CAST(id AS TEXT), phone_enc FROM volunteers WHERE phone_enc IS NOT NULL"),
        ("households.phone_enc", "SELECT code, phone_enc FROM households WHERE phone_enc IS NOT NULL"),
        ("residents.id_enc", "SELECT id_hash, id_enc FROM residents"),
        ("residents.phone_enc", "SELECT id_hash, phone_enc FROM residents WHERE phone_enc IS NOT NULL"),
        (
            "organisations.responsible_phone_enc",
            "SELECT code, responsible_phone_enc FROM organisations WHERE responsible_phone_enc IS NOT NULL",
        ),
    ] {
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
        assert!(!rows.is_empty(), "{sql}");
        for (row, blob) in rows {
            secrets.insert(crypto.open(&fengqiao_store::Sealed::new(blob, column, row)).unwrap());
        }
    }
    pool.close().await;
    assert!(secrets.len() > 1000, "{}", secrets.len());
    let mut bytes = std::fs::read(&db).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("fengqiao-demo.db-wal")) {
        bytes.extend(wal);
    }
    // One pass over the file: every run of 11 or 18 characters is looked up.
    let found: Vec<&str> = [11usize, 18]
        .iter()
        .flat_map(|&n| {
            bytes
                .windows(n)
                .filter_map(|w| std::str::from_utf8(w).ok())
                .filter(|w| secrets.contains(*w))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(found.is_empty(), "found in plain text: {:?}", &found[..found.len().min(5)]);
}

fn fengqiao_store_key(path: &Path) -> fengqiao_store::DataKey {
    fengqiao_store::DataKey::from_base64(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn migrate_refuses_a_database_from_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fq.db", dir.path().display());
    let ok = run(&["migrate", "--database", &url], dir.path(), None);
    assert!(ok.status.success(), "{}", text(&ok));
    let pool = raw_sqlite(&dir.path().join("fq.db")).await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231000000, 'future', TRUE, X'00', 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let bad = run(&["migrate", "--database", &url], dir.path(), None);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("newer than this binary"), "{}", text(&bad));
}

#[test]
fn configuration_and_connection_errors_are_precise() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["migrate", "--database", "sqlite://x.db"])
        .current_dir(dir.path())
        .env("FENGQIAO_SERVER__LOCKOUT_THRESHOLD", "0")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("server.lockout_threshold"), "{}", text(&o));
    std::fs::write(dir.path().join("fengqiao.toml"), "max_connections = \"many\"\n").unwrap();
    let o = run(&["migrate"], dir.path(), None);
    assert!(!o.status.success());
    assert!(text(&o).contains("max_connections"), "{}", text(&o));
    std::fs::remove_file(dir.path().join("fengqiao.toml")).unwrap();
    let o = Command::new(BIN)
        .args(["migrate", "--database", "postgres://fq:topsecret@127.0.0.1:1/fq"])
        .current_dir(dir.path())
        .env("FENGQIAO_DATA_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("postgres://fq:***@127.0.0.1:1/fq") && !t.contains("topsecret"), "{t}");
    let o = run(&["migrate", "--database", "mysql://x"], dir.path(), None);
    assert!(text(&o).contains("sqlite:// or postgres://"), "{}", text(&o));
}

#[test]
fn user_and_org_commands() {
    let dir = tempfile::tempdir().unwrap();
    drop(start_demo(dir.path()));
    let url = format!("sqlite://{}/fengqiao-demo.db", dir.path().display());
    let roles = run(&["user", "roles"], dir.path(), None);
    assert!(text(&roles).contains("grid_worker") && text(&roles).contains("网格员"));
    let org = run(&["org", "list", "--database", &url, "--kind", "community"], dir.path(), None);
    assert_eq!(String::from_utf8_lossy(&org.stdout).lines().count(), 14, "{}", text(&org));
    let bad = run(&["org", "list", "--database", &url, "--kind", "castle"], dir.path(), None);
    assert!(!bad.status.success() && text(&bad).contains("unknown unit kind"));
    // Open311 clients: the key is printed once; a second client of the same name is refused.
    let add = run(&["open311", "add-client", "--database", &url, "市民热线"], dir.path(), None);
    assert!(add.status.success(), "{}", text(&add));
    let key = String::from_utf8_lossy(&add.stdout).lines().last().unwrap().trim().to_string();
    assert!(key.len() >= 32, "{key}");
    let again = run(&["open311", "add-client", "--database", &url, "市民热线"], dir.path(), None);
    assert!(!again.status.success() && text(&again).contains("exists"), "{}", text(&again));
    let revoke = run(&["open311", "revoke", "--database", &url, "市民热线"], dir.path(), None);
    assert!(revoke.status.success(), "{}", text(&revoke));
    let twice = run(&["open311", "revoke", "--database", &url, "市民热线"], dir.path(), None);
    assert!(!twice.status.success() && text(&twice).contains("no active client"));
    // The full-text index is rebuilt from the database on demand.
    let ix = dir.path().join("index");
    let re = run(&["reindex", "--database", &url, "--index-dir", ix.to_str().unwrap()], dir.path(), None);
    assert!(re.status.success(), "{}", text(&re));
    assert!(text(&re).contains("indexed 755 matters"), "{}", text(&re));
    let none = run(&["reindex", "--database", &url], dir.path(), None);
    assert!(!none.status.success() && text(&none).contains("no index directory"));
    let weak = run(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "u1",
            "--role",
            "grid_worker",
            "--jurisdiction",
            "XY-C01-G01",
        ],
        dir.path(),
        Some("123456\n"),
    );
    assert!(!weak.status.success() && text(&weak).contains("password"), "{}", text(&weak));
    let nowhere = run(
        &["user", "add", "--database", &url, "--username", "u1", "--role", "grid_worker", "--jurisdiction", "NOPE"],
        dir.path(),
        Some("Strong#Pass2026\n"),
    );
    assert!(!nowhere.status.success() && text(&nowhere).contains("--jurisdiction"), "{}", text(&nowhere));
    let ok = run(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "u1",
            "--role",
            "grid_worker",
            "--jurisdiction",
            "XY-C01-G01",
        ],
        dir.path(),
        Some("Strong#Pass2026\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let dup = run(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "u1",
            "--role",
            "grid_worker",
            "--jurisdiction",
            "XY-C01-G01",
        ],
        dir.path(),
        Some("Strong#Pass2026\n"),
    );
    assert!(!dup.status.success() && text(&dup).contains("taken"), "{}", text(&dup));
}

#[tokio::test]
async fn the_demo_runs_on_postgresql_too() {
    let Some(db) = fengqiao_store::testing::TestDb::postgres().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.expose().to_string();
    let key = db.key.to_base64();
    let mut child = Command::new(BIN)
        .args(["demo", "--database", &url, "--listen", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("FENGQIAO_DATA_KEY", &key)
        .env("FENGQIAO_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut line, mut addr, mut out) = (String::new(), None, String::new());
    while reader.read_line(&mut line).unwrap() > 0 {
        out.push_str(&line);
        if let Some(a) = line.trim().strip_prefix("Fengqiao is serving on http://") {
            addr = Some(a.to_string());
        }
        // Read to the last line the demo prints, so no write meets a closed pipe.
        if line.starts_with("Administrators need") {
            break;
        }
        line.clear();
    }
    let addr = addr.unwrap_or_else(|| panic!("demo on PostgreSQL did not start:\n{out}"));
    assert!(out.contains("156 grids"), "{out}");
    let (status, body) = http(&addr, "POST", "/api/v1/session", r#"{"username":"gw001","password":"Fengqiao@2026"}"#);
    assert_eq!(status, 201, "{body}");
    let _ = child.kill();
    let _ = child.wait();
    let verify = Command::new(BIN)
        .args(["audit", "verify", "--database", &url])
        .env("FENGQIAO_DATA_KEY", &key)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify));
    db.finish().await;
}

#[test]
fn import_grids_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fq.db", dir.path().display());
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/grids.geojson");
    let no_root = run(&["import", "grids", "--database", &url, example], dir.path(), None);
    assert!(!no_root.status.success() && text(&no_root).contains("org init"), "{}", text(&no_root));
    let init = run(&["org", "init", "--database", &url, "--code", "SQPS", "--name", "示例派出所"], dir.path(), None);
    assert!(init.status.success(), "{}", text(&init));
    let ok = run(&["import", "grids", "--database", &url, example], dir.path(), None);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("10 created"), "{}", text(&ok));
    let again = run(&["import", "grids", "--database", &url, example], dir.path(), None);
    assert!(text(&again).contains("0 created, 10 updated"), "{}", text(&again));
    // A bad feature beside a good one: refused whole by default, the good one kept with --skip-invalid.
    let bad = dir.path().join("bad.geojson");
    std::fs::write(
        &bad,
        concat!(
            "{\"type\": \"FeatureCollection\", \"features\": [\n",
            "{\"type\": \"Feature\", \"properties\": {\"code\": \"N-G1\", \"name\": \"新网格\", \"community_code\": \"NC\", \"community_name\": \"新社区\", \"street_code\": \"SQ\", \"street_name\": \"示例街道\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[112.0, 37.0], [112.01, 37.0], [112.01, 37.01], [112.0, 37.01], [112.0, 37.0]]]}},\n",
            "{\"type\": \"Feature\", \"properties\": {\"code\": \"N-G2\", \"name\": \"重叠\", \"community_code\": \"NC\", \"community_name\": \"新社区\", \"street_code\": \"SQ\", \"street_name\": \"示例街道\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[111.805, 37.205], [111.815, 37.205], [111.815, 37.215], [111.805, 37.215], [111.805, 37.205]]]}}\n",
            "]}\n"
        ),
    )
    .unwrap();
    let refused = run(&["import", "grids", "--database", &url, bad.to_str().unwrap()], dir.path(), None);
    assert!(!refused.status.success());
    let t = text(&refused);
    assert!(
        t.contains("line 3, geometry: grid N-G2 overlaps grid SQ-C01-G01") && t.contains("nothing imported"),
        "{t}"
    );
    let skipped =
        run(&["import", "grids", "--database", &url, "--skip-invalid", bad.to_str().unwrap()], dir.path(), None);
    assert!(!skipped.status.success(), "rejects make the exit status non-zero");
    assert!(text(&skipped).contains("1 created"), "{}", text(&skipped));
    let rejects = std::fs::read_to_string(dir.path().join("bad.rejects.geojson")).unwrap();
    assert!(rejects.contains("N-G2") && !rejects.contains("N-G1") && rejects.contains("_rejected"), "{rejects}");
}
