//! A static, packed R-tree over boxes (after the design of `flatbush`): items sorted along
//! a Z-order curve, grouped sixteen to a node, every level stored in one flat array. Built
//! once; queries walk it with a small stack and never allocate, which is what a router doing
//! millions of lookups a second needs (a general dynamic R-tree allocates per query).

const NODE: usize = 16;

pub struct PackedRTree {
    /// `[min_x, min_y, max_x, max_y]` of every leaf, then of every node, level by level.
    boxes: Vec<[f64; 4]>,
    /// For a leaf: the item's index. For a node: the position of its first child.
    indices: Vec<u32>,
    /// End position (exclusive) of each level; level 0 is the leaves.
    level_ends: Vec<usize>,
    items: usize,
}

#[inline]
fn meets(q: &[f64; 4], b: &[f64; 4]) -> bool {
    !(q[2] < b[0] || q[3] < b[1] || q[0] > b[2] || q[1] > b[3])
}

fn morton(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = v as u64 & 0xFFFF_FFFF;
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        v = (v | (v << 1)) & 0x5555_5555_5555_5555;
        v
    }
    spread(x) | (spread(y) << 1)
}

impl PackedRTree {
    pub fn new(items: &[[f64; 4]]) -> PackedRTree {
        let n = items.len();
        let mut level_ends = vec![n];
        let (mut count, mut total) = (n, n);
        while count > 1 {
            count = count.div_ceil(NODE);
            total += count;
            level_ends.push(total);
        }
        let mut boxes = Vec::with_capacity(total);
        let mut indices = Vec::with_capacity(total);
        // Order leaves along a Z-order curve of their centres so neighbours share nodes.
        let (mut lo_x, mut lo_y, mut hi_x, mut hi_y) =
            (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for b in items {
            lo_x = lo_x.min(b[0]);
            lo_y = lo_y.min(b[1]);
            hi_x = hi_x.max(b[2]);
            hi_y = hi_y.max(b[3]);
        }
        let (w, h) = ((hi_x - lo_x).max(f64::MIN_POSITIVE), (hi_y - lo_y).max(f64::MIN_POSITIVE));
        let mut order: Vec<(u64, u32)> = items
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let cx = (((b[0] + b[2]) / 2.0 - lo_x) / w * 65535.0) as u32;
                let cy = (((b[1] + b[3]) / 2.0 - lo_y) / h * 65535.0) as u32;
                (morton(cx, cy), i as u32)
            })
            .collect();
        order.sort_unstable();
        for (_, i) in &order {
            boxes.push(items[*i as usize]);
            indices.push(*i);
        }
        let mut pos = 0;
        for &end in &level_ends[..level_ends.len() - 1] {
            while pos < end {
                let first = pos;
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for _ in 0..NODE {
                    if pos >= end {
                        break;
                    }
                    let c = boxes[pos];
                    b = [b[0].min(c[0]), b[1].min(c[1]), b[2].max(c[2]), b[3].max(c[3])];
                    pos += 1;
                }
                boxes.push(b);
                indices.push(first as u32);
            }
        }
        PackedRTree { boxes, indices, level_ends, items: n }
    }

    /// Call `f` with every item whose box meets the query box.
    #[inline]
    pub fn search(&self, q: [f64; 4], mut f: impl FnMut(usize)) {
        self.search_until(q, |i| {
            f(i);
            false
        });
    }

    /// Like [`search`](Self::search), stopping as soon as `f` returns true.
    #[inline]
    pub fn search_until(&self, q: [f64; 4], mut f: impl FnMut(usize) -> bool) {
        let Some(root) = self.boxes.len().checked_sub(1) else { return };
        if !meets(&q, &self.boxes[root]) {
            return;
        }
        let top = self.level_ends.len() - 1;
        if top == 0 {
            f(self.indices[root] as usize);
            return;
        }
        // Depth-first by recursion: the depth is the number of levels (5 for 10,000 grids),
        // and nothing is allocated or cleared per query.
        self.visit(root, top, &q, &mut f);
    }

    /// Visit the children of `node` (at `level` ≥ 1); true once `f` asked to stop.
    fn visit(&self, node: usize, level: usize, q: &[f64; 4], f: &mut impl FnMut(usize) -> bool) -> bool {
        let first = self.indices[node] as usize;
        for pos in first..(first + NODE).min(self.level_ends[level - 1]) {
            if !meets(q, &self.boxes[pos]) {
                continue;
            }
            let stop = if level == 1 { f(self.indices[pos] as usize) } else { self.visit(pos, level - 1, q, f) };
            if stop {
                return true;
            }
        }
        false
    }

    /// Boxes of the items, by item index (for nearest-item scans).
    pub fn len(&self) -> usize {
        self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn finds_exactly_what_a_linear_scan_finds(
            boxes in prop::collection::vec((0.0f64..100.0, 0.0f64..100.0, 0.0f64..10.0, 0.0f64..10.0), 0..400),
            q in (0.0f64..110.0, 0.0f64..110.0, 0.0f64..20.0, 0.0f64..20.0),
        ) {
            let items: Vec<[f64; 4]> = boxes.iter().map(|(x, y, w, h)| [*x, *y, x + w, y + h]).collect();
            let tree = PackedRTree::new(&items);
            let query = [q.0, q.1, q.0 + q.2, q.1 + q.3];
            let mut got = vec![];
            tree.search(query, |i| got.push(i));
            got.sort();
            let want: Vec<usize> = items.iter().enumerate()
                .filter(|(_, b)| !(query[2] < b[0] || query[3] < b[1] || query[0] > b[2] || query[1] > b[3]))
                .map(|(i, _)| i).collect();
            prop_assert_eq!(got, want);
        }
    }
}
