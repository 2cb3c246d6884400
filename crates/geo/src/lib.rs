//! Which grid is this? An R-tree over the grids' bounding boxes narrows a point to a few
//! candidates; an exact crossing-number test decides. Holes and multipolygons are handled
//! by counting crossings over every ring (even–odd).
//!
//! Borders: the test is half-open (an edge counts when the point is strictly left of it and
//! its lower end is at or below the point while its upper end is above), with each edge's
//! intersection computed from its endpoints in a fixed order. On a tiling whose neighbours
//! share edges, a point on a shared border therefore belongs to exactly one grid — the one
//! to its right, or above on a horizontal border — every time, on every machine.

mod rtree;
mod validate;

pub use rtree::PackedRTree;

pub use validate::{MAX_POSITIONS, TilingProblem, parse_geometry, validate_tiling};

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
        edges_contain(&self.edges(), x, y)
    }

    /// Every non-horizontal edge as `[ax, ay, bx, by]` with `a` the lower end (ordered by
    /// `(y, x)`), so neighbours sharing an edge store it identically.
    fn edges(&self) -> Vec<[f64; 4]> {
        let mut out = vec![];
        for polygon in &self.polygons {
            for ring in polygon {
                for w in ring.windows(2) {
                    let (a, b) = if (w[0][1], w[0][0]) <= (w[1][1], w[1][0]) { (w[0], w[1]) } else { (w[1], w[0]) };
                    if a[1] != b[1] {
                        out.push([a[0], a[1], b[0], b[1]]);
                    }
                }
            }
        }
        out
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

/// Crossing-number test over prepared edges (half-open in y, strict in x).
#[inline]
fn edges_contain(edges: &[[f64; 4]], x: f64, y: f64) -> bool {
    let mut inside = false;
    for e in edges {
        if e[1] <= y && y < e[3] && x < e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]) {
            inside = !inside;
        }
    }
    inside
}

/// The index: build it from all grids, then ask it about points. Immutable; rebuild and
/// swap to re-index.
pub struct GridIndex<K> {
    tree: PackedRTree,
    /// Bounding boxes by shape, `[min_x, min_y, max_x, max_y]`.
    boxes: Vec<[f64; 4]>,
    shapes: Vec<(K, Shape)>,
    /// Every shape's edges in one array (shape `i` owns `edges[starts[i]..starts[i + 1]]`),
    /// prepared once, contiguous for the hot path.
    edges: Vec<[f64; 4]>,
    starts: Vec<usize>,
}

impl<K> GridIndex<K> {
    pub fn build(grids: Vec<(K, Shape)>) -> Self {
        let boxes: Vec<[f64; 4]> = grids
            .iter()
            .map(|(_, s)| {
                let (lo, hi) = s.bbox();
                [lo[0], lo[1], hi[0], hi[1]]
            })
            .collect();
        let (mut edges, mut starts) = (vec![], vec![0]);
        for (_, s) in &grids {
            edges.extend(s.edges());
            starts.push(edges.len());
        }
        GridIndex { tree: PackedRTree::new(&boxes), boxes, shapes: grids, edges, starts }
    }

    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// The grid containing the point. Grids do not overlap (imports refuse it) and the
    /// border rule gives every border point to one side, so the first hit is the answer.
    /// (For overlapping hand-made data the answer is still the same on every call.)
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&K> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        let mut found: Option<usize> = None;
        self.tree.search_until([lon, lat, lon, lat], |i| {
            if edges_contain(&self.edges[self.starts[i]..self.starts[i + 1]], lon, lat) {
                found = Some(i);
                true
            } else {
                false
            }
        });
        found.map(|i| &self.shapes[i].0)
    }

    /// The nearest grid to a point and its distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&K, f64)> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        // A box's distance (scaled to a lower bound in metres) bounds its shape's; look at
        // shapes in order of that bound and stop once it exceeds the best exact distance.
        // Linear in the number of grids, and only asked for points outside every grid.
        let min_m_per_deg = (lat.to_radians().cos() * 111_320.0).min(110_574.0);
        let mut order: Vec<(f64, usize)> = self
            .boxes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let dx = (b[0] - lon).max(0.0).max(lon - b[2]);
                let dy = (b[1] - lat).max(0.0).max(lat - b[3]);
                ((dx * dx + dy * dy).sqrt() * min_m_per_deg, i)
            })
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Option<(usize, f64)> = None;
        for (bound, i) in order {
            if best.is_some_and(|(_, bd)| bound > bd) {
                break;
            }
            let d = self.shapes[i].1.distance_m(lon, lat);
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((i, d));
            }
        }
        best.map(|(i, d)| (&self.shapes[i].0, d))
    }

    /// Grids whose bounding box meets the given box (for map views).
    pub fn in_box(&self, lo: [f64; 2], hi: [f64; 2]) -> Vec<&K> {
        let mut out = vec![];
        self.tree.search([lo[0], lo[1], hi[0], hi[1]], |i| out.push(i));
        out.sort_unstable();
        out.into_iter().map(|i| &self.shapes[i].0).collect()
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
