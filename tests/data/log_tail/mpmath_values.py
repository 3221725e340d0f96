#!/usr/bin/env python3
"""Reference values for src/stats/log_tail.rs (issue 12 part 5), computed with mpmath at 50
digits. Prints Rust constant tables; paste into the tests of src/stats/log_tail.rs.

* CHISQ1: (x, log10 P(chi2_1 > x)) = log10 erfc(sqrt(x/2)).
* GAMMA_Q: (s, y, log10 Q(s, y)), the regularised upper incomplete gamma (the chi-square(2s)
  upper tail at 2y), for the Satterthwaite fallback.
"""
import mpmath as mp

mp.mp.dps = 50

xs = [0.0, 1e-6, 0.5, 1.0, 3.841458820694124, 10.0, 37.0, 100.0, 500.0, 1000.0, 1400.0,
      1416.0, 1417.0, 1500.0, 2000.0, 5000.0, 1e4, 3e4, 1e5]
print("const CHISQ1: &[(f64, f64)] = &[")
for x in xs:
    v = mp.log10(mp.erfc(mp.sqrt(mp.mpf(x) / 2)))
    print(f"    ({x!r}, {mp.nstr(v, 20)}),")
print("];")

cases = [(0.5, 10.0), (1.0, 50.0), (2.5, 100.0), (7.3, 800.0), (12.0, 2000.0), (3.0, 5e4)]
print("const GAMMA_Q: &[(f64, f64, f64)] = &[")
for s, y in cases:
    v = mp.log10(mp.gammainc(mp.mpf(s), a=mp.mpf(y), regularized=True))
    print(f"    ({s!r}, {y!r}, {mp.nstr(v, 20)}),")
print("];")
