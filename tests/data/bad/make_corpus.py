#!/usr/bin/env python3
"""Build the bad-input specimen corpus (tests/data/bad/) from tests/data/tiny-seed1.

Run from anywhere: `python3 tests/data/bad/make_corpus.py`. Deterministic; rewrites every case
directory and index.tsv. Files that are not the bad one are symlinks to the good tiny files, so
the corpus stays small. The index columns are described in index.tsv's header comment and in
tests/corpus.rs.
"""
import gzip
import io
import os
import shutil
import struct
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = os.path.join(HERE, "..", "tiny-seed1")
N_SNPS, N_PROBES = 2093, 20  # tiny-seed1 eqtl.esi / eqtl.epi rows

BASE = "--bfile {good}/ref/ref --gwas-summary {good}/gwas/trait.ma --beqtl-summary {good}/eqtl/eqtl"
ROWS = []


def good(rel):
    with open(os.path.join(GOOD, rel), "rb") as f:
        return f.read()


def case_dir(name):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    return d


def write(name, fname, data):
    with open(os.path.join(case_dir(name), fname), "wb") as f:
        f.write(data)


def write_gz(name, fname, data):
    # mtime=0 keeps the bytes reproducible.
    with open(os.path.join(case_dir(name), fname), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as f:
            f.write(data)


def write_tar_gz(name, fname, members):
    """A gzipped tar of (member name, bytes), each member gzipped again as eQTLGen packs its
    SMR release; fixed metadata keeps the bytes reproducible."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for mname, data in members:
            inner = io.BytesIO()
            with gzip.GzipFile(fileobj=inner, mode="wb", mtime=0, compresslevel=9) as f:
                f.write(data)
            info = tarfile.TarInfo(mname)
            info.size = len(inner.getvalue())
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(inner.getvalue()))
    with open(os.path.join(case_dir(name), fname), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as f:
            f.write(buf.getvalue())


def link(name, fname, good_rel):
    p = os.path.join(case_dir(name), fname)
    if os.path.lexists(p):
        os.remove(p)
    os.symlink(os.path.join("..", "..", "tiny-seed1", good_rel), p)


def row(case, exit_code, kind, file, fragment, args):
    ROWS.append((case, str(exit_code), kind, file, fragment, args))


def eqtl_case(name, besd=None, esi=None, epi=None):
    """A BESD triple in tests/data/bad/<name>/eqtl.*: given bytes, or links to the good files."""
    for ext, data in (("besd", besd), ("esi", esi), ("epi", epi)):
        if data is None:
            link(name, "eqtl." + ext, "eqtl/eqtl." + ext)
        elif data != "absent":
            write(name, "eqtl." + ext, data)
    return BASE.replace("{good}/eqtl/eqtl", "{bad}/%s/eqtl" % name)


def ref_case(name, bed=None, bim=None, fam=None):
    for ext, data in (("bed", bed), ("bim", bim), ("fam", fam)):
        if data is None:
            link(name, "ref." + ext, "ref/ref." + ext)
        elif data != "absent":
            write(name, "ref." + ext, data)
    return BASE.replace("{good}/ref/ref", "{bad}/%s/ref" % name)


def header(code, n_snps=N_SNPS, n_probes=N_PROBES, n=-9):
    """The 64-byte BESD header: code, sample size, SNP count, probe count, twelve -9."""
    return struct.pack("<16i", code, n, n_snps, n_probes, *([-9] * 12))


def sparse(entries, cols=None, n_snps=N_SNPS, n_probes=N_PROBES, rowids_se=None):
    """A type-3 sparse .besd: entries[p] = [(rowid, beta, se), ...]."""
    v = sum(2 * len(entries.get(p, [])) for p in range(n_probes))
    if cols is None:
        cols, off = [0], 0
        for p in range(n_probes):
            n = len(entries.get(p, []))
            cols += [off + n, off + 2 * n]
            off += 2 * n
    rid, val = b"", b""
    for p in range(n_probes):
        e = entries.get(p, [])
        rid += b"".join(struct.pack("<I", r) for r, _, _ in e)
        rid += b"".join(struct.pack("<I", r) for r, _, _ in (rowids_se or {}).get(p, e))
        val += b"".join(struct.pack("<f", b) for _, b, _ in e)
        val += b"".join(struct.pack("<f", s) for _, _, s in e)
    return (header(3, n_snps, n_probes) + struct.pack("<Q", v)
            + b"".join(struct.pack("<Q", c) for c in cols) + rid + val)


def replace_line(data, lineno, new):
    lines = data.split(b"\n")
    lines[lineno - 1] = new
    return b"\n".join(lines)


def head(data, n):
    return b"\n".join(data.split(b"\n")[:n]) + b"\n"


def build():
    for entry in os.listdir(HERE):
        p = os.path.join(HERE, entry)
        if os.path.isdir(p) and entry != "fuzz":  # fuzz/ holds fuzz inputs, not made here
            shutil.rmtree(p)
    esi, epi, ma = good("eqtl/eqtl.esi"), good("eqtl/eqtl.epi"), good("gwas/trait.ma")
    bim, fam = good("ref/ref.bim"), good("ref/ref.fam")
    # A small valid sparse file for the tiny .esi/.epi: 3 probes with data, the rest empty.
    besd_good = sparse({0: [(0, 0.5, 0.01), (1, -0.2, 0.02)], 5: [(7, 0.3, 0.05)], 19: [(2092, 1.0, 0.1)]})

    # ---- BESD ------------------------------------------------------------------------------
    f = "{bad}/%s/eqtl.besd"
    n = "besd_unknown_format"
    row(n, 1, "Format", f % n, "unknown BESD layout: first 4 bytes 07 00 00 00",
        eqtl_case(n, besd=struct.pack("<I", 7) + besd_good[4:]))
    n = "besd_truncated_header"
    row(n, 1, "Format", f % n, "truncated BESD header: file has 20 bytes",
        eqtl_case(n, besd=besd_good[:20]))
    n = "besd_empty"
    row(n, 1, "Format", f % n, "file has 0 bytes", eqtl_case(n, besd=b""))
    n = "besd_truncated_values"
    row(n, 1, "Format", f % n, "file has 440 bytes, expected 464 (64 + 8 + 8 x (2 x 20 probes + 1) + 8 x 8 values)",
        eqtl_case(n, besd=besd_good[:440]))
    n = "besd_trailing_bytes"
    row(n, 1, "Format", f % n, "file has 468 bytes, expected 464",
        eqtl_case(n, besd=besd_good + b"\0\0\0\0"))
    n = "besd_dense_truncated"
    row(n, 1, "Format", f % n, "file has 1064 bytes, expected 334944 (64 + 8 x 2093 SNPs x 20 probes)",
        eqtl_case(n, besd=header(5) + b"\0" * 1000))
    n = "besd_header_snp_count"
    row(n, 1, "Format", f % n, "the header says 2000 SNPs but the .esi has 2093",
        eqtl_case(n, besd=header(3, n_snps=2000) + besd_good[64:]))
    n = "besd_header_probe_count"
    row(n, 1, "Format", f % n, "the header says 19 probes but the .epi has 20",
        eqtl_case(n, besd=header(3, n_probes=19) + besd_good[64:]))
    n = "besd_negative_count"
    row(n, 1, "Format", f % n, "header int32 #2 (SNP count, byte offset 8) is -5",
        eqtl_case(n, besd=header(3, n_snps=-5) + besd_good[64:]))
    n = "besd_esi_shorter"  # .esi with one SNP fewer than the header says
    eq = eqtl_case(n, esi="absent")
    write_gz(n, "eqtl.esi", head(esi, 2092))
    row(n, 1, "Format", f % n, "the header says 2093 SNPs but the .esi has 2092", eq)
    n = "besd_offsets_past_end"
    cols = [0] + [0, 0] * (N_PROBES - 1) + [1, 50]  # last probe claims entries beyond V = 2
    row(n, 1, "Format", f % n, "probe index 19 (.epi row 20): offset cols[40] = 50 points past the 2 stored values",
        eqtl_case(n, besd=sparse({19: [(3, 0.1, 0.01)]}, cols=cols)))
    n = "besd_offsets_decrease"
    cols = [0, 1, 2, 1, 0] + [2] * (2 * N_PROBES - 4)
    row(n, 1, "Format", f % n, "probe index 1 (.epi row 2): offsets decrease",
        eqtl_case(n, besd=sparse({0: [(3, 0.1, 0.01)]}, cols=cols)))
    n = "besd_unequal_halves"
    cols = [0, 2, 3] + [3, 4] * (N_PROBES - 1)
    row(n, 1, "Format", f % n, "probe index 0 (.epi row 1): 2 betas but 1 standard errors",
        eqtl_case(n, besd=sparse({0: [(3, 0.1, 0.01), (4, 0.1, 0.01)]}, cols=cols)))
    n = "besd_rowid_beyond_snps"
    row(n, 1, "Format", f % n, "probe index 2 (.epi row 3): entry 1 has row id 5000, beyond the 2093 SNPs",
        eqtl_case(n, besd=sparse({2: [(10, 0.5, 0.01), (5000, 0.5, 0.01)]})))
    n = "besd_rowid_halves_differ"
    row(n, 1, "Format", f % n, "probe index 0 (.epi row 1): entry 0 has row id 10 in the beta half but 11 in the se half",
        eqtl_case(n, besd=sparse({0: [(10, 0.5, 0.01)]}, rowids_se={0: [(11, 0, 0)]})))
    n = "besd_missing"
    row(n, 1, "Open", f % n, "No such file", eqtl_case(n, besd="absent"))
    n = "besd_corrupt_gzip"
    row(n, 1, "Read", f % n, "corrupt deflate stream", eqtl_case(n, besd=b"\x1f\x8b\x08\x00" + b"not a deflate stream" * 4))

    # ---- .esi / .epi -------------------------------------------------------------------------
    f = "{bad}/%s/eqtl.esi"
    n = "esi_missing_column"
    row(n, 1, "Parse", f % n, "line 3: expected 6 or 7 columns, found 5",
        eqtl_case(n, esi=replace_line(head(esi, 5), 3, b"1\trs925659175\t0\t20007935\tC")))
    n = "esi_nonnumeric_bp"
    row(n, 1, "Parse", f % n, "line 2: column bp: expected an integer, found '2OOO6077'",
        eqtl_case(n, esi=replace_line(head(esi, 3), 2, b"1\trs226624673\t0\t2OOO6077\tC\tA\t0.862091")))
    n = "esi_bp_out_of_range"  # positions are 32-bit in the reference; bounded so no distance overflows
    row(n, 1, "Parse", f % n, "line 2: column bp: expected a position from 0 to 2147483647, found '-9223372036854775808'",
        eqtl_case(n, esi=replace_line(head(esi, 3), 2, b"1\trs226624673\t0\t-9223372036854775808\tC\tA\t0.862091")))
    n = "esi_chrom_zero"
    row(n, 1, "Parse", f % n, "line 1: column chr: expected a chromosome",
        eqtl_case(n, esi=replace_line(head(esi, 2), 1, b"0\trs527590108\t0\t20001970\tA\tG\t0.892895")))
    n = "esi_freq_not_a_number"
    row(n, 1, "Parse", f % n, "line 4: column freq: expected a number or NA, found '0.5x'",
        eqtl_case(n, esi=replace_line(head(esi, 4), 4, b"1\trs1\t0\t20001970\tA\tG\t0.5x")))
    n = "esi_duplicate_id"  # renamed rs527590108_3 as the reference does, and warned
    dup = replace_line(esi, 3, b"1\trs527590108\t0\t20007935\tC\tT\t0.589903")
    eq = eqtl_case(n, esi="absent")
    write_gz(n, "eqtl.esi", dup)
    row(n, 0, "ok-warned", "{bad}/%s/eqtl.esi" % n,
        "duplicate ID in 1 row: rs527590108 (line 3) -> rs527590108_3", eq)

    f = "{bad}/%s/eqtl.epi"
    n = "epi_missing_column"
    row(n, 1, "Parse", f % n, "line 2: expected at least 6 columns, found 5",
        eqtl_case(n, epi=replace_line(epi, 2, b"1\tENSG00034789397\t0\t20050556\tGBXHK")))
    n = "epi_nonnumeric_bp"
    row(n, 1, "Parse", f % n, "line 4: column bp: expected an integer, found '20273088.5'",
        eqtl_case(n, epi=replace_line(epi, 4, b"1\tENSG00066742716\t0\t20273088.5\tCVFQ6\t+")))
    n = "epi_bp_zero"
    row(n, 1, "Parse", f % n, "line 1: column bp: 0 is not allowed",
        eqtl_case(n, epi=replace_line(epi, 1, b"1\tENSG00058880247\t0\t0\tDDKGA\t-")))
    n = "epi_chrom_na"
    row(n, 1, "Parse", f % n, "line 5: column chr: 'NA' is not allowed",
        eqtl_case(n, epi=replace_line(epi, 5, b"NA\tENSG00057881416\t0\t20396419\tEHAAD6\t-")))
    n = "epi_duplicate_id"
    row(n, 0, "ok-warned", f % n,
        "duplicate ID in 1 row: ENSG00058880247 (line 5) -> ENSG00058880247_5",
        eqtl_case(n, epi=replace_line(epi, 5, b"1\tENSG00058880247\t0\t20396419\tEHAAD6\t-")))

    # ---- .ma -------------------------------------------------------------------------------
    def ma_case(name, data=None, gz=False, fname="trait.ma"):
        if data is not None:
            (write_gz if gz else write)(name, fname, data)
        return BASE.replace("{good}/gwas/trait.ma", "{bad}/%s/%s" % (name, fname))

    f = "{bad}/%s/trait.ma"
    hdr = ma.split(b"\n")[0] + b"\n"
    n = "ma_empty"
    row(n, 1, "Format", f % n, "empty file, expected a header line", ma_case(n, b""))
    n = "ma_missing_header"
    row(n, 1, "Parse", f % n, "line 1: unrecognised GWAS header",
        ma_case(n, b"\n".join(ma.split(b"\n")[1:6]) + b"\n"))
    n = "ma_wrong_column_count"
    row(n, 1, "Parse", f % n, "line 3: expected 8 columns (SNP A1 A2 freq b se p n), found 7",
        ma_case(n, replace_line(head(ma, 4), 3, b"rs226624673\tA\tC\t0.1384\t-0.0139379\t0.00379158\t0.0002369")))
    n = "ma_text_in_numeric"
    row(n, 1, "Parse", f % n, "line 4: column se: expected a number or NA, found '0.00x3'",
        ma_case(n, replace_line(head(ma, 5), 4, b"rs925659175\tC\tT\t0.5\t0.01\t0.00x3\t0.2\t300000")))
    n = "ma_nan_spelled"
    row(n, 1, "Parse", f % n, "line 2: column b: expected a number or NA, found 'nan'",
        ma_case(n, replace_line(head(ma, 3), 2, b"rs527590108\tA\tG\t0.8895\tnan\t0.00411754\t3.139e-11\t300000")))
    n = "ma_na_snp_id"
    row(n, 1, "Parse", f % n, "line 3: column SNP: NA is not allowed",
        ma_case(n, replace_line(head(ma, 3), 3, b"NA\tA\tC\t0.1384\t-0.0139379\t0.00379158\t0.0002369\t291613")))
    n = "ma_blank_line_with_spaces"
    row(n, 1, "Parse", f % n, "line 3: expected 8 columns (SNP A1 A2 freq b se p n), found 0",
        ma_case(n, replace_line(head(ma, 4), 3, b"   \t ")))
    n = "ma_header_only"
    row(n, 1, "Analysis", f % n, "no SNP in common between the GWAS data", ma_case(n, hdr))
    n = "ma_missing"
    row(n, 1, "Open", "{bad}/ma_missing/trait.ma", "No such file", ma_case(n, None))
    case_dir(n)
    n = "ma_corrupt_gzip"
    row(n, 1, "Read", "{bad}/%s/trait.ma.gz" % n, "corrupt deflate stream",
        ma_case(n, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"garbage!" * 8, fname="trait.ma.gz"))
    n = "ma_truncated_gzip"
    z = gzip.compress(ma, compresslevel=9, mtime=0)
    row(n, 1, "Read", "{bad}/%s/trait.ma.gz" % n, "incomplete deflate stream", ma_case(n, z[: len(z) // 2], fname="trait.ma.gz"))
    n = "ma_crlf"  # accepted as the reference does; results identical to the LF file
    row(n, 0, "ok-same", "{bad}/%s/trait.ma.gz" % n, "",
        ma_case(n, ma.replace(b"\n", b"\r\n"), gz=True, fname="trait.ma.gz"))
    n = "ma_unusable_rows"  # readable but unusable rows: skipped, counted, listed; the run goes on
    lines = ma.split(b"\n")
    edits = {
        2: b"rs527590108\tA\tG\t0.8895\tNA\t0.00411754\t3.139e-11\t300000",     # b NA
        3: b"rs226624673\tA\tC\t0.1384\t-0.0139379\t0\t0.0002369\t291613",      # se = 0
        4: None,                                                                  # p > 1
        5: None,                                                                  # b = inf
        6: None,                                                                  # allele N
    }
    f4 = lines[3].split(b"\t"); f4[6] = b"1.5"; edits[4] = b"\t".join(f4)
    f5 = lines[4].split(b"\t"); f5[4] = b"inf"; edits[5] = b"\t".join(f5)
    f6 = lines[5].split(b"\t"); f6[1] = b"N"; edits[6] = b"\t".join(f6)
    for k, v in edits.items():
        lines[k - 1] = v
    body = b"\n".join(lines).rstrip(b"\n") + b"\n" + lines[9] + b"\n"  # + a duplicate of line 10
    row(n, 0, "ok-warned", "{bad}/%s/trait.ma.gz" % n,
        "|".join([
            "2040 SNPs read; 33 with frequency NA; 6 rows flagged (kept out of the tests)",
            "trait.ma.gz: b is NA in 1 row: rs527590108 (line 2)",
            "se <= 0 in 1 row: rs226624673 (line 3)",
            "p outside [0,1] in 1 row: rs925659175 (line 4)",
            "b is not finite in 1 row: rs624693740 (line 5)",
            "allele not A/C/G/T in 1 row: rs323728305 (line 6)",
            "duplicate SNP ID in 1 row: rs119866502 (line 2041) -> rs119866502_2040",
        ]), ma_case(n, body, gz=True, fname="trait.ma.gz"))

    # ---- PLINK -----------------------------------------------------------------------------
    f = "{bad}/%s/ref.bed"
    bed = good("ref/ref.bed")
    n = "bed_bad_magic"
    row(n, 1, "Format", f % n, "not a PLINK .bed file: first bytes 6c 1c, expected 6c 1b",
        ref_case(n, bed=b"\x6c\x1c\x01" + bed[3:64]))
    n = "bed_individual_major"
    row(n, 1, "Format", f % n, "individual-major .bed (mode byte 00) is not supported",
        ref_case(n, bed=b"\x6c\x1b\x00" + bed[3:64]))
    n = "bed_unknown_mode"
    row(n, 1, "Format", f % n, "unknown .bed mode byte 02, expected 01 (SNP-major)",
        ref_case(n, bed=b"\x6c\x1b\x02" + bed[3:64]))
    n = "bed_size_mismatch"
    row(n, 1, "Format", f % n, "file has 1003 bytes but 2050 SNPs (.bim) x 200 individuals (.fam) need 102503",
        ref_case(n, bed=bed[:1003]))
    n = "bed_header_only"
    row(n, 1, "Format", f % n, "truncated .bed header: 2 bytes, expected at least 3", ref_case(n, bed=bed[:2]))
    n = "bed_missing"
    row(n, 1, "Open", f % n, "No such file", ref_case(n, bed="absent"))
    f = "{bad}/%s/ref.fam"
    n = "fam_bad_row"
    row(n, 1, "Parse", f % n, "line 3: expected 6 columns (FID IID father mother sex phenotype), found 5",
        ref_case(n, fam=replace_line(fam, 3, b"HG00102 HG00102 0 0 1")))
    n = "fam_duplicate_individual"
    row(n, 1, "Parse", f % n, "line 4: duplicate individual HG00100:HG00100",
        ref_case(n, fam=replace_line(fam, 4, b"HG00100 HG00100 0 0 2 -9")))
    f = "{bad}/%s/ref.bim"
    n = "bim_bad_row"
    row(n, 1, "Parse", f % n, "line 4: expected 6 columns (chr SNP cM bp A1 A2), found 5",
        ref_case(n, bim=replace_line(head(bim, 6), 4, b"1\trs1\t0\t20010000\tA")))
    n = "bim_bad_chrom"
    row(n, 1, "Parse", f % n, "line 2: column chr: expected a chromosome",
        ref_case(n, bim=replace_line(head(bim, 3), 2, b"chrQ\trs226624673\t0\t20006077\tA\tC")))
    n = "bim_nonnumeric_bp"
    row(n, 1, "Parse", f % n, "line 1: column bp: expected an integer, found '2e7'",
        ref_case(n, bim=replace_line(head(bim, 2), 1, b"1\trs527590108\t0\t2e7\tG\tA")))
    n = "bim_duplicate_id"
    dup = replace_line(bim, 7, b"1\trs527590108" + b"\t".join([b""] + bim.split(b"\n")[6].split(b"\t")[2:]))
    ra = ref_case(n, bim="absent")
    write_gz(n, "ref.bim", dup)
    row(n, 0, "ok-warned", "{bad}/%s/ref.bim" % n,
        "duplicate ID in 1 row: rs527590108 (line 7) -> rs527590108_7", ra)

    # ---- other inputs, output, options ---------------------------------------------------------
    n = "list_missing"
    row(n, 1, "Open", "{bad}/list_missing/probes.list", "No such file",
        BASE + " --extract-probe {bad}/list_missing/probes.list")
    case_dir(n)
    n = "keep_bad_row"
    write(n, "keep.txt", b"HG00100 HG00100\nNA06985\n")
    row(n, 1, "Parse", "{bad}/%s/keep.txt" % n, "line 2: expected two columns (FID IID), found 1",
        BASE + " --keep {bad}/%s/keep.txt" % n)
    n = "out_nonexistent_dir"
    row(n, 1, "OutputDir", "/nonexistent-dir-fastsmr", "cannot write to the output directory",
        BASE + " --out /nonexistent-dir-fastsmr/out")
    n = "usage_bad_value"
    row(n, 2, "Config", "", "--peqtl-smr must be in [0, 1], got 2", BASE + " --peqtl-smr 2")
    n = "usage_cis_wind_overflow"
    row(n, 2, "Config", "", "--cis-wind 9223372036854775807 kb is larger than any chromosome",
        BASE + " --cis-wind 9223372036854775807")
    n = "peqtl_heidi_one"  # the HEIDI threshold search never ended for p = 1 (found in the audit)
    row(n, 0, "ok", "", "", BASE + " --peqtl-heidi 1")
    n = "usage_missing_required"
    row(n, 2, "Config", "", "--gwas-summary is required", "--bfile {good}/ref/ref --beqtl-summary {good}/eqtl/eqtl")
    n = "usage_not_a_number"
    row(n, 2, "Usage", "", "invalid value 'abc' for '--maf", BASE + " --maf abc")
    n = "heidi_off_without_bfile"  # the reference writes its .smr then segfaults (Q2); we exit 0
    row(n, 0, "ok", "", "", BASE.replace("--bfile {good}/ref/ref ", "") + " --heidi-off")

    n = "gwas_flist_bad_line"
    write(n, "traits.txt", b"height {good}/gwas/trait.ma\nbmi {good}/gwas/trait.ma extra\n")
    row(n, 1, "Parse", "{bad}/%s/traits.txt" % n, "line 2: expected two columns 'name path'",
        "--bfile {good}/ref/ref --beqtl-summary {good}/eqtl/eqtl --gwas-flist {bad}/%s/traits.txt" % n)
    n = "gwas_flist_missing"
    row(n, 1, "Open", "{bad}/%s/traits.txt" % n, "No such file",
        "--bfile {good}/ref/ref --beqtl-summary {good}/eqtl/eqtl --gwas-flist {bad}/%s/traits.txt" % n)
    case_dir(n)
    # eQTLGen-style tarballs without the expected members.
    member = "cis-eQTLs-full_eQTLGen_AF_incl_nr_formatted_20191212.new.txt_besd-dense.%s.gz"
    n = "tarball_no_besd"
    write_tar_gz(n, "eqtl.tar.gz", [(member % "esi", good("eqtl/eqtl.esi")),
                                    (member % "epi", good("eqtl/eqtl.epi"))])
    row(n, 1, "Format", "{bad}/%s/eqtl.tar.gz" % n, "this archive has no .besd (or .besd.gz) file; it holds:",
        BASE.replace("{good}/eqtl/eqtl", "{bad}/%s/eqtl.tar.gz" % n))
    n = "tarball_duplicate_esi"
    write_tar_gz(n, "eqtl.tar.gz", [(member % "besd", good("eqtl/eqtl.besd")),
                                    (member % "esi", good("eqtl/eqtl.esi")),
                                    ("copy_" + member % "esi", good("eqtl/eqtl.esi")),
                                    (member % "epi", good("eqtl/eqtl.epi"))])
    row(n, 1, "Format", "{bad}/%s/eqtl.tar.gz" % n, "this archive has 2 .esi files",
        BASE.replace("{good}/eqtl/eqtl", "{bad}/%s/eqtl.tar.gz" % n))
    n = "tarball_not_a_tar"
    write_gz(n, "eqtl.tar.gz", b"this is not a tar archive\n" * 40)
    row(n, 1, "Format", "{bad}/%s/eqtl.tar.gz" % n, "not a readable tar archive",
        BASE.replace("{good}/eqtl/eqtl", "{bad}/%s/eqtl.tar.gz" % n))


    # ---- issue 10: hostile inputs and output safety ------------------------------------------
    n = "besd_gz_huge_count"  # a tiny gzip whose header claims 2^40 values: no 8 TB allocation
    cols = [0] + [0, 0] * (N_PROBES - 1) + [2 ** 39, 2 ** 40]
    huge = header(3) + struct.pack("<Q", 2 ** 40) + b"".join(struct.pack("<Q", c) for c in cols)
    eq = eqtl_case(n, besd="absent")
    write_gz(n, "eqtl.besd", huge)
    row(n, 1, "Format", "{bad}/%s/eqtl.besd" % n, "truncated: the stream ends at byte offset 400 inside probe index 19's row ids", eq)
    long_line = b"rs1\t" + b"A" * (2 << 20)
    n = "ma_long_line_gz"  # a gzip that inflates to a 2 MiB line: stopped at the 1 MiB cap
    row(n, 1, "Parse", "{bad}/%s/trait.ma.gz" % n, "line 3: the line is longer than 1048576 bytes",
        ma_case(n, replace_line(head(ma, 5), 3, long_line), gz=True, fname="trait.ma.gz"))
    n = "fam_long_line"  # gzipped (detected by content, whatever the name)
    ra = ref_case(n, fam="absent")
    write_gz(n, "ref.fam", replace_line(fam, 2, long_line))
    row(n, 1, "Parse", "{bad}/%s/ref.fam" % n, "line 2: the line is longer than 1048576 bytes", ra)
    n = "list_long_line_gz"
    eq = BASE + " --extract-probe {bad}/%s/probes.list.gz" % n
    write_gz(n, "probes.list.gz", b"ENSG1\n" + long_line + b"\n")
    row(n, 1, "Parse", "{bad}/%s/probes.list.gz" % n, "line 2: the line is longer than 1048576 bytes", eq)
    n = "ma_bom_comma_header"  # BOM, a leading blank, commas: read like the tab-separated file
    body = b"\xef\xbb\xbf " + ma.replace(b"\t", b",")
    row(n, 0, "ok-same", "{bad}/%s/trait.ma" % n, "", ma_case(n, body))
    n = "ma_tab_space_header"  # tabs and spaces mixed in the header and the rows
    row(n, 0, "ok-same", "{bad}/%s/trait.ma" % n, "", ma_case(n, ma.replace(b"\t", b" \t", 3)))
    n = "ma_nonfinite_results"  # b/se overflow: flagged, never inf/nan in the .smr
    lines = ma.split(b"\n")
    f2 = lines[1].split(b"\t"); f2[4] = b"1e300"; f2[5] = b"1e-10"; lines[1] = b"\t".join(f2)
    f3 = lines[2].split(b"\t"); f3[5] = b"1e308"; lines[2] = b"\t".join(f3)
    f4 = lines[3].split(b"\t"); f4[3] = b"-0.5"; lines[3] = b"\t".join(f4)
    row(n, 0, "ok-warned", "{bad}/%s/trait.ma" % n,
        "b, se or b/se beyond 1e150 (the test would overflow) in 2 rows|freq outside [0,1] in 1 row",
        ma_case(n, b"\n".join(lines)))
    n = "esi_freq_negative"
    row(n, 1, "Parse", "{bad}/%s/eqtl.esi" % n, "line 2: column freq: expected a frequency from 0 to 1 (or NA, or -9 for missing), found '-0.5'",
        eqtl_case(n, esi=replace_line(head(esi, 3), 2, b"1\trs226624673\t0\t20006077\tC\tA\t-0.5")))
    n = "besd_duplicate_snp"  # the reference silently uses the second copy
    row(n, 1, "Format", "{bad}/%s/eqtl.besd" % n, "probe index 5 (.epi row 6) stores SNP row id 10 (.esi row 11) twice",
        eqtl_case(n, besd=sparse({5: [(10, 0.5, 0.01), (3, 0.2, 0.02), (10, 0.9, 0.01)]})))
    n = "besd_given_with_extension"  # --beqtl-summary prefix.besd means the prefix
    row(n, 0, "ok-same", "", "", BASE.replace("{good}/eqtl/eqtl", "{good}/eqtl/eqtl.besd"))
    n = "usage_thread_num_huge"
    row(n, 2, "Config", "", "--thread-num 100000 is more than the 1024 threads", BASE + " --thread-num 100000")
    n = "usage_out_trailing_slash"
    row(n, 2, "Config", "", "is not a file prefix", BASE + " --out {bad}/%s/" % n)
    case_dir(n)
    n = "out_is_input"  # --out would overwrite the GWAS file: refused before any work
    write(n, "x.smr", ma)
    row(n, 2, "Config", "", "is the input",
        BASE.replace("{good}/gwas/trait.ma", "{bad}/%s/x.smr" % n) + " --out {bad}/%s/x" % n)
    n = "tarball_links_and_control_chars"  # listing shows every member, names escaped
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for mname, data in [("x.esi", good("eqtl/eqtl.esi")), ("x.epi", good("eqtl/eqtl.epi")),
                            ("red\x1b[31m.txt", b"hi\n")]:
            info = tarfile.TarInfo(mname); info.size = len(data); info.mtime = 0; info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for mname, kind in [("x.besd", tarfile.SYMTYPE), ("hard.besd", tarfile.LNKTYPE), ("pipe", tarfile.FIFOTYPE)]:
            info = tarfile.TarInfo(mname); info.type = kind; info.mtime = 0; info.mode = 0o644
            if kind != tarfile.FIFOTYPE:
                info.linkname = "x.esi"
            tar.addfile(info)
    write(n, "eqtl.tar", buf.getvalue())
    row(n, 1, "Format", "{bad}/%s/eqtl.tar" % n,
        "this archive has no .besd (or .besd.gz) file; it holds: x.esi, x.epi, red\\u{1b}[31m.txt, x.besd (symbolic link), hard.besd (hard link), pipe (FIFO)",
        BASE.replace("{good}/eqtl/eqtl", "{bad}/%s/eqtl.tar" % n))

    with open(os.path.join(HERE, "index.tsv"), "w") as out:
        out.write("# Bad-input specimens: one run of the binary per row (tests/corpus.rs); made by make_corpus.py.\n")
        out.write("# {good} = tests/data/tiny-seed1, {bad} = tests/data/bad; --out <tempdir>/out is appended.\n")
        out.write("# kind: the Error variant (Open Read Parse Format OutputDir Config Analysis), Usage (clap),\n")
        out.write("#   ok (exit 0), ok-warned (exit 0 and the log contains the fragment), ok-same (exit 0 and\n")
        out.write("#   out.smr identical to the run on the good files).\n")
        out.write("# file: must appear in stderr (the offending file); fragment: must appear in stderr (several: separated by |).\n")
        out.write("case\texit\tkind\tfile\tfragment\targs\n")
        for r in ROWS:
            out.write("\t".join(r) + "\n")


if __name__ == "__main__":
    build()
    print("%d cases" % len(ROWS))
