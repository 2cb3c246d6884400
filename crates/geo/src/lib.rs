//! Which grid is this? An R-tree over the grids' bounding boxes narrows a point to a few
//! candidates; an exact crossing-number test decides. Holes and multipolygons are handled
//! by counting crossings over every ring (even–odd).
//!
//! Borders: the test is half-open (an edge counts when the point is strictly left of it and
//! its lower end is at or below the point while its upper end is above), with each edge's
//! intersection computed from its endpoints in a fixed order. On a tiling whose neighbours
//! share edges, a point on a shared border therefore belongs to exactly one grid — the one
//! to its right, or above on a horizontal border — every time, on every machine.

mod validate;

pub use validate::{TilingProblem, parse_geometry, validate_tiling};

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// A grid's shape: polygons, each a list of rings (the first exterior, the rest holes);
/// a ring is a closed list of `[lon, lat]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

impl Shape {
    pub fn from_multipolygon(mp: &geo::MultiPolygon<f64>) -> Shape {
        let ring = |ls: &geo::LineString<f64>| ls.coords().map(|c| [c.x, c.y]).collect::<Vec<_>>();
        Shape {
            polygons: mp
                .0
                .iter()
                .map(|p| std::iter::once(ring(p.exterior())).chain(p.interiors().iter().map(ring)).collect())
                .collect(),
        }
    }

    fn bbox(&self) -> ([f64; 2], [f64; 2]) {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in &self.polygons {
            for c in &p[0] {
                lo = [lo[0].min(c[0]), lo[1].min(c[1])];
                hi = [hi[0].max(c[0]), hi[1].max(c[1])];
            }
        }
        (lo, hi)
    }

    /// Exact, half-open point-in-shape test (see the module documentation).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let mut inside = false;
        for polygon in &self.polygons {
            for ring in polygon {
                for w in ring.windows(2) {
                    // Order the endpoints so both neighbours sharing this edge compute the
                    // very same intersection.
                    let (a, b) = if (w[0][1], w[0][0]) <= (w[1][1], w[1][0]) { (w[0], w[1]) } else { (w[1], w[0]) };
                    if a[1] <= y && y < b[1] {
                        let xi = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                        if x < xi {
                            inside = !inside;
                        }
                    }
                }
            }
        }
        inside
    }

    /// Distance in metres from a point outside to the shape's nearest edge (equirectangular
    /// approximation: fine at grid scale).
    pub fn distance_m(&self, x: f64, y: f64) -> f64 {
        let kx = (y.to_radians()).cos() * 111_320.0;
        let ky = 110_574.0;
        let mut best = f64::INFINITY;
        for polygon in &self.polygons {
            for ring in polygon {
                for w in ring.windows(2) {
                    let (ax, ay) = ((w[0][0] - x) * kx, (w[0][1] - y) * ky);
                    let (bx, by) = ((w[1][0] - x) * kx, (w[1][1] - y) * ky);
                    let (dx, dy) = (bx - ax, by - ay);
                    let len2 = dx * dx + dy * dy;
                    let t = if len2 == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) };
                    let (px, py) = (ax + t * dx, ay + t * dy);
                    best = best.min((px * px + py * py).sqrt());
                }
            }
        }
        best
    }
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The index: build it from all grids, then ask it about points. Immutable; rebuild and
/// swap to re-index.
pub struct GridIndex<K> {
    tree: RTree<Entry>,
    shapes: Vec<(K, Shape)>,
}

impl<K> GridIndex<K> {
    pub fn build(grids: Vec<(K, Shape)>) -> Self {
        let entries: Vec<Entry> = grids
            .iter()
            .enumerate()
            .map(|(i, (_, s))| {
                let (lo, hi) = s.bbox();
                GeomWithData::new(Rectangle::from_corners(lo, hi), i)
            })
            .collect();
        GridIndex { tree: RTree::bulk_load(entries), shapes: grids }
    }

    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The grid containing the point. Should two grids claim it (overlaps are refused at
    /// import, so only in hand-made data), the one listed first wins: still deterministic.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&K> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        let mut found: Option<usize> = None;
        for e in self.tree.locate_all_at_point(&[lon, lat]) {
            let i = e.data;
            if found.is_none_or(|f| i < f) && self.shapes[i].1.contains(lon, lat) {
                found = Some(i);
            }
        }
        found.map(|i| &self.shapes[i].0)
    }

    /// The nearest grid to a point and its distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&K, f64)> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        // Boxes come in order of their distance; a box farther (in degrees, scaled to a
        // lower bound in metres) than the best exact distance cannot hold a nearer grid.
        let min_m_per_deg = (lat.to_radians().cos() * 111_320.0).min(110_574.0);
        let mut best: Option<(usize, f64)> = None;
        for (e, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[lon, lat]) {
            if let Some((_, bd)) = best
                && d2.sqrt() * min_m_per_deg > bd
            {
                break;
            }
            let d = self.shapes[e.data].1.distance_m(lon, lat);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((e.data, d));
            }
        }
        best.map(|(i, d)| (&self.shapes[i].0, d))
    }

    /// Grids whose bounding box meets the given box (for map views).
    pub fn in_box(&self, lo: [f64; 2], hi: [f64; 2]) -> impl Iterator<Item = &K> {
        self.tree.locate_in_envelope_intersecting(&AABB::from_corners(lo, hi)).map(|e| &self.shapes[e.data].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
        vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    }

    #[test]
    fn holes_and_multipolygons() {
        let donut = Shape { polygons: vec![vec![rect(0.0, 0.0, 10.0, 10.0), rect(4.0, 4.0, 6.0, 6.0)]] };
        assert!(donut.contains(1.0, 1.0));
        assert!(!donut.contains(5.0, 5.0), "inside the hole");
        let islands = Shape {
            polygons: vec![vec![rect(0.0, 0.0, 1.0, 1.0)], vec![vec![[5.0, 5.0], [7.0, 5.0], [6.0, 7.0], [5.0, 5.0]]]],
        };
        assert!(islands.contains(0.5, 0.5) && islands.contains(6.0, 6.0));
        assert!(!islands.contains(3.0, 3.0));
        let idx = GridIndex::build(vec![
            ("donut", donut),
            ("hole-filler", Shape { polygons: vec![vec![rect(4.0, 4.0, 6.0, 6.0)]] }),
        ]);
        assert_eq!(idx.locate(5.0, 5.0), Some(&"hole-filler"));
        assert_eq!(idx.locate(1.0, 1.0), Some(&"donut"));
        assert_eq!(idx.locate(20.0, 20.0), None);
        let (near, d) = idx.nearest(10.001, 5.0).unwrap();
        assert_eq!(*near, "donut");
        assert!((80.0..120.0).contains(&d), "{d}");
        assert_eq!(idx.locate(f64::NAN, 1.0), None);
    }

    #[test]
    fn shared_borders_resolve_to_one_side() {
        let idx = GridIndex::build(vec![
            ("A", Shape { polygons: vec![vec![rect(0.0, 0.0, 1.0, 1.0)]] }),
            ("B", Shape { polygons: vec![vec![rect(1.0, 0.0, 2.0, 1.0)]] }),
            ("C", Shape { polygons: vec![vec![rect(0.0, 1.0, 2.0, 2.0)]] }),
        ]);
        assert_eq!(idx.locate(1.0, 0.5), Some(&"B"), "vertical border: the right side");
        assert_eq!(idx.locate(0.5, 1.0), Some(&"C"), "horizontal border: the upper side");
        assert_eq!(idx.locate(1.0, 1.0), Some(&"C"), "corner of three");
        assert_eq!(idx.locate(0.0, 0.0), Some(&"A"));
    }

    /// A random tiling: a lattice of jittered vertices; each cell a quadrilateral sharing its
    /// edges exactly with its neighbours (oriented either way round, to show direction does
    /// not matter).
    fn tiling(nx: usize, ny: usize, jitter: &[f64]) -> (Vec<Vec<[f64; 2]>>, GridIndex<usize>) {
        let mut k = 0;
        let mut v = vec![vec![[0.0; 2]; ny + 1]; nx + 1];
        for (i, col) in v.iter_mut().enumerate() {
            for (j, p) in col.iter_mut().enumerate() {
                let (jx, jy) = if i == 0 || j == 0 || i == nx || j == ny {
                    (0.0, 0.0)
                } else {
                    k += 2;
                    (jitter[(k - 2) % jitter.len()], jitter[(k - 1) % jitter.len()])
                };
                *p = [111.7 + (i as f64 + jx) * 0.01, 37.1 + (j as f64 + jy) * 0.01];
            }
        }
        let mut cells = vec![];
        let mut shapes = vec![];
        for i in 0..nx {
            for j in 0..ny {
                let mut ring = vec![v[i][j], v[i + 1][j], v[i + 1][j + 1], v[i][j + 1], v[i][j]];
                if (i + j) % 2 == 1 {
                    ring.reverse();
                }
                cells.push(ring.clone());
                shapes.push((cells.len() - 1, Shape { polygons: vec![vec![ring]] }));
            }
        }
        (cells, GridIndex::build(shapes))
    }

    fn claimants(idx: &GridIndex<usize>, x: f64, y: f64) -> usize {
        idx.shapes.iter().filter(|(_, s)| s.contains(x, y)).count()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_points_fall_in_exactly_one_grid_or_outside(
            nx in 1usize..8, ny in 1usize..8,
            jitter in prop::collection::vec(-0.3f64..0.3, 4..40),
            points in prop::collection::vec((111.69f64..111.79, 37.09f64..37.19), 50),
        ) {
            let (_, idx) = tiling(nx, ny, &jitter);
            for (x, y) in points {
                let n = claimants(&idx, x, y);
                prop_assert!(n <= 1, "{n} grids claim ({x}, {y})");
                let inside_hull = x > 111.7 && x < 111.7 + nx as f64 * 0.01 && y > 37.1 && y < 37.1 + ny as f64 * 0.01;
                if inside_hull {
                    prop_assert_eq!(n, 1, "a point inside the tiling belongs to a grid");
                }
                prop_assert_eq!(idx.locate(x, y).is_some(), n == 1);
            }
        }

        #[test]
        fn border_points_resolve_to_exactly_one_grid_deterministically(
            nx in 2usize..7, ny in 2usize..7,
            jitter in prop::collection::vec(-0.3f64..0.3, 4..40),
            picks in prop::collection::vec((0usize..1000, 0usize..4, 0.0f64..1.0), 40),
        ) {
            let (cells, idx) = tiling(nx, ny, &jitter);
            for (c, e, t) in picks {
                let ring = &cells[c % cells.len()];
                let (a, b) = (ring[e], ring[e + 1]);
                let (x, y) = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]));
                let interior_border = x > 111.7 && x < 111.7 + nx as f64 * 0.01 && y > 37.1 && y < 37.1 + ny as f64 * 0.01;
                let n = claimants(&idx, x, y);
                prop_assert!(n <= 1, "{n} grids claim border point ({x}, {y})");
                if interior_border {
                    prop_assert_eq!(n, 1, "border point ({}, {}) inside the tiling has no grid", x, y);
                }
                prop_assert_eq!(idx.locate(x, y), idx.locate(x, y));
            }
        }
    }
}
