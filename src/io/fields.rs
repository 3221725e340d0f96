//! The field splitter of the big text tables (`.esi`, `.bim`, `.ma`): the T1 and T2 rules of
//! data-spec/text.md, found 16 bytes at a time.
//!
//! A byte-by-byte scan spent a third of the time of reading a 9 M-row `.esi` finding its
//! fields, most of it in branches mispredicted at every token boundary. Here a line is
//! classified into a bit mask (bit `i` set when byte `i` belongs to a token), 64 bytes per
//! word, and tokens are the runs of set bits, found with two `trailing_zeros` each. The
//! results are exactly those of [`split_t1`](crate::io::text::split_t1) and
//! [`split_ws`](crate::io::text::split_ws) (a test compares them on generated lines).

/// Bit `i` set when byte `i` of `w` (at most 64 bytes) is a token byte: with `T2`, any byte but
/// ASCII whitespace (space, TAB, LF, VT, FF, CR); without, printable ASCII `0x21..=0x7E` except
/// the comma (T1). Bits at and past `w.len()` are clear.
#[cfg(target_arch = "x86_64")]
#[inline]
fn token_mask<const T2: bool>(w: &[u8]) -> u64 {
    use std::arch::x86_64::*;
    debug_assert!(w.len() <= 64);
    let mut m = 0u64;
    let mut i = 0;
    while i < w.len() {
        let rest = &w[i..];
        // A short tail is padded with spaces, a separator in both rules.
        let mut pad = [b' '; 16];
        let p = if rest.len() >= 16 {
            rest.as_ptr()
        } else {
            pad[..rest.len()].copy_from_slice(rest);
            pad.as_ptr()
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, and `p` points at 16 readable bytes
        // (of `w`, or of `pad`); the load has no alignment requirement.
        let bits = unsafe {
            let v = _mm_loadu_si128(p.cast::<__m128i>());
            let token = if T2 {
                let space = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
                // 0x09..=0x0D; bytes from 0x80 compare as negative, so they are not caught.
                let ctl = _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(0x08)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x0E)),
                );
                _mm_xor_si128(_mm_or_si128(space, ctl), _mm_set1_epi8(-1))
            } else {
                // 0x21..=0x7E as signed bytes (0x80.. are negative, outside), minus the comma.
                let printable = _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(0x20)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F)),
                );
                let comma = _mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8));
                _mm_andnot_si128(comma, printable)
            };
            _mm_movemask_epi8(token) as u32 as u64
        };
        m |= bits << i;
        i += 16;
    }
    m
}

/// Portable form of the x86_64 [`token_mask`].
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn token_mask<const T2: bool>(w: &[u8]) -> u64 {
    debug_assert!(w.len() <= 64);
    let mut m = 0u64;
    for (i, &b) in w.iter().enumerate() {
        let token = if T2 {
            !(b == b' ' || (0x09..=0x0D).contains(&b))
        } else {
            (0x21..=0x7E).contains(&b) && b != b','
        };
        m |= u64::from(token) << i;
    }
    m
}

/// Store the first `N` tokens of `line` in `out` as `(start, end)` byte offsets and return how
/// many tokens there are in all (which may exceed `N`).
#[inline]
fn spans<const T2: bool, const N: usize>(line: &[u8], out: &mut [(usize, usize); N]) -> usize {
    let mut n = 0;
    let mut emit = |s: usize, e: usize| {
        if let Some(slot) = out.get_mut(n) {
            *slot = (s, e);
        }
        n += 1;
    };
    // Start of a token still open at the end of the previous window.
    let mut open: Option<usize> = None;
    let mut base = 0;
    while base < line.len() {
        let w = &line[base..line.len().min(base + 64)];
        let m = token_mask::<T2>(w);
        // `!m` has the separators, and every bit past the end of a short window.
        let seps = if w.len() == 64 {
            !m
        } else {
            !m | (!0u64 << w.len())
        };
        let mut pos = 0u32;
        loop {
            let s = match open {
                Some(s) => s,
                None => {
                    let rest = m >> pos << pos;
                    if rest == 0 {
                        break;
                    }
                    pos = rest.trailing_zeros();
                    base + pos as usize
                }
            };
            let rest = seps >> pos << pos;
            if rest == 0 {
                // The token runs on into the next window (only a full window ends so).
                open = Some(s);
                break;
            }
            pos = rest.trailing_zeros();
            emit(s, base + pos as usize);
            open = None;
        }
        base += 64;
    }
    if let Some(s) = open {
        emit(s, line.len());
    }
    n
}

/// The T1 tokens of `line` (data-spec/text.md "T1"): the first `N` in `out`, and how many
/// there are in all. The same as `collect_fields(split_t1(line), out)`.
#[inline]
pub fn fields_t1<'a, const N: usize>(line: &'a [u8], out: &mut [&'a str; N]) -> usize {
    let mut at = [(0, 0); N];
    let n = spans::<false, N>(line, &mut at);
    for (slot, &(s, e)) in out.iter_mut().zip(&at).take(n) {
        let tok = &line[s..e];
        debug_assert!(tok.is_ascii());
        // SAFETY: every byte of a T1 token is printable ASCII (`token_mask`), so the token is
        // valid UTF-8.
        *slot = unsafe { std::str::from_utf8_unchecked(tok) };
    }
    n
}

/// The T2 tokens of `line` (data-spec/text.md "T2"): the first `N` in `out`, and how many
/// there are in all. The same as `collect_fields(split_ws(line), out)`.
#[inline]
pub fn fields_ws<'a, const N: usize>(line: &'a str, out: &mut [&'a str; N]) -> usize {
    let mut at = [(0, 0); N];
    let n = spans::<true, N>(line.as_bytes(), &mut at);
    for (slot, &(s, e)) in out.iter_mut().zip(&at).take(n) {
        // Tokens start and end at ASCII whitespace or at the ends of the line, never inside a
        // multi-byte character: these are character boundaries.
        *slot = &line[s..e];
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::text::{collect_fields, split_t1, split_ws};

    /// Lines of every shape: tokens at both ends or not, runs of separators, long tokens that
    /// cross the 16- and 64-byte steps, non-ASCII bytes, more tokens than slots.
    fn lines() -> Vec<Vec<u8>> {
        let alphabet: &[u8] = b"a1.,- \t\r\x0b\x0c\x00\x7f\xc3\xa9~!xyz";
        let mut out: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b" ".to_vec(),
            b"rs1".to_vec(),
            b"1\trs1\t0\t100\tA\tG\t0.25".to_vec(),
            b",,a,,b,,".to_vec(),
            "caf\u{e9} na\u{ef}ve  x".as_bytes().to_vec(),
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 200) as usize;
            let run = 1 + (next() % 70) as usize;
            let mut l = Vec::with_capacity(len);
            while l.len() < len {
                let b = alphabet[(next() % alphabet.len() as u64) as usize];
                for _ in 0..(next() as usize % run).max(1) {
                    l.push(b);
                }
            }
            l.truncate(len);
            out.push(l);
        }
        out
    }

    #[test]
    fn t1_fields_are_those_of_split_t1() {
        for l in lines() {
            let (mut want, mut got) = ([""; 5], [""; 5]);
            let n_want = collect_fields(split_t1(&l), &mut want);
            let n_got = fields_t1(&l, &mut got);
            assert_eq!(
                (n_got, got),
                (n_want, want),
                "{:?}",
                String::from_utf8_lossy(&l)
            );
        }
    }

    #[test]
    fn t2_fields_are_those_of_split_ws() {
        for l in lines() {
            let text = String::from_utf8_lossy(&l);
            let (mut want, mut got) = ([""; 7], [""; 7]);
            let n_want = collect_fields(split_ws(&text), &mut want);
            let n_got = fields_ws(&text, &mut got);
            assert_eq!((n_got, got), (n_want, want), "{text:?}");
        }
    }

    #[test]
    fn a_token_across_windows_and_at_the_end() {
        let long = "x".repeat(150);
        let line = format!("  {long} y {long}");
        let mut got = [""; 3];
        assert_eq!(fields_ws(&line, &mut got), 3);
        assert_eq!(got, [long.as_str(), "y", long.as_str()]);
        let mut one = [""; 1];
        assert_eq!(fields_t1(line.as_bytes(), &mut one), 3);
        assert_eq!(one, [long.as_str()]);
    }
}
