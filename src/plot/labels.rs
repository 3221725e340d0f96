//! Greedy placement of text labels without overlap (Manhattan top genes, locus gene names).

/// A pixel rectangle, `x0 ≤ x1`, `y0 ≤ y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// Left.
    pub x0: i32,
    /// Top.
    pub y0: i32,
    /// Right.
    pub x1: i32,
    /// Bottom.
    pub y1: i32,
}

impl Rect {
    /// Whether two rectangles overlap (touching edges do not), with `pad` pixels of margin.
    pub fn overlaps(&self, o: &Rect, pad: i32) -> bool {
        self.x0 - pad < o.x1 && o.x0 - pad < self.x1 && self.y0 - pad < o.y1 && o.y0 - pad < self.y1
    }

    /// Whether `self` lies inside `o`.
    pub fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

/// Places labels one by one in free space.
#[derive(Debug, Clone)]
pub struct Placer {
    /// Rectangles taken so far.
    pub placed: Vec<Rect>,
    /// Area labels must stay in.
    pub bounds: Rect,
}

impl Placer {
    /// A placer over `bounds`.
    pub fn new(bounds: Rect) -> Self {
        Placer {
            placed: Vec::new(),
            bounds,
        }
    }

    /// Find a free spot for a `w × h` label near `anchor` (a point, in pixels): above it, then
    /// above-right, above-left, then higher up. Returns the label's rectangle and whether it was
    /// moved away from its first spot (the caller then draws a leader line), or None.
    pub fn place(&mut self, anchor: (i32, i32), w: i32, h: i32) -> Option<(Rect, bool)> {
        let (ax, ay) = anchor;
        let mut candidates = Vec::new();
        for step in 0..6 {
            let dy = -h - 4 - step * (h + 3);
            candidates.push((ax - w / 2, ay + dy));
            candidates.push((ax + 4, ay + dy));
            candidates.push((ax - w - 4, ay + dy));
        }
        // Beside the point, for points near the top.
        candidates.push((ax + 6, ay - h / 2));
        candidates.push((ax - w - 6, ay - h / 2));
        for (k, (x, y)) in candidates.into_iter().enumerate() {
            let r = Rect {
                x0: x,
                y0: y,
                x1: x + w,
                y1: y + h,
            };
            if r.inside(&self.bounds) && !self.placed.iter().any(|p| p.overlaps(&r, 2)) {
                self.placed.push(r);
                return Some((r, k >= 3));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_overlap() {
        let mut p = Placer::new(Rect {
            x0: 0,
            y0: 0,
            x1: 400,
            y1: 300,
        });
        let mut got = Vec::new();
        for i in 0..30 {
            if let Some((r, _)) = p.place((200 + (i % 3), 150), 60, 12) {
                got.push(r);
            }
        }
        assert!(got.len() > 5);
        for (i, a) in got.iter().enumerate() {
            assert!(a.inside(&p.bounds));
            for b in &got[i + 1..] {
                assert!(!a.overlaps(b, 0), "{a:?} {b:?}");
            }
        }
    }
}
