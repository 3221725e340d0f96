//! C `printf` number formats as glibc prints them (data-spec/smr-output.md §numbers).

/// `%.6g` of `x`, exactly as glibc prints it (nan, -nan, inf included).
pub fn fmt_g6(x: f64) -> String {
    let _ = x;
    todo!()
}

/// `%.6e` of `x`, exactly as glibc prints it.
pub fn fmt_e6(x: f64) -> String {
    let _ = x;
    todo!()
}
