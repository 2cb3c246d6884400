//! Load for the live board's benchmark (BENCHMARKS.md, `bench/boards.sh`): BOARDS server-sent
//! event streams (`GET /api/v1/board/events`) spread over the nodes given, while matters are
//! recorded at RATE a second (`POST /api/v1/matters`) through the nodes in turn for SECS
//! seconds. For every board and every new matter it records when the event arrived, less
//! the matter's `created_at` (set by the server as the use case runs, before the commit):
//! how long a committed event takes to reach a board, whichever node wrote it. Prints the
//! percentiles and what was lost.
//!
//! `cargo run --release -p fengqiao-server --example board_load -- TOKEN BOARDS RATE SECS
//!  LAT,LON[;LAT,LON…] HOST:PORT [HOST:PORT…]`
//!
//! Plain HTTP/1.1 over tokio's sockets (the SSE body is chunked), so the client costs little
//! beside the servers on the same machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64
}

/// Read one chunk of a chunked body into `out`; false at its end.
async fn chunk(r: &mut BufReader<TcpStream>, out: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Ok(false);
    }
    let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
    if size == 0 {
        return Ok(false);
    }
    let start = out.len();
    out.resize(start + size + 2, 0);
    r.read_exact(&mut out[start..]).await?;
    out.truncate(start + size);
    Ok(true)
}

/// One board: connect, read events until `stop`, push each new matter's latency (ms).
async fn board(
    addr: String,
    token: Arc<String>,
    stop: Arc<AtomicBool>,
    lat: Arc<Mutex<Vec<u32>>>,
    ready: Arc<AtomicU64>,
) {
    let mut s = match TcpStream::connect(&addr).await {
        Ok(s) => s,
        Err(e) => return eprintln!("board: connect {addr}: {e}"),
    };
    let req = format!(
        "GET /api/v1/board/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).await.is_err() {
        return;
    }
    let mut r = BufReader::new(s);
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await.unwrap_or(0) == 0 {
            return eprintln!("board: {addr} closed before its headers");
        }
        if line == "\r\n" {
            break;
        }
        if line.starts_with("HTTP/1.1") && !line.contains(" 200 ") {
            return eprintln!("board: {addr} answered {}", line.trim());
        }
    }
    ready.fetch_add(1, Ordering::Relaxed);
    let mut buf: Vec<u8> = Vec::new();
    let mut mine: Vec<u32> = Vec::with_capacity(8192);
    while !stop.load(Ordering::Relaxed) {
        match tokio::time::timeout(Duration::from_millis(500), chunk(&mut r, &mut buf)).await {
            Ok(Ok(true)) => {}
            Ok(_) => break,
            Err(_) => continue,
        }
        let arrived = now_ms();
        // Whole events end with a blank line; keep a partial one for the next chunk.
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            if !text.contains("\"topic\":\"matter.created\"") {
                continue;
            }
            for l in text.lines().filter_map(|l| l.strip_prefix("data:")) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(l.trim())
                    && let Some(created) = v["created_at"].as_i64()
                {
                    mine.push((arrived - created).max(0) as u32);
                }
            }
        }
    }
    lat.lock().await.extend(mine);
}

/// Record matters at `rate` a second for `secs`, over the nodes in turn (one keep-alive
/// connection each); how many were recorded, and the slowest answer (ms).
async fn record(addrs: Vec<String>, token: Arc<String>, points: Vec<(f64, f64)>, rate: u64, secs: u64) -> (u64, u64) {
    let mut conns = Vec::new();
    for a in &addrs {
        conns.push((a.clone(), BufReader::new(TcpStream::connect(a).await.expect("connect to record"))));
    }
    let total = rate * secs;
    let start = Instant::now();
    let (mut ok, mut slowest) = (0, 0);
    for n in 0..total {
        let due = start + Duration::from_micros(n * 1_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (lat, lon) = points[n as usize % points.len()];
        let body = format!(
            r#"{{"kind":"dispute","category":"neighbour","narrative":"看板压测第{n}号：楼上装修噪音扰民","lat":{lat},"lon":{lon}}}"#
        );
        let (addr, c) = &mut conns[n as usize % addrs.len()];
        let req = format!(
            "POST /api/v1/matters HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let t = Instant::now();
        c.get_mut().write_all(req.as_bytes()).await.expect("send");
        let mut line = String::new();
        let mut len = 0;
        let mut status = String::new();
        loop {
            line.clear();
            c.read_line(&mut line).await.expect("answer");
            if status.is_empty() {
                status = line.clone();
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        c.read_exact(&mut body).await.expect("body");
        if status.contains(" 201 ") {
            ok += 1;
        } else {
            eprintln!("record: {} {}", status.trim(), String::from_utf8_lossy(&body));
        }
        slowest = slowest.max(t.elapsed().as_millis() as u64);
    }
    (ok, slowest)
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 6 {
        eprintln!("usage: board_load TOKEN BOARDS RATE SECS LAT,LON[;LAT,LON…] HOST:PORT [HOST:PORT…]");
        std::process::exit(2);
    }
    let token = Arc::new(a[0].clone());
    let (boards, rate, secs): (usize, u64, u64) = (a[1].parse().unwrap(), a[2].parse().unwrap(), a[3].parse().unwrap());
    let points: Vec<(f64, f64)> = a[4]
        .split(';')
        .filter_map(|p| p.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?))))
        .collect();
    let nodes: Vec<String> = a[5..].to_vec();
    let stop = Arc::new(AtomicBool::new(false));
    let lat = Arc::new(Mutex::new(Vec::new()));
    let ready = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..boards {
        let node = nodes[i % nodes.len()].clone();
        tasks.push(tokio::spawn(board(node, token.clone(), stop.clone(), lat.clone(), ready.clone())));
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let wait = Instant::now();
    while ready.load(Ordering::Relaxed) < boards as u64 && wait.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = ready.load(Ordering::Relaxed);
    println!("boards connected: {connected} of {boards} over {} nodes", nodes.len());
    let (recorded, slowest) = record(nodes.clone(), token.clone(), points, rate, secs).await;
    // Let the last events arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let mut v = std::mem::take(&mut *lat.lock().await);
    v.sort_unstable();
    let pct = |p: f64| v.get(((v.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0);
    let expected = recorded * connected;
    println!("matters recorded: {recorded} in {secs} s ({rate}/s asked); slowest answer {slowest} ms");
    println!("events delivered: {} of {expected} ({} lost)", v.len(), expected.saturating_sub(v.len() as u64));
    println!(
        "latency commit→board (ms): p50 {} p90 {} p99 {} p99.9 {} max {}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(0.999),
        v.last().copied().unwrap_or(0)
    );
}
