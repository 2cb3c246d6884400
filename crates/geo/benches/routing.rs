//! Grid routing throughput: 10,000 grid polygons (a jittered 100 × 100 lattice, eight
//! vertices per grid, neighbours sharing edges exactly) and 1,000,000 random points, looked
//! up on one thread. `cargo bench -p fengqiao-geo --bench routing` prints lookups per second.
//! With `-- --export DIR` it also writes the same grids and points as CSV (WKT) for the
//! PostGIS comparison in `bench/routing-vs-postgis.sh`.

use fengqiao_geo::{GridIndex, Shape};
use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

const N: usize = 100;
const CELL: f64 = 0.002;
const X0: f64 = 111.6;
const Y0: f64 = 37.0;

/// Deterministic noise in [-1, 1) from integers.
fn noise(a: usize, b: usize, c: usize) -> f64 {
    let mut z = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (b as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ (c as u64).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    z = z.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z ^= z >> 32;
    (z % 2_000_000) as f64 / 1_000_000.0 - 1.0
}

fn vertex(i: usize, j: usize) -> [f64; 2] {
    let (jx, jy) =
        if i == 0 || j == 0 || i == N || j == N { (0.0, 0.0) } else { (noise(i, j, 1) * 0.3, noise(i, j, 2) * 0.3) };
    [X0 + (i as f64 + jx) * CELL, Y0 + (j as f64 + jy) * CELL]
}

/// The midpoint of a lattice edge, pushed sideways a little; `h` tells horizontal edges.
fn mid(a: [f64; 2], b: [f64; 2], i: usize, j: usize, h: usize) -> [f64; 2] {
    let s = noise(i, j, 3 + h) * 0.15 * CELL;
    let (mx, my) = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
    if h == 1 { [mx, my + s] } else { [mx + s, my] }
}

fn grids() -> Vec<(usize, Shape)> {
    let mut out = Vec::with_capacity(N * N);
    for i in 0..N {
        for j in 0..N {
            let (a, b, c, d) = (vertex(i, j), vertex(i + 1, j), vertex(i + 1, j + 1), vertex(i, j + 1));
            let ring = vec![
                a,
                mid(a, b, i, j, 1),
                b,
                mid(b, c, i + 1, j, 0),
                c,
                mid(d, c, i, j + 1, 1),
                d,
                mid(a, d, i, j, 0),
                a,
            ];
            out.push((i * N + j, Shape { polygons: vec![vec![ring]] }));
        }
    }
    out
}

fn points(n: usize) -> Vec<[f64; 2]> {
    let span = N as f64 * CELL;
    (0..n).map(|k| [X0 + (noise(k, 7, 11) + 1.0) / 2.0 * span, Y0 + (noise(k, 13, 17) + 1.0) / 2.0 * span]).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let grids = grids();
    let pts = points(1_000_000);
    if let Some(pos) = args.iter().position(|a| a == "--export") {
        let dir = std::path::PathBuf::from(&args[pos + 1]);
        std::fs::create_dir_all(&dir).unwrap();
        let mut g = std::io::BufWriter::new(std::fs::File::create(dir.join("grids.csv")).unwrap());
        for (id, s) in &grids {
            let ring: Vec<String> = s.polygons[0][0].iter().map(|c| format!("{} {}", c[0], c[1])).collect();
            writeln!(g, "{id}\tSRID=4326;POLYGON(({}))", ring.join(",")).unwrap();
        }
        let mut p = std::io::BufWriter::new(std::fs::File::create(dir.join("points.csv")).unwrap());
        for (k, c) in pts.iter().enumerate() {
            writeln!(p, "{k}\tSRID=4326;POINT({} {})", c[0], c[1]).unwrap();
        }
        eprintln!("wrote {} grids and {} points to {}", grids.len(), pts.len(), dir.display());
    }
    let t = Instant::now();
    let index = GridIndex::build(grids);
    let build = t.elapsed();
    // Warm up, then measure three rounds and keep the best.
    let mut found = 0usize;
    for p in &pts[..100_000] {
        found += index.locate(p[0], p[1]).is_some() as usize;
    }
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let t = Instant::now();
        found = 0;
        for p in &pts {
            if black_box(index.locate(black_box(p[0]), black_box(p[1]))).is_some() {
                found += 1;
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("grids: {}  build: {:.1} ms", index.len(), build.as_secs_f64() * 1e3);
    println!("lookups: {}  found: {}  best of 3: {:.3} s", pts.len(), found, best);
    println!(
        "routing: {:.0} lookups/s on one thread, {:.3} µs per lookup",
        pts.len() as f64 / best,
        best / pts.len() as f64 * 1e6
    );
}
