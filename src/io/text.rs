//! Tokenising and number parsing shared by the text readers (data-spec/text.md).
//!
//! Two tokenisers (data-spec/text.md "Tokenisers"):
//! * **T1** ([`split_t1`]), for `.esi` and `.ma`: a token is a run of printable ASCII bytes
//!   `0x21..=0x7E` other than `,`; every other byte (space, TAB, CR, control, non-ASCII, comma)
//!   separates, and runs of separators collapse. CRLF and comma-separated files therefore work.
//! * **T2** ([`split_ws`]), for `.epi`, `.bim`, `.fam` and ID lists: ASCII whitespace
//!   (space, TAB, LF, CR, VT, FF) separates.
//!
//! Numbers are parsed **strictly** (a deliberate difference from the reference's `atof`/`atoi`):
//! the whole token must be a number, or an NA token where the column allows one.

use crate::error::{Error, Result};
use crate::types::Chrom;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Chromosome code of the pseudo-autosomal region `XY` (data-spec/text.md "Chromosome codes").
pub const CHROM_XY: Chrom = 25;
/// Chromosome code of the mitochondrion `MT` / `M` (data-spec/text.md "Chromosome codes").
pub const CHROM_MT: Chrom = 26;

/// Reads a text source line by line as bytes, counting lines (1-based) and stripping the line
/// terminator (`\n`, and a `\r` before it). I/O and decompression errors become [`Error::Read`].
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    path: PathBuf,
}

impl<R: BufRead> LineReader<R> {
    /// Wrap `reader`; `path` names the source in errors.
    pub fn new(reader: R, path: &Path) -> Self {
        LineReader {
            reader,
            buf: Vec::with_capacity(256),
            line: 0,
            path: path.to_path_buf(),
        }
    }

    /// The next line without its terminator, with its 1-based number; `None` at end of input.
    /// A line longer than [`MAX_LINE`] bytes is an error (the bytes held never exceed the cap
    /// by more than one read buffer).
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        let line = self.line + 1;
        if !read_line_capped(&mut self.reader, &mut self.buf, &self.path, line)? {
            return Ok(None);
        }
        self.line = line;
        Ok(Some((self.line, &self.buf)))
    }

    /// Number the lines as if `n` lines had been read before the first one (e.g. a header
    /// read by other means).
    pub fn starting_after(mut self, n: u64) -> Self {
        self.line = n;
        self
    }

    /// The source's name as given to [`LineReader::new`].
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The longest line (without its terminator) any text reader accepts: no format fastsmr
/// reads has lines near this long, so a longer one is a wrong or corrupt file (e.g. a binary
/// file, or a gzip that inflates to one endless line), reported with its line number instead
/// of being held in memory whole (data-spec/text.md "Line length").
pub const MAX_LINE: usize = 1 << 20;

/// The error for line `line` of `path` being longer than [`MAX_LINE`].
pub fn line_too_long(path: &Path, line: u64) -> Error {
    Error::parse(
        path,
        line,
        format!(
            "the line is longer than {MAX_LINE} bytes (the limit for one line of text); \
             is this the right file (not binary, not missing its line ends)?"
        ),
    )
}

/// Read one line of `reader` into `buf` (cleared first), without its terminator (`\n`, and a
/// `\r` before it); `false` at end of input. `line` is its number, for the error when it is
/// longer than [`MAX_LINE`] bytes: the read stops there, so memory stays bounded.
pub fn read_line_capped<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    path: &Path,
    line: u64,
) -> Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let avail = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::read(path, e)),
        };
        if avail.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        buf.extend_from_slice(&avail[..take]);
        reader.consume(take);
        if done {
            break;
        }
        // Room for the terminator "\r\n" beyond the cap.
        if buf.len() > MAX_LINE + 2 {
            return Err(line_too_long(path, line));
        }
    }
    if !any {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    if buf.len() > MAX_LINE {
        return Err(line_too_long(path, line));
    }
    Ok(true)
}

/// Size of one block of [`parse_chunks_par`].
const BLOCK: usize = 32 << 20;

/// Target size of one chunk of [`parse_chunks_par`].
const CHUNK: usize = 1 << 20;

/// Parse `data[start..]` straight into per-chunk accumulators (e.g. column tables), block by
/// block (~32 MB; a mapped block's pages are released when done, so the whole file is never
/// resident): each block is cut into ~1 MB chunks at line ends, every chunk gets a fresh
/// accumulator from `new` and has `parse(acc, line_no, line)` called on each of its lines in
/// order (empty lines included; the line semantics of [`LineReader`]), chunks in parallel;
/// `sink` receives each block's accumulators in file order while the next block is parsed
/// (data-spec/memory.md §2). `first_line` is the number of the line at `start`. On error, the
/// error of the first failing line in file order.
pub fn parse_chunks_par<C, N, P>(
    data: &crate::io::source::Bytes,
    start: usize,
    first_line: u64,
    new: N,
    parse: P,
    sink: impl FnMut(Vec<C>) -> Result<()> + Send,
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    parse_chunks_sized(
        data, None, start, first_line, BLOCK, CHUNK, new, parse, sink,
    )
}

/// [`parse_chunks_par`] that also stops at a line longer than [`MAX_LINE`] bytes with an
/// error naming `path` and the line (the readers of this module use it; `parse_chunks_par`
/// leaves over-long lines to `parse`).
pub fn parse_chunks_par_named<C, N, P>(
    data: &crate::io::source::Bytes,
    path: &Path,
    start: usize,
    first_line: u64,
    new: N,
    parse: P,
    sink: impl FnMut(Vec<C>) -> Result<()> + Send,
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    parse_chunks_sized(
        data,
        Some(path),
        start,
        first_line,
        BLOCK,
        CHUNK,
        new,
        parse,
        sink,
    )
}

/// [`parse_chunks_par`] with explicit block and chunk sizes (tests use tiny ones).
#[allow(clippy::too_many_arguments)]
fn parse_chunks_sized<C, N, P>(
    data: &crate::io::source::Bytes,
    path: Option<&Path>,
    start: usize,
    first_line: u64,
    block: usize,
    chunk: usize,
    new: N,
    parse: P,
    sink: impl FnMut(Vec<C>) -> Result<()> + Send,
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    let mut lo = start;
    // A block: its offset in `data` and its text.
    let next = move || -> Result<Option<(usize, &[u8])>> {
        if lo >= data.len() {
            return Ok(None);
        }
        let hi = cut_after_newline(data, lo, block, data.len());
        let b = (lo, &data[lo..hi]);
        lo = hi;
        Ok(Some(b))
    };
    drive_blocks(
        path,
        first_line,
        chunk,
        &new,
        &parse,
        sink,
        next,
        |b: &(usize, &[u8])| b.1,
        // A parsed block's pages leave the resident set.
        |(lo, text)| data.release(lo, text.len()),
    )
}

/// [`parse_chunks_par`] on a stream (a gzipped file): blocks of ~32 MB are read, cut after
/// their last newline (the rest starts the next block), and block `k + 1` is read (and block
/// `k - 1` handed to `sink`) while block `k` is parsed. Only a block or two of text is held,
/// never the whole decompressed file. `path` names the input in read errors.
pub fn parse_chunks_read<C, N, P>(
    reader: &mut (dyn std::io::Read + Send),
    path: &Path,
    first_line: u64,
    new: N,
    parse: P,
    sink: impl FnMut(Vec<C>) -> Result<()> + Send,
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    parse_chunks_read_sized(reader, path, first_line, BLOCK, CHUNK, new, parse, sink)
}

/// [`parse_chunks_read`] with explicit block and chunk sizes (tests use tiny ones).
#[allow(clippy::too_many_arguments)]
fn parse_chunks_read_sized<C, N, P>(
    reader: &mut (dyn std::io::Read + Send),
    path: &Path,
    first_line: u64,
    block: usize,
    chunk: usize,
    new: N,
    parse: P,
    sink: impl FnMut(Vec<C>) -> Result<()> + Send,
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    let (mut carry, mut eof) = (Vec::new(), false);
    // Lines longer than MAX_LINE are reported by `parse_block` with their number.
    let next = move || -> Result<Option<Vec<u8>>> {
        if eof {
            return Ok(None);
        }
        let b = read_block(reader, std::mem::take(&mut carry), block, path)?;
        (carry, eof) = (b.rest, b.eof);
        Ok((!b.text.is_empty()).then_some(b.text))
    };
    drive_blocks(
        Some(path),
        first_line,
        chunk,
        &new,
        &parse,
        sink,
        next,
        |b: &Vec<u8>| &b[..],
        drop,
    )
}

/// The loop shared by [`parse_chunks_par`] and [`parse_chunks_read`]: while block `k` is parsed
/// (its chunks in parallel), block `k - 1`'s accumulators go to `sink` and block `k + 1` is
/// fetched by `next`; `done` gets each block once parsed. Errors in file order: the earlier
/// block's sink, this block's parse, then fetching the next block.
#[allow(clippy::too_many_arguments)]
fn drive_blocks<C, N, P, B>(
    path: Option<&Path>,
    first_line: u64,
    chunk: usize,
    new: &N,
    parse: &P,
    mut sink: impl FnMut(Vec<C>) -> Result<()> + Send,
    mut next: impl FnMut() -> Result<Option<B>> + Send,
    text: impl for<'b> Fn(&'b B) -> &'b [u8] + Sync,
    mut done: impl FnMut(B),
) -> Result<()>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
    B: Send + Sync,
{
    let mut cur = next()?;
    let mut line = first_line;
    let mut pending: Option<Vec<C>> = None;
    while let Some(b) = cur {
        let (parsed, (sunk, fetched)) = rayon::join(
            || parse_block(text(&b), path, line, chunk, new, parse),
            || (pending.take().map_or(Ok(()), &mut sink), next()),
        );
        sunk?;
        let (accs, n) = parsed?;
        line += n;
        done(b);
        pending = Some(accs);
        cur = fetched?;
    }
    match pending {
        Some(accs) => sink(accs),
        None => Ok(()),
    }
}

/// A block of streamed text: whole lines, the bytes read past its last newline, and whether
/// the stream has ended.
#[derive(Default)]
struct StreamBlock {
    text: Vec<u8>,
    rest: Vec<u8>,
    eof: bool,
}

/// Read `carry` plus at least `block` more bytes (or to the end), cut after the last newline.
/// Each byte is searched for a newline once (only the bytes just read are searched: `carry`
/// holds none). A line that grows past [`MAX_LINE`] without a newline ends the stream there:
/// the block then holds the over-long line, which [`parse_block`] reports with its number.
fn read_block(
    reader: &mut (dyn std::io::Read + Send),
    carry: Vec<u8>,
    block: usize,
    path: &Path,
) -> Result<StreamBlock> {
    use std::io::Read;
    let mut text = carry;
    loop {
        let want = block.max(1) as u64;
        let before = text.len();
        let got = reader
            .take(want)
            .read_to_end(&mut text)
            .map_err(|e| Error::read(path, e))?;
        if got == 0 {
            return Ok(StreamBlock {
                text,
                rest: Vec::new(),
                eof: true,
            });
        }
        if let Some(i) = memchr::memrchr(b'\n', &text[before..]) {
            let rest = text.split_off(before + i + 1);
            return Ok(StreamBlock {
                text,
                rest,
                eof: false,
            });
        }
        // No newline yet: `text` is one unfinished line.
        if text.len() > MAX_LINE + 2 {
            return Ok(StreamBlock {
                text,
                rest: Vec::new(),
                eof: true,
            });
        }
    }
}

/// Cut `data[lo..hi_max]` after the first newline at or beyond `lo + size`.
fn cut_after_newline(data: &[u8], lo: usize, size: usize, hi_max: usize) -> usize {
    let want = (lo + size.max(1)).min(hi_max);
    match memchr::memchr(b'\n', &data[want..hi_max]) {
        Some(i) => want + i + 1,
        None => hi_max,
    }
}

/// Parse one block of whole lines (its first line numbered `first_line`) in ~`chunk`-byte
/// chunks in parallel; returns the chunks' accumulators in order and the block's line count.
fn parse_block<C, N, P>(
    data: &[u8],
    path: Option<&Path>,
    first_line: u64,
    chunk: usize,
    new: &N,
    parse: &P,
) -> Result<(Vec<C>, u64)>
where
    C: Send,
    N: Fn() -> C + Sync,
    P: Fn(&mut C, u64, &[u8]) -> Result<()> + Sync,
{
    use rayon::prelude::*;
    let mut bounds = vec![0];
    while let Some(&b) = bounds.last() {
        if b >= data.len() {
            break;
        }
        bounds.push(cut_after_newline(data, b, chunk, data.len()));
    }
    // Lines per chunk: its newlines, plus an unterminated last line.
    let counts: Vec<u64> = bounds
        .par_windows(2)
        .map(|w| {
            let c = &data[w[0]..w[1]];
            memchr::memchr_iter(b'\n', c).count() as u64 + u64::from(c.last() != Some(&b'\n'))
        })
        .collect();
    let mut firsts = Vec::with_capacity(counts.len());
    let mut l = first_line;
    for &c in &counts {
        firsts.push(l);
        l += c;
    }
    let accs = bounds
        .par_windows(2)
        .zip(firsts.par_iter())
        .map(|(w, &first)| {
            let mut acc = new();
            let mut rest = &data[w[0]..w[1]];
            let mut no = first;
            while !rest.is_empty() {
                let (l, next) = match memchr::memchr(b'\n', rest) {
                    Some(i) => (&rest[..i], &rest[i + 1..]),
                    None => (rest, &rest[rest.len()..]),
                };
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                if let Some(path) = path.filter(|_| l.len() > MAX_LINE) {
                    return Err(line_too_long(path, no));
                }
                parse(&mut acc, no, l)?;
                no += 1;
                rest = next;
            }
            Ok(acc)
        })
        .collect::<Vec<Result<C>>>()
        // In file order, so the first error is that of the first failing line (a parallel
        // collect into `Result` would keep whichever error came first in time).
        .into_iter()
        .collect::<Result<Vec<C>>>()?;
    Ok((accs, l - first_line))
}

/// Line numbers of table rows, stored as the runs of consecutive lines (a new run starts only
/// after a skipped line), so that a table of millions of rows keeps its line numbers for
/// error messages in a few bytes.
#[derive(Debug, Clone, Default)]
pub struct RowLines {
    /// `(first row, its line)` of each run, rows increasing.
    runs: Vec<(usize, u64)>,
    n: usize,
}

impl RowLines {
    /// Append the line numbers of the next rows.
    pub fn extend(&mut self, lines: &[u64]) {
        for &l in lines {
            match self.runs.last() {
                Some(&(r, l0)) if l0 + (self.n - r) as u64 == l => {}
                _ => self.runs.push((self.n, l)),
            }
            self.n += 1;
        }
    }

    /// Append the line number of one more row.
    pub fn push(&mut self, l: u64) {
        self.extend(&[l]);
    }

    /// Append the rows of `other` after these.
    pub fn append(&mut self, other: &RowLines) {
        for (k, &(r, l)) in other.runs.iter().enumerate() {
            let end = other.runs.get(k + 1).map_or(other.n, |&(r2, _)| r2);
            let first_row = self.n;
            match self.runs.last() {
                Some(&(r0, l0)) if l0 + (self.n - r0) as u64 == l => {}
                _ => self.runs.push((first_row, l)),
            }
            self.n += end - r;
        }
    }

    /// Line of row `i` (`i` below the number of rows appended).
    pub fn line(&self, i: usize) -> u64 {
        let k = self.runs.partition_point(|&(r, _)| r <= i);
        let (r, l) = self.runs[k.saturating_sub(1)];
        l + (i - r) as u64
    }
}

/// Rename later duplicates among the IDs `id(i)` of rows `0..n`, in row order: the renamed ID
/// is `rename(original, row)`, and renamed IDs count as seen too (exactly the sequential
/// insert-into-a-set rule of the readers). Returns `(row, original ID, new ID)` per rename.
pub fn find_duplicates<'a>(
    n: usize,
    id: impl Fn(usize) -> &'a str + Sync,
    rename: impl Fn(&str, usize) -> String,
) -> Vec<(usize, String, String)> {
    // Nothing is renamed unless some ID occurs twice; that is settled in parallel first (the
    // usual case), and only then the sequential rule below runs.
    if all_distinct(n, &id) {
        return Vec::new();
    }
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    seen.reserve(n);
    let mut renamed: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    let mut out = Vec::new();
    for i in 0..n {
        let s = id(i);
        if renamed.contains(s) || !seen.insert(s) {
            let new = rename(s, i);
            renamed.insert(new.clone());
            out.push((i, s.to_string(), new));
        }
    }
    out
}

/// True when every `id(i)`, `i < n`, is distinct: the 64-bit hashes are computed in
/// parallel, partitioned by their top bits into buckets small enough to sort in cache, and
/// each bucket sorted on its own; any two equal hashes (a repeated ID, or very rarely a
/// collision) answer `false`. (One sort of the whole array was a seventh of the time of
/// reading a 9 M-row `.esi` or `.bim`.)
fn all_distinct<'a>(n: usize, id: &(impl Fn(usize) -> &'a str + Sync)) -> bool {
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    const BITS: u32 = 8;
    let h: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| rustc_hash::FxBuildHasher.hash_one(id(i)))
        .collect();
    let bucket = |v: u64| (v >> (64 - BITS)) as usize;
    let mut starts = vec![0usize; (1 << BITS) + 1];
    for &v in &h {
        starts[bucket(v) + 1] += 1;
    }
    for b in 0..1 << BITS {
        starts[b + 1] += starts[b];
    }
    let mut fill = starts.clone();
    let mut parted = vec![0u64; n];
    for &v in &h {
        let b = bucket(v);
        parted[fill[b]] = v;
        fill[b] += 1;
    }
    drop(h);
    let mut slices: Vec<&mut [u64]> = Vec::with_capacity(1 << BITS);
    let mut rest = parted.as_mut_slice();
    for b in 0..1 << BITS {
        let (mine, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
        slices.push(mine);
        rest = tail;
    }
    slices.into_par_iter().all(|s| distinct_hashes(s))
}

/// True when the hashes of one [`all_distinct`] bucket are distinct: each is inserted into an
/// open-addressing table (linear probing, at most half full), faster than sorting them.
fn distinct_hashes(s: &[u64]) -> bool {
    let size = (2 * s.len()).next_power_of_two().max(16);
    let mask = size - 1;
    // Slots from a multiply-shift of the hash (its top bits are the bucket's).
    let shift = 64 - size.trailing_zeros();
    let slot = |v: u64| (v.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize;
    // 0 marks an empty slot; a hash that is 0 is tracked on its own.
    let mut table = vec![0u64; size];
    let mut zero = false;
    for &v in s {
        if v == 0 {
            if zero {
                return false;
            }
            zero = true;
            continue;
        }
        let mut k = slot(v);
        loop {
            match table[k] {
                0 => {
                    table[k] = v;
                    break;
                }
                t if t == v => return false,
                _ => k = (k + 1) & mask,
            }
        }
    }
    true
}

/// True for a T1 token byte: printable ASCII `0x21..=0x7E` except the comma.
#[inline]
fn is_t1_token_byte(b: u8) -> bool {
    (0x21..=0x7E).contains(&b) && b != b','
}

/// Split a line with the T1 rule (data-spec/text.md "T1"). Tokens are ASCII by construction.
pub fn split_t1(line: &[u8]) -> impl Iterator<Item = &str> {
    T1Tokens { rest: line }
}

/// The tokens of [`split_t1`]: a scan for the next token byte, then for the next separator.
struct T1Tokens<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for T1Tokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let r = self.rest;
        let Some(start) = r.iter().position(|&b| is_t1_token_byte(b)) else {
            self.rest = &[];
            return None;
        };
        let r = &r[start..];
        let len = r
            .iter()
            .position(|&b| !is_t1_token_byte(b))
            .unwrap_or(r.len());
        self.rest = &r[len..];
        let tok = &r[..len];
        debug_assert!(tok.is_ascii());
        // SAFETY: every byte of `tok` passed `is_t1_token_byte` (0x21..=0x7E), so the token is
        // ASCII and therefore valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(tok) })
    }
}

/// Split a line on ASCII whitespace (space, TAB, LF, CR, VT, FF) (data-spec/text.md "T2").
pub fn split_ws(line: &str) -> impl Iterator<Item = &str> {
    line.split([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .filter(|t| !t.is_empty())
}

/// Store the first `N` tokens of `tokens` in `out` and return how many tokens there are in
/// all (which may exceed `N`). Avoids allocating a vector per line.
pub fn collect_fields<'a, const N: usize>(
    tokens: impl Iterator<Item = &'a str>,
    out: &mut [&'a str; N],
) -> usize {
    let mut n = 0;
    for t in tokens {
        if let Some(slot) = out.get_mut(n) {
            *slot = t;
        }
        n += 1;
    }
    n
}

/// Decode a line as UTF-8, replacing invalid sequences (for T2 files, whose IDs are kept
/// verbatim).
pub fn line_str(line: &[u8]) -> std::borrow::Cow<'_, str> {
    // `from_utf8` checks ASCII text a word at a time; the lossy decoder only runs on a line
    // that is not valid UTF-8.
    match std::str::from_utf8(line) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(line),
    }
}

/// True for the NA tokens the reference recognises: exactly `NA` or `na`.
#[inline]
pub fn is_na(tok: &str) -> bool {
    tok == "NA" || tok == "na"
}

/// ASCII upper-casing into an inline string (no heap allocation for short alleles).
pub fn upper_compact(tok: &str) -> compact_str::CompactString {
    // Alleles are nearly always written in upper case already: no second pass then.
    if !tok.bytes().any(|b| b.is_ascii_lowercase()) {
        return compact_str::CompactString::from(tok);
    }
    let mut s = compact_str::CompactString::from(tok);
    s.make_ascii_uppercase();
    s
}

/// ASCII upper-casing (data-spec/text.md "Upper-casing").
pub fn upper(tok: &str) -> String {
    tok.to_ascii_uppercase()
}

/// Parse a whole token as a floating-point number. `NaN` spellings are rejected (use `NA`);
/// `inf` is accepted. `column` names the field in the error.
pub fn parse_f64(tok: &str, path: &Path, line: u64, column: &str) -> Result<f64> {
    match parse_f64_fast(tok) {
        Ok(v) if !v.is_nan() => Ok(v),
        _ => Err(Error::parse(
            path,
            line,
            format!("column {column}: expected a number, found '{tok}'"),
        )),
    }
}

/// Powers of ten exactly representable in an `f64` (10^0..=10^22).
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a plain decimal token (`-1.325483e-2`, `0.0086`, `300000`) when it can be had
/// exactly in one rounding (data-spec/numerics.md "Reading numbers"): at most 15 significant
/// digits (so the digits are an exact integer below 2^53 and 10^e is exact for |e| ≤ 22) and
/// one multiplication or division, which IEEE arithmetic rounds correctly, as `str::parse`
/// rounds. `None` for anything else (more digits, large exponents, `inf`, a stray
/// character), which `str::parse` then decides.
#[inline]
fn parse_plain_decimal(tok: &[u8]) -> Option<f64> {
    let (neg, mut rest) = match tok {
        [b'-', r @ ..] => (true, r),
        [b'+', r @ ..] => (false, r),
        r => (false, r),
    };
    let mut digits: u64 = 0;
    let mut n_digits = 0u32;
    let mut any = false;
    // Leading zeros are not significant.
    while let [b'0', r @ ..] = rest {
        rest = r;
        any = true;
    }
    while let [d @ b'0'..=b'9', r @ ..] = rest {
        digits = digits * 10 + u64::from(d - b'0');
        n_digits += 1;
        rest = r;
        any = true;
        if n_digits > 15 {
            return None;
        }
    }
    let mut exp: i32 = 0;
    if let [b'.', r @ ..] = rest {
        rest = r;
        while let [d @ b'0'..=b'9', r @ ..] = rest {
            if digits == 0 && *d == b'0' {
                // A zero before the first significant digit only moves the point.
                exp -= 1;
            } else {
                digits = digits * 10 + u64::from(d - b'0');
                n_digits += 1;
                exp -= 1;
                if n_digits > 15 {
                    return None;
                }
            }
            rest = r;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if let [b'e' | b'E', r @ ..] = rest {
        let (eneg, mut r) = match r {
            [b'-', r @ ..] => (true, r),
            [b'+', r @ ..] => (false, r),
            r => (false, r),
        };
        let mut e: i32 = 0;
        let mut e_digits = 0;
        while let [d @ b'0'..=b'9', t @ ..] = r {
            e = e * 10 + i32::from(d - b'0');
            e_digits += 1;
            if e_digits > 4 {
                return None;
            }
            r = t;
        }
        if e_digits == 0 {
            return None;
        }
        exp += if eneg { -e } else { e };
        rest = r;
    }
    if !rest.is_empty() {
        return None;
    }
    exact_decimal(neg, digits, exp)
}

/// `±digits · 10^exp` in one correctly rounded IEEE operation, for `digits` below 2^53 (an
/// exact `f64`) and `|exp| ≤ 22` (10^|exp| exact); `None` for a larger exponent. Zero digits
/// give a signed zero whatever the exponent.
#[inline(always)]
fn exact_decimal(neg: bool, digits: u64, exp: i32) -> Option<f64> {
    let m = digits as f64;
    let v = if digits == 0 {
        0.0
    } else if (0..=22).contains(&exp) {
        m * EXACT_POW10[exp as usize]
    } else if (-22..0).contains(&exp) {
        m / EXACT_POW10[(-exp) as usize]
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

/// The leading run of ASCII digits of `s`, when shorter than 8: its value and length, found
/// 8 bytes at a time (a byte is a digit when its high nibble is 3 and stays 3 after adding 6;
/// the eight digits turned into a number by three multiply-shift steps, most significant digit
/// first). `None` when the first 8 bytes are all digits.
#[inline(always)]
fn swar_digits(s: &[u8]) -> Option<(u64, usize)> {
    const HI: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    let w = if s.len() >= 8 {
        u64::from_le_bytes(s[..8].try_into().expect("8 bytes"))
    } else {
        // Padding bytes 0x00 are not digits.
        let mut b = [0u8; 8];
        b[..s.len()].copy_from_slice(s);
        u64::from_le_bytes(b)
    };
    // A carry out of a byte of 0xFA or more reaches only later bytes, past a non-digit.
    let not_digit = ((w & HI) ^ THREES) | ((w.wrapping_add(0x0606_0606_0606_0606) & HI) ^ THREES);
    let n = (not_digit.trailing_zeros() / 8) as usize;
    if n >= 8 {
        return None;
    }
    if n == 0 {
        return Some((0, 0));
    }
    // The n digits moved to the top bytes: below them, zeros (leading zero digits).
    let mut v = (w & 0x0F0F_0F0F_0F0F_0F0F) << (8 * (8 - n));
    v = v.wrapping_mul(10).wrapping_add(v >> 8) & 0x00FF_00FF_00FF_00FF;
    v = v.wrapping_mul(100).wrapping_add(v >> 16) & 0x0000_FFFF_0000_FFFF;
    v = v.wrapping_mul(10_000).wrapping_add(v >> 32) & 0xFFFF_FFFF;
    Some((v, n))
}

/// [`parse_plain_decimal`] for its most common tokens, `[sign] digits [. digits]
/// [e|E [sign] 1-3 digits]` with fewer than 8 digits before and after the point: both runs
/// read 8 bytes at a time ([`swar_digits`]). The same digits and exponent, so the same value
/// as [`parse_plain_decimal`]; `None` for any other token, which it then decides.
#[inline]
fn parse_short_decimal(tok: &[u8]) -> Option<f64> {
    let (neg, rest) = match tok {
        [b'-', r @ ..] => (true, r),
        [b'+', r @ ..] => (false, r),
        r => (false, r),
    };
    let (int, n1) = swar_digits(rest)?;
    let mut rest = &rest[n1..];
    let (mut m, mut exp) = (int, 0i32);
    let mut any = n1 > 0;
    if let [b'.', r @ ..] = rest {
        let (frac, n2) = swar_digits(r)?;
        m = m * EXACT_POW10_INT[n2] + frac;
        exp = -(n2 as i32);
        any |= n2 > 0;
        rest = &r[n2..];
    }
    if !any {
        return None;
    }
    if let [b'e' | b'E', r @ ..] = rest {
        let (eneg, r) = match r {
            [b'-', r @ ..] => (true, r),
            [b'+', r @ ..] => (false, r),
            r => (false, r),
        };
        let e = match *r {
            [a @ b'0'..=b'9'] => i32::from(a - b'0'),
            [a @ b'0'..=b'9', b @ b'0'..=b'9'] => i32::from(a - b'0') * 10 + i32::from(b - b'0'),
            [a @ b'0'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
                i32::from(a - b'0') * 100 + i32::from(b - b'0') * 10 + i32::from(c - b'0')
            }
            _ => return None,
        };
        exp += if eneg { -e } else { e };
    } else if !rest.is_empty() {
        return None;
    }
    // m < 10^14 < 2^53.
    exact_decimal(neg, m, exp)
}

/// Powers of ten as integers (10^0..=10^7), for [`parse_short_decimal`].
const EXACT_POW10_INT: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// `tok.parse::<f64>()`, with the shortcuts `parse_short_decimal` and `parse_plain_decimal` first.
#[inline]
pub fn parse_f64_fast(tok: &str) -> std::result::Result<f64, std::num::ParseFloatError> {
    let b = tok.as_bytes();
    match parse_short_decimal(b).or_else(|| parse_plain_decimal(b)) {
        Some(v) => Ok(v),
        None => tok.parse::<f64>(),
    }
}

/// Parse a token as a number or an NA token (`NA`/`na` → `None`).
pub fn parse_opt_f64(tok: &str, path: &Path, line: u64, column: &str) -> Result<Option<f64>> {
    if is_na(tok) {
        return Ok(None);
    }
    match parse_f64_fast(tok) {
        Ok(v) if !v.is_nan() => Ok(Some(v)),
        _ => Err(Error::parse(
            path,
            line,
            format!("column {column}: expected a number or NA, found '{tok}'"),
        )),
    }
}

/// Parse a whole token as a decimal integer (optional sign; `1e6` and `1.0` are rejected).
pub fn parse_i64(tok: &str, path: &Path, line: u64, column: &str) -> Result<i64> {
    // Up to 18 digits cannot overflow: summed directly, as `str::parse` would give them.
    if let Some(v) = plain_digits(tok.as_bytes()) {
        return Ok(v);
    }
    tok.parse::<i64>().map_err(|_| {
        Error::parse(
            path,
            line,
            format!("column {column}: expected an integer, found '{tok}'"),
        )
    })
}

/// The value of 1 to 18 ASCII digits (no sign), `None` for anything else.
#[inline]
fn plain_digits(tok: &[u8]) -> Option<i64> {
    if tok.is_empty() || tok.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in tok {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
    }
    Some(v)
}

/// Largest base-pair position accepted: the reference stores positions as 32-bit `int`.
pub const MAX_BP: i64 = i32::MAX as i64;

/// Parse a base-pair position: a whole decimal integer from 0 to [`MAX_BP`]. Bounding it keeps
/// every distance computed from positions far from overflow.
pub fn parse_bp(tok: &str, path: &Path, line: u64) -> Result<i64> {
    let bp = parse_i64(tok, path, line, "bp")?;
    if (0..=MAX_BP).contains(&bp) {
        Ok(bp)
    } else {
        Err(Error::parse(
            path,
            line,
            format!("column bp: expected a position from 0 to {MAX_BP}, found '{tok}'"),
        ))
    }
}

/// Decode a chromosome token: optional `chr` prefix (any case), then `X`→23, `Y`→24, `XY`→25,
/// `MT`/`M`→26 (any case), or a non-negative decimal integer. `None` when the token is none of
/// these (callers add their own range rules, e.g. `.esi` rejects 0).
pub fn decode_chrom(tok: &str) -> Option<Chrom> {
    // The usual token, one or two digits, first.
    if let [a @ b'0'..=b'9', rest @ ..] = tok.as_bytes() {
        match rest {
            [] => return Some(Chrom::from(a - b'0')),
            [b @ b'0'..=b'9'] => return Some(Chrom::from(a - b'0') * 10 + Chrom::from(b - b'0')),
            _ => {}
        }
    }
    let rest = match tok.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("chr") => &tok[3..],
        _ => tok,
    };
    if rest.eq_ignore_ascii_case("X") {
        Some(crate::types::CHROM_X)
    } else if rest.eq_ignore_ascii_case("Y") {
        Some(crate::types::CHROM_Y)
    } else if rest.eq_ignore_ascii_case("XY") {
        Some(CHROM_XY)
    } else if rest.eq_ignore_ascii_case("MT") || rest.eq_ignore_ascii_case("M") {
        Some(CHROM_MT)
    } else if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        rest.parse::<Chrom>().ok()
    } else {
        None
    }
}

/// Parse a chromosome column; `allow_zero` says whether code 0 (unplaced) is valid here.
pub fn parse_chrom(tok: &str, allow_zero: bool, path: &Path, line: u64) -> Result<Chrom> {
    match decode_chrom(tok) {
        Some(c) if c > 0 || allow_zero => Ok(c),
        _ => Err(Error::parse(
            path,
            line,
            format!(
                "column chr: expected a chromosome ({}X, Y, XY, MT, optionally prefixed 'chr'), found '{tok}'",
                if allow_zero { "0, 1, 2, ..., " } else { "1, 2, ..., " }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_hashes_finds_any_repeat() {
        // Multiples of 2^56 share their low bits, 0 is the empty-slot marker: neither may
        // hide a repeat or invent one.
        let v: Vec<u64> = (0..1000u64).map(|i| (i << 56) | (i * 7)).collect();
        assert!(distinct_hashes(&v));
        for (a, b) in [(0, 999), (500, 501), (3, 3 + 512)] {
            let mut w = v.clone();
            w[b] = w[a];
            assert!(!distinct_hashes(&w), "{a} {b}");
        }
        assert!(distinct_hashes(&[0, 1, 2]));
        assert!(!distinct_hashes(&[0, 5, 0]));
        assert!(distinct_hashes(&[]));
        let same_low: Vec<u64> = (1..300u64).map(|i| i << 40).collect();
        assert!(distinct_hashes(&same_low));
    }

    #[test]
    fn fast_decimal_parse_is_str_parse_bit_for_bit() {
        // Hand-picked edge cases, then generated tokens of every shape the fast path takes
        // or leaves to str::parse; each must give exactly what str::parse gives (value bits,
        // or an error).
        let mut toks: Vec<String> = [
            "0",
            "-0",
            "+0",
            "00",
            "0.0",
            "-0.0",
            "0.000",
            ".5",
            "+.5",
            "5.",
            "-5.",
            ".",
            "-",
            "+",
            "e5",
            "1e",
            "1e+",
            "1e-",
            "1.5.2",
            "1_0",
            "inf",
            "-inf",
            "NaN",
            "nan",
            "1e22",
            "1e23",
            "1e-22",
            "1e-23",
            "0e999",
            "-0e999",
            "123456789012345",
            "1234567890123456",
            "0.1234567890123456",
            "9007199254740993",
            "4.6896e-1",
            "-1.325483e-2",
            "0.0086",
            "300000",
            "1E5",
            "2.5E-3",
            "1e00022",
            "1e-00022",
            "00012.50",
            "1.0e",
            " 1",
            "1 ",
            "+.5",
            ".",
            "-",
            "+",
            "1.",
            ".e1",
            "1e+5",
            "1.5.3",
            "0e999",
            "-0.0",
            "1234567.1234567",
            "12345678",
            "1.12345678",
            "9999999.9999999e-22",
            "1e-23",
            "1e22",
            "1e23",
            "1e5x",
            "1\u{ff}",
            "\u{fa}1",
            "7\u{fa}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 19) as usize;
            let mantissa = format!("{:019}", x >> 3);
            let m = &mantissa[..digits.max(1)];
            let point = (x >> 40) as usize % (m.len() + 2);
            let mut t = String::new();
            if x & 1 == 1 {
                t.push('-');
            }
            if point <= m.len() {
                t.push_str(&m[..point]);
                t.push('.');
                t.push_str(&m[point..]);
            } else {
                t.push_str(m);
            }
            if (x >> 50).is_multiple_of(3) {
                let e = ((x >> 20) % 61) as i64 - 30;
                t.push_str(&format!("e{e}"));
            }
            toks.push(t);
        }
        for t in &toks {
            let want = t.parse::<f64>().map(f64::to_bits).ok();
            let got = parse_f64_fast(t).map(f64::to_bits).ok();
            assert_eq!(got, want, "token {t:?}");
        }
        // The fast path itself is taken for the usual shapes.
        assert_eq!(parse_plain_decimal(b"-1.325483e-2"), Some(-1.325483e-2));
        assert_eq!(parse_plain_decimal(b"1234567890123456"), None);
        assert_eq!(parse_short_decimal(b"-1.325483e-2"), Some(-1.325483e-2));
        assert_eq!(parse_short_decimal(b"0.0086"), Some(0.0086));
        assert_eq!(parse_short_decimal(b"300000"), Some(300000.0));
        assert_eq!(parse_short_decimal(b"12345678"), None);
        assert_eq!(parse_short_decimal(b"1.5.3"), None);
        // Its values are those of the general fast path wherever it decides.
        for t in &toks {
            if let Some(v) = parse_short_decimal(t.as_bytes()) {
                let w = parse_plain_decimal(t.as_bytes()).or_else(|| t.parse().ok());
                assert_eq!(Some(v.to_bits()), w.map(f64::to_bits), "token {t:?}");
            }
        }
    }

    fn p() -> &'static Path {
        Path::new("f.txt")
    }

    #[test]
    fn t1_splits_on_comma_cr_control_and_non_ascii() {
        let toks: Vec<&str> = split_t1(b"  rs1,A\tG\r\x01x\xc3\xa9y,,\r").collect();
        assert_eq!(toks, ["rs1", "A", "G", "x", "y"]);
        assert_eq!(split_t1(b"").count(), 0);
        assert_eq!(split_t1(b" \t ").count(), 0);
    }

    #[test]
    fn ws_keeps_commas() {
        let toks: Vec<&str> = split_ws(" a,b\tc\r\x0bd ").collect();
        assert_eq!(toks, ["a,b", "c", "d"]);
    }

    #[test]
    fn chunks_give_the_records_lines_and_first_error_of_one_pass() {
        let text = b"a\r\n\nbb\nccc\n\n\ndd\nlast";
        let data = crate::io::source::Bytes::Owned(text.to_vec());
        let parse = |_: u64, l: &[u8]| -> Result<Option<String>> {
            Ok((!l.is_empty()).then(|| String::from_utf8_lossy(l).into_owned()))
        };
        // Reference: the sequential line reader (numbered from 1, so shifted by 4).
        let mut whole: (Vec<String>, Vec<u64>) = (Vec::new(), Vec::new());
        let mut reader = LineReader::new(&text[..], p());
        while let Some((no, l)) = reader.next_line().unwrap() {
            if let Some(r) = parse(no, l).unwrap() {
                whole.0.push(r);
                whole.1.push(no + 4);
            }
        }
        type Acc = (Vec<String>, RowLines, Vec<u64>);
        for (block, chunk) in [(1, 1), (3, 1), (7, 2), (100, 3), (100, 100)] {
            let (mut recs, mut rl, mut lines) = (Vec::new(), RowLines::default(), Vec::new());
            parse_chunks_sized(
                &data,
                None,
                0,
                5,
                block,
                chunk,
                Acc::default,
                |acc: &mut Acc, no, l| {
                    if !l.is_empty() {
                        acc.0.push(String::from_utf8_lossy(l).into_owned());
                        acc.1.push(no);
                        acc.2.push(no);
                    }
                    Ok(())
                },
                |accs| {
                    for a in accs {
                        recs.extend(a.0);
                        rl.append(&a.1);
                        lines.extend(a.2);
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!((&recs, &lines), (&whole.0, &whole.1), "{block}/{chunk}");
            assert!((0..lines.len()).all(|i| rl.line(i) == lines[i]));
            // The same from a stream, blocks read while the previous one is parsed.
            let (mut recs, mut lines) = (Vec::new(), Vec::new());
            parse_chunks_read_sized(
                &mut &text[..],
                p(),
                5,
                block,
                chunk,
                Acc::default,
                |acc: &mut Acc, no, l| {
                    if !l.is_empty() {
                        acc.0.push(String::from_utf8_lossy(l).into_owned());
                        acc.2.push(no);
                    }
                    Ok(())
                },
                |accs| {
                    for a in accs {
                        recs.extend(a.0);
                        lines.extend(a.2);
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(
                (&recs, &lines),
                (&whole.0, &whole.1),
                "stream {block}/{chunk}"
            );
        }
        // Two bad lines in different chunks: the first one's error, whatever the timing.
        for (block, chunk) in [(4, 1), (100, 2)] {
            let e = parse_chunks_sized(
                &data,
                None,
                0,
                1,
                block,
                chunk,
                || (),
                |_: &mut (), no, l| {
                    if l == b"ccc" || l == b"last" {
                        Err(Error::parse(p(), no, "bad"))
                    } else {
                        Ok(())
                    }
                },
                |_| Ok(()),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("line 4"), "{e}");
            let e = parse_chunks_read_sized(
                &mut &text[..],
                p(),
                1,
                block,
                chunk,
                || (),
                |_: &mut (), no, l| {
                    if l == b"ccc" || l == b"last" {
                        Err(Error::parse(p(), no, "bad"))
                    } else {
                        Ok(())
                    }
                },
                |_| Ok(()),
            )
            .unwrap_err()
            .to_string();
            assert!(e.contains("line 4"), "stream: {e}");
        }
    }

    #[test]
    fn line_reader_strips_crlf_and_counts() {
        let mut r = LineReader::new(&b"a\r\n\nb"[..], p());
        assert_eq!(r.next_line().unwrap(), Some((1, &b"a"[..])));
        assert_eq!(r.next_line().unwrap(), Some((2, &b""[..])));
        assert_eq!(r.next_line().unwrap(), Some((3, &b"b"[..])));
        assert_eq!(r.next_line().unwrap(), None);
    }

    #[test]
    fn numbers_are_strict() {
        assert_eq!(parse_f64("1.5", p(), 1, "b").unwrap(), 1.5);
        assert_eq!(parse_f64("-2e-3", p(), 1, "b").unwrap(), -2e-3);
        assert!(parse_f64("1.5abc", p(), 1, "b").is_err());
        assert!(parse_f64("NaN", p(), 1, "b").is_err());
        assert!(parse_f64("", p(), 1, "b").is_err());
        assert_eq!(parse_opt_f64("NA", p(), 1, "b").unwrap(), None);
        assert_eq!(parse_opt_f64("na", p(), 1, "b").unwrap(), None);
        assert!(parse_opt_f64("Na", p(), 1, "b").is_err());
        assert_eq!(parse_i64("123", p(), 1, "bp").unwrap(), 123);
        assert!(parse_i64("1e6", p(), 1, "bp").is_err());
        assert!(parse_i64("1.0", p(), 1, "bp").is_err());
        let e = parse_f64("x1", p(), 7, "se").unwrap_err().to_string();
        assert!(
            e.contains("line 7") && e.contains("se") && e.contains("'x1'"),
            "{e}"
        );
    }

    #[test]
    fn regression_issue5_positions_are_bounded() {
        assert_eq!(parse_bp("0", p(), 1).unwrap(), 0);
        assert_eq!(parse_bp("2147483647", p(), 1).unwrap(), MAX_BP);
        let e = parse_bp("-9223372036854775808", p(), 4)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 4") && e.contains("from 0 to 2147483647"),
            "{e}"
        );
        assert!(parse_bp("2147483648", p(), 1).is_err());
        assert!(parse_bp("-1", p(), 1).is_err());
        assert!(parse_bp("1e6", p(), 1)
            .unwrap_err()
            .to_string()
            .contains("integer"));
    }

    #[test]
    fn chromosomes() {
        assert_eq!(decode_chrom("1"), Some(1));
        assert_eq!(decode_chrom("chr22"), Some(22));
        assert_eq!(decode_chrom("X"), Some(23));
        assert_eq!(decode_chrom("x"), Some(23));
        assert_eq!(decode_chrom("chrY"), Some(24));
        assert_eq!(decode_chrom("XY"), Some(25));
        assert_eq!(decode_chrom("MT"), Some(26));
        assert_eq!(decode_chrom("M"), Some(26));
        assert_eq!(decode_chrom("0"), Some(0));
        assert_eq!(decode_chrom("-9"), None);
        assert_eq!(decode_chrom("NA"), None);
        assert_eq!(decode_chrom("chr"), None);
        assert_eq!(decode_chrom("1e1"), None);
        assert!(parse_chrom("0", false, p(), 3).is_err());
        assert_eq!(parse_chrom("0", true, p(), 3).unwrap(), 0);
    }
}
