//! Reading grid geometry from GeoJSON and checking that a set of grids is a proper tiling:
//! every polygon valid (closed rings, no self-intersection, holes inside), and no two grids
//! overlapping (touching along a border is fine).

use geo::{Coord, LineString, MultiPolygon, Polygon, Relate, Validation};

/// Positions one grid's geometry may have, all rings together: a street's most detailed
/// survey has a few thousand; more would slow every point-in-grid lookup and the tiling
/// check, so more is refused.
pub const MAX_POSITIONS: usize = 20_000;

/// Parse a GeoJSON `Polygon` or `MultiPolygon` geometry object (at most [`MAX_POSITIONS`]
/// positions).
pub fn parse_geometry(v: &serde_json::Value) -> Result<MultiPolygon<f64>, String> {
    let positions = count_positions(v.get("coordinates").unwrap_or(&serde_json::Value::Null), 0);
    if positions > MAX_POSITIONS {
        return Err(format!("at most {MAX_POSITIONS} positions in a geometry (this one has {positions})"));
    }
    let kind = v.get("type").and_then(|t| t.as_str()).ok_or("geometry has no \"type\"")?;
    let coords = v.get("coordinates").ok_or("geometry has no \"coordinates\"")?;
    match kind {
        "Polygon" => Ok(MultiPolygon(vec![polygon(coords)?])),
        "MultiPolygon" => {
            let parts = coords.as_array().ok_or("MultiPolygon coordinates must be an array of polygons")?;
            if parts.is_empty() {
                return Err("MultiPolygon has no polygons".into());
            }
            Ok(MultiPolygon(parts.iter().map(polygon).collect::<Result<_, _>>()?))
        }
        other => Err(format!("geometry type must be Polygon or MultiPolygon, not {other}")),
    }
}

/// Positions (arrays of numbers) within nested coordinate arrays, counted without building
/// anything; stops counting past the limit, and at an absurd depth.
fn count_positions(v: &serde_json::Value, depth: usize) -> usize {
    match v.as_array() {
        Some(a) if a.first().is_some_and(|x| x.is_number()) => 1,
        Some(a) if depth < 4 => {
            let mut n = 0;
            for x in a {
                n += count_positions(x, depth + 1);
                if n > MAX_POSITIONS {
                    break;
                }
            }
            n
        }
        _ => 0,
    }
}

fn polygon(v: &serde_json::Value) -> Result<Polygon<f64>, String> {
    let rings = v.as_array().ok_or("a polygon must be an array of rings")?;
    let mut out = vec![];
    for (i, r) in rings.iter().enumerate() {
        let pts = r.as_array().ok_or_else(|| format!("ring {i} must be an array of positions"))?;
        let mut ring = Vec::with_capacity(pts.len());
        for p in pts {
            let xy = p
                .as_array()
                .filter(|a| a.len() >= 2)
                .ok_or_else(|| format!("ring {i}: a position must be [lon, lat]"))?;
            let (x, y) = (xy[0].as_f64(), xy[1].as_f64());
            let (Some(x), Some(y)) = (x, y) else { return Err(format!("ring {i}: coordinates must be numbers")) };
            if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
                return Err(format!("ring {i}: [{x}, {y}] is not a longitude/latitude"));
            }
            ring.push(Coord { x, y });
        }
        if ring.len() < 4 {
            return Err(format!("ring {i} needs at least 4 positions (closed), has {}", ring.len()));
        }
        if ring.first() != ring.last() {
            return Err(format!("ring {i} is not closed: its first and last positions differ"));
        }
        out.push(LineString(ring));
    }
    let mut it = out.into_iter();
    let exterior = it.next().ok_or("a polygon needs an exterior ring")?;
    Ok(Polygon::new(exterior, it.collect()))
}

/// What is wrong with a grid (or a pair of grids).
#[derive(Debug, Clone, PartialEq)]
pub struct TilingProblem {
    /// Index of the grid in the input.
    pub index: usize,
    /// The other grid, for overlaps.
    pub other: Option<usize>,
    pub message: String,
}

/// Check every shape and every pair whose boxes meet. Problems come sorted by index.
pub fn validate_tiling(shapes: &[MultiPolygon<f64>]) -> Vec<TilingProblem> {
    let mut problems = vec![];
    let mut valid = vec![true; shapes.len()];
    for (i, s) in shapes.iter().enumerate() {
        // A single polygon is reported as such, without "polygon at index 0".
        let err = match s.0.as_slice() {
            [one] => one.check_validation().err().map(|e| e.to_string()),
            _ => s.check_validation().err().map(|e| e.to_string()),
        };
        if let Some(e) = err {
            valid[i] = false;
            problems.push(TilingProblem { index: i, other: None, message: format!("invalid polygon: {e}") });
        }
    }
    let boxes: Vec<[f64; 4]> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| {
            use geo::BoundingRect;
            match s.bounding_rect().filter(|_| valid[i]) {
                Some(r) => [r.min().x, r.min().y, r.max().x, r.max().y],
                // Invalid or empty shapes get a box nothing meets.
                None => [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY],
            }
        })
        .collect();
    let tree = crate::PackedRTree::new(&boxes);
    for (i, b) in boxes.iter().enumerate() {
        if !valid[i] {
            continue;
        }
        let mut candidates = vec![];
        tree.search(*b, |j| candidates.push(j));
        candidates.sort_unstable();
        for j in candidates {
            if j <= i || !valid[j] {
                continue;
            }
            // Interiors meeting = overlap (DE-9IM "T********"); shared borders only touch.
            if shapes[i].relate(&shapes[j]).matches("T********").unwrap_or(false) {
                problems.push(TilingProblem { index: i, other: Some(j), message: "overlaps another grid".into() });
            }
        }
    }
    problems.sort_by_key(|p| (p.index, p.other));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(x0: f64, y0: f64, s: f64) -> serde_json::Value {
        json!({"type": "Polygon", "coordinates": [[[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]]]})
    }

    #[test]
    fn parses_and_explains() {
        assert!(parse_geometry(&square(111.0, 37.0, 0.01)).is_ok());
        assert_eq!(
            parse_geometry(&json!({"type": "Point", "coordinates": [1, 2]})).unwrap_err(),
            "geometry type must be Polygon or MultiPolygon, not Point"
        );
        let open = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]});
        assert_eq!(parse_geometry(&open).unwrap_err(), "ring 0 is not closed: its first and last positions differ");
        let far = json!({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]});
        assert!(parse_geometry(&far).unwrap_err().contains("not a longitude/latitude"));
    }

    #[test]
    fn finds_self_intersections_and_overlaps_but_not_shared_borders() {
        let bowtie = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
        let shapes: Vec<MultiPolygon<f64>> =
            [square(0.0, 0.0, 1.0), square(1.0, 0.0, 1.0), square(1.5, 0.5, 1.0), bowtie]
                .iter()
                .map(|g| parse_geometry(g).unwrap())
                .collect();
        let problems = validate_tiling(&shapes);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!((problems[0].index, problems[0].other), (1, Some(2)));
        assert_eq!((problems[1].index, problems[1].other), (3, None));
        assert!(problems[1].message.contains("invalid polygon"), "{}", problems[1].message);
    }
}
