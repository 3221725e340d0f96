//! The selection rules of `fastsmr genes` (data-spec/genes-output.md §2): multiple-testing
//! correction of p_SMR over the probes (or genes) actually tested, then the HEIDI cut-off.
//! An untested HEIDI (`NA`) is its own status, never a silent pass.

/// How p_SMR is corrected for multiple testing.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "method", content = "p", rename_all = "lowercase")]
pub enum Correction {
    /// Bonferroni: significant iff `p ≤ α / m`, m = number tested; adjusted p = min(1, m·p).
    Bonferroni,
    /// Benjamini–Hochberg step-up at level α; adjusted p = BH q-value.
    Fdr,
    /// A fixed p-value threshold (no adjustment; the adjusted column repeats p).
    Fixed(f64),
}

impl std::str::FromStr for Correction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bonferroni" => Ok(Correction::Bonferroni),
            "fdr" | "bh" => Ok(Correction::Fdr),
            _ => match s.parse::<f64>() {
                Ok(p) if p > 0.0 && p <= 1.0 => Ok(Correction::Fixed(p)),
                _ => Err(format!(
                    "--p-smr: expected bonferroni, fdr or a p-value in (0, 1], found `{s}`"
                )),
            },
        }
    }
}

impl std::fmt::Display for Correction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Correction::Bonferroni => write!(f, "bonferroni"),
            Correction::Fdr => write!(f, "fdr"),
            Correction::Fixed(p) => write!(f, "{p}"),
        }
    }
}

/// The outcome for one (trait, probe) or (trait, gene).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Significant after correction and HEIDI does not reject (p_HEIDI ≥ the cut-off).
    Prioritised,
    /// Significant, but HEIDI rejects a single shared variant (p_HEIDI below the cut-off).
    HeidiRejected,
    /// Significant, but p_HEIDI is NA (HEIDI not run or too few SNPs): not passed silently.
    HeidiUntested,
    /// Not significant after correction.
    NotSignificant,
    /// p_SMR is NA: the row was not tested and is not counted in the denominator.
    NotTested,
}

impl Status {
    /// Every status, in the order of the summary.
    pub const ALL: [Status; 5] = [
        Status::Prioritised,
        Status::HeidiRejected,
        Status::HeidiUntested,
        Status::NotSignificant,
        Status::NotTested,
    ];

    /// The word written in the tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Prioritised => "prioritised",
            Status::HeidiRejected => "heidi_rejected",
            Status::HeidiUntested => "heidi_untested",
            Status::NotSignificant => "not_significant",
            Status::NotTested => "not_tested",
        }
    }
}

/// The HEIDI cut-off.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct HeidiRule {
    /// The cut-off.
    pub p: f64,
    /// `true`: pass only when `p_HEIDI > p` (protocols written with `>`); `false`: `≥`.
    pub strict: bool,
}

impl HeidiRule {
    /// Whether a computed p_HEIDI passes.
    pub fn passes(&self, p_heidi: f64) -> bool {
        if self.strict {
            p_heidi > self.p
        } else {
            p_heidi >= self.p
        }
    }
}

/// Result of correcting one table's p-values.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjusted {
    /// Adjusted p per input (None where the input p was None).
    pub p_adj: Vec<Option<f64>>,
    /// Significant per input.
    pub significant: Vec<bool>,
    /// Number of tested p-values (the denominator m).
    pub denominator: usize,
    /// The p_SMR threshold in effect: α/m (Bonferroni), the largest p passing BH (FDR; None
    /// when nothing passes), or the fixed value.
    pub threshold: Option<f64>,
}

/// Correct the p-values `p` (None = not tested) at level `alpha`.
pub fn adjust(p: &[Option<f64>], correction: Correction, alpha: f64) -> Adjusted {
    let m = p.iter().filter(|x| x.is_some()).count();
    let mut p_adj = vec![None; p.len()];
    let mut significant = vec![false; p.len()];
    let threshold;
    match correction {
        Correction::Bonferroni => {
            let t = alpha / m.max(1) as f64;
            // Nothing tested: no threshold to report.
            threshold = (m > 0).then_some(t);
            for (i, v) in p.iter().enumerate() {
                if let Some(v) = *v {
                    p_adj[i] = Some((v * m as f64).min(1.0));
                    significant[i] = v <= t;
                }
            }
        }
        Correction::Fixed(t) => {
            threshold = Some(t);
            for (i, v) in p.iter().enumerate() {
                if let Some(v) = *v {
                    p_adj[i] = Some(v);
                    significant[i] = v <= t;
                }
            }
        }
        Correction::Fdr => {
            // Ranks by ascending p (ties in input order; the step-up and the running minimum
            // give tied p-values one q-value whatever their order).
            let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
            order.sort_by(|&a, &b| p[a].unwrap().total_cmp(&p[b].unwrap()).then(a.cmp(&b)));
            let mf = m as f64;
            // Step-up: the largest k with p_(k) ≤ k α / m.
            let mut cut: Option<f64> = None;
            for (k, &i) in order.iter().enumerate().rev() {
                let v = p[i].unwrap();
                if v <= (k + 1) as f64 * alpha / mf {
                    cut = Some(v);
                    break;
                }
            }
            threshold = cut;
            let mut running = 1.0f64;
            for (k, &i) in order.iter().enumerate().rev() {
                let v = p[i].unwrap();
                running = running.min(v * mf / (k + 1) as f64);
                p_adj[i] = Some(running);
                significant[i] = cut.is_some_and(|c| v <= c);
            }
        }
    }
    Adjusted {
        p_adj,
        significant,
        denominator: m,
        threshold,
    }
}

/// The status of one row from its significance and p_HEIDI.
pub fn status(
    p_smr: Option<f64>,
    significant: bool,
    p_heidi: Option<f64>,
    rule: HeidiRule,
) -> Status {
    if p_smr.is_none() {
        return Status::NotTested;
    }
    if !significant {
        return Status::NotSignificant;
    }
    match p_heidi {
        None => Status::HeidiUntested,
        Some(h) if rule.passes(h) => Status::Prioritised,
        Some(_) => Status::HeidiRejected,
    }
}

/// Group rows by key and pick each group's best row: the smallest p (None last), ties to the
/// first row in input order. Returns `(best row index, group size)` in order of first
/// appearance of each key.
pub fn collapse<K: AsRef<str>>(keys: &[K], p: &[Option<f64>]) -> Vec<(usize, usize)> {
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        match index.get(k.as_ref()) {
            Some(&g) => {
                let (best, n) = groups[g];
                let better = match (p[i], p[best]) {
                    (Some(a), Some(b)) => a < b,
                    (Some(_), None) => true,
                    _ => false,
                };
                groups[g] = (if better { i } else { best }, n + 1);
            }
            None => {
                index.insert(k.as_ref(), groups.len());
                groups.push((i, 1));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bonferroni_counts_only_tested_probes() {
        // 4 tested, 1 NA: threshold 0.05 / 4 = 0.0125.
        let p = [Some(0.01), Some(0.0125), Some(0.013), None, Some(0.5)];
        let a = adjust(&p, Correction::Bonferroni, 0.05);
        assert_eq!(a.denominator, 4);
        assert_eq!(a.threshold, Some(0.0125));
        assert_eq!(a.significant, [true, true, false, false, false]);
        assert_eq!(a.p_adj[0], Some(0.04));
        assert_eq!(a.p_adj[3], None);
        assert_eq!(a.p_adj[4], Some(1.0));
    }

    #[test]
    fn bh_step_up_with_ties() {
        // Hand calculation, m = 6, α = 0.05: sorted p 0.001 0.008 0.02 0.02 0.04 0.3;
        // k·α/m = 0.00833 0.01667 0.025 0.03333 0.04167 0.05. Largest k with p_(k) ≤ kα/m:
        // k = 5 (0.04 ≤ 0.04167), so the five smallest pass. q: 0.3·6/6 = 0.3; 0.04·6/5 = 0.048; 0.02·6/4 = 0.03 (and its tie
        // the same, min(0.03, 0.02·6/3 = 0.04) = 0.03); 0.008·6/2 = 0.024; 0.001·6 = 0.006.
        let p = [
            Some(0.02),
            Some(0.3),
            Some(0.001),
            Some(0.04),
            Some(0.02),
            Some(0.008),
        ];
        let a = adjust(&p, Correction::Fdr, 0.05);
        assert_eq!(a.significant, [true, false, true, true, true, true]);
        assert_eq!(a.threshold, Some(0.04));
        let q: Vec<f64> = a.p_adj.iter().map(|x| x.unwrap()).collect();
        let want = [0.03, 0.3, 0.006, 0.048, 0.03, 0.024];
        for (g, w) in q.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn bh_step_up_passes_a_p_above_its_own_line() {
        // p_(1) = 0.02 > 1·0.05/3 but p_(2) = 0.03 ≤ 2·0.05/3: step-up passes both.
        let p = [Some(0.03), Some(0.02), Some(0.9)];
        let a = adjust(&p, Correction::Fdr, 0.05);
        assert_eq!(a.significant, [true, true, false]);
        // Nothing passes: no threshold.
        let a = adjust(&[Some(0.5), Some(0.9)], Correction::Fdr, 0.05);
        assert_eq!(a.threshold, None);
        assert_eq!(a.significant, [false, false]);
    }

    #[test]
    fn na_heidi_is_untested_never_passed() {
        let rule = HeidiRule {
            p: 0.01,
            strict: false,
        };
        assert_eq!(status(Some(1e-9), true, None, rule), Status::HeidiUntested);
        assert_eq!(
            status(Some(1e-9), true, Some(0.01), rule),
            Status::Prioritised
        );
        assert_eq!(
            status(Some(1e-9), true, Some(0.0099), rule),
            Status::HeidiRejected
        );
        assert_eq!(status(Some(0.2), false, None, rule), Status::NotSignificant);
        assert_eq!(status(None, false, Some(0.5), rule), Status::NotTested);
        let strict = HeidiRule {
            p: 0.01,
            strict: true,
        };
        assert_eq!(
            status(Some(1e-9), true, Some(0.01), strict),
            Status::HeidiRejected
        );
    }

    #[test]
    fn collapse_keeps_the_best_probe_per_gene() {
        let keys = ["A", "B", "A", "A", "B", "C"];
        let p = [Some(0.1), None, Some(0.01), Some(0.01), Some(0.5), None];
        // A: rows 0, 2, 3 -> row 2 (tie with 3 goes to the first); B: row 4 beats NA; C: NA.
        assert_eq!(collapse(&keys, &p), [(2, 3), (4, 2), (5, 1)]);
    }
}
