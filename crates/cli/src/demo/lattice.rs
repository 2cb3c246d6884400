//! The demo's map: a lattice of jittered points around Xiaoyi, cut into blocks of cells.
//! Every unit's outline runs along lattice points, so neighbours share their borders
//! exactly and the grids tile the street without gaps or overlaps.

use super::names::Rng;

/// Origin and cell size, in micro-degrees (a cell is about 220 m × 220 m at 37° N).
const LON0: i64 = 111_760_000;
const LAT0: i64 = 37_125_000;
const CELL_W: i64 = 2_500;
const CELL_H: i64 = 2_000;

pub struct Lattice {
    cols: usize,
    rows: usize,
    points: Vec<(i64, i64)>,
}

impl Lattice {
    /// `cols × rows` cells; inner points moved up to a quarter cell each way.
    pub fn new(cols: usize, rows: usize, rng: &mut Rng) -> Lattice {
        let mut points = Vec::with_capacity((cols + 1) * (rows + 1));
        for i in 0..=cols {
            for j in 0..=rows {
                let inner = i > 0 && j > 0 && i < cols && j < rows;
                let (dx, dy) = if inner {
                    (
                        rng.below(CELL_W as usize / 2) as i64 - CELL_W / 4,
                        rng.below(CELL_H as usize / 2) as i64 - CELL_H / 4,
                    )
                } else {
                    (0, 0)
                };
                points.push((LON0 + i as i64 * CELL_W + dx, LAT0 + j as i64 * CELL_H + dy));
            }
        }
        Lattice { cols, rows, points }
    }

    fn at(&self, i: usize, j: usize) -> (i64, i64) {
        assert!(i <= self.cols && j <= self.rows);
        self.points[i * (self.rows + 1) + j]
    }

    /// A closed ring through the lattice corners given (each step along one lattice line),
    /// with every lattice point on the way, as a GeoJSON Polygon.
    pub fn outline(&self, corners: &[(usize, usize)]) -> String {
        let mut ring: Vec<(usize, usize)> = vec![corners[0]];
        for w in corners.windows(2).chain(std::iter::once([corners[corners.len() - 1], corners[0]].as_slice())) {
            let (mut p, q) = (w[0], w[1]);
            while p != q {
                p = (step(p.0, q.0), step(p.1, q.1));
                ring.push(p);
            }
        }
        let coords: Vec<String> = ring
            .iter()
            .map(|&(i, j)| {
                let (x, y) = self.at(i, j);
                format!("[{:.6},{:.6}]", x as f64 / 1e6, y as f64 / 1e6)
            })
            .collect();
        format!("{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}", coords.join(","))
    }

    /// A point inside cell `(i, j)` at fractions `(u, v)` of its sides (bilinear between the
    /// four corners), in degrees `(lon, lat)`.
    pub fn point(&self, i: usize, j: usize, u: f64, v: f64) -> (f64, f64) {
        let [a, b, c, d] = [self.at(i, j), self.at(i + 1, j), self.at(i + 1, j + 1), self.at(i, j + 1)];
        let f = |p: (i64, i64)| (p.0 as f64 / 1e6, p.1 as f64 / 1e6);
        let (a, b, c, d) = (f(a), f(b), f(c), f(d));
        let x = (1.0 - u) * (1.0 - v) * a.0 + u * (1.0 - v) * b.0 + u * v * c.0 + (1.0 - u) * v * d.0;
        let y = (1.0 - u) * (1.0 - v) * a.1 + u * (1.0 - v) * b.1 + u * v * c.1 + (1.0 - u) * v * d.1;
        (x, y)
    }

    /// The outline of the rectangle of cells `[i0, i1) × [j0, j1)`, counter-clockwise.
    pub fn block(&self, i0: usize, j0: usize, i1: usize, j1: usize) -> String {
        self.outline(&[(i0, j0), (i1, j0), (i1, j1), (i0, j1)])
    }
}

fn step(from: usize, to: usize) -> usize {
    match from.cmp(&to) {
        std::cmp::Ordering::Less => from + 1,
        std::cmp::Ordering::Greater => from - 1,
        std::cmp::Ordering::Equal => from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_tile_without_overlap() {
        let l = Lattice::new(4, 3, &mut Rng::new(1));
        let mut shapes = vec![];
        for i in 0..4 {
            for j in 0..3 {
                let v: serde_json::Value = serde_json::from_str(&l.block(i, j, i + 1, j + 1)).unwrap();
                shapes.push(fengqiao_geo::parse_geometry(&v).unwrap());
            }
        }
        assert!(fengqiao_geo::validate_tiling(&shapes).is_empty());
        let big: serde_json::Value = serde_json::from_str(&l.block(0, 0, 2, 3)).unwrap();
        assert_eq!(big["coordinates"][0].as_array().unwrap().len(), 11, "every lattice point on the outline, closed");
    }
}
