#!/usr/bin/env python3
"""Write the seeds of the `tables` and `tarball` fuzz targets (fuzz/seeds/{tables,tarball}/)
from the `besd` seeds (3 SNPs, 2 probes) and three lines of the tiny fixture's tables.
Deterministic (tar mtimes 0, gzip mtime 0): re-running gives the same bytes."""
import gzip, io, os, tarfile

here = os.path.dirname(os.path.abspath(__file__))
seeds = os.path.join(here, "seeds")
ESI = (b"1\trs527590108\t0\t20001970\tA\tG\t0.892895\n"
       b"1\trs226624673\t0\t20006077\tC\tA\t0.862091\n"
       b"1\trs925659175\t0\t20007935\tC\tT\t0.589903\n")
EPI = (b"1\tENSG00058880247\t0\t20005497\tDDKGA\t-\n"
       b"1\tENSG00034789397\t0\t20050556\tGBXHK\t+\n")
BIM = (b"1\trs527590108\t0\t20001970\tG\tA\n"
       b"1\trs226624673\t0\t20006077\tA\tC\n"
       b"1\trs925659175\t0\t20007935\tT\tC\n")
FAM = (b"HG00100\tHG00100\t0\t0\t2\t-9\n"
       b"NA06985 NA06985 0 0 1 -9\n"
       b"HG00102\tHG00102\t0\t0\t1\t1.5\n")


def gz(b):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(b)
    return out.getvalue()


def tar(members, links=()):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            i = tarfile.TarInfo(name)
            i.size, i.mtime, i.mode = len(data), 0, 0o644
            t.addfile(i, io.BytesIO(data))
        for name, target in links:
            i = tarfile.TarInfo(name)
            i.type, i.linkname, i.mtime = tarfile.SYMTYPE, target, 0
            t.addfile(i)
    b = out.getvalue()
    # Drop the padding to tarfile's 10 kB record: the data, then the two zero end blocks.
    end = len(b.rstrip(b"\0"))
    return b[:(end + 511) // 512 * 512 + 1024]


def write(d, name, data):
    os.makedirs(os.path.join(seeds, d), exist_ok=True)
    with open(os.path.join(seeds, d, name), "wb") as f:
        f.write(data)


for name, data in [("esi", ESI), ("epi", EPI), ("bim", BIM), ("fam", FAM)]:
    write("tables", name, data)

# The besd seeds start with 3 bytes of counts (3 SNPs, 2 probes); the file follows.
sparse = open(os.path.join(seeds, "besd", "sparse3"), "rb").read()[3:]
dense = open(os.path.join(seeds, "besd", "dense5"), "rb").read()[3:]
write("tarball", "plain", tar([("x.besd", sparse), ("x.esi", ESI), ("x.epi", EPI)]))
write("tarball", "gzipped", gz(tar([("x.epi", EPI), ("x.esi", ESI), ("x.besd", dense)])))
eqtlgen = "cis-eQTLs_besd-dense"
write("tarball", "eqtlgen_like", gz(tar([
    (eqtlgen + ".besd.gz", gz(dense)), (eqtlgen + ".esi.gz", gz(ESI)),
    (eqtlgen + ".epi.gz", gz(EPI))])))
write("tarball", "symlink_and_dir", tar(
    [("d/x.esi", ESI), ("d/x.epi", EPI), ("d/x.besd", sparse)], links=[("d/y.besd", "x.besd")]))
