#!/usr/bin/env bash
# Regenerate the figure gallery (docs/gallery/*.png) from the committed example data:
# the reference's .smr tables of the three fixtures and its --plot data file of tiny-seed1.
# usage: docs/gallery/make_gallery.sh [FASTSMR_BINARY]   (default: target/release/fastsmr)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/target/release/fastsmr}
d=$root/tests/data
out=$root/docs/gallery
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" genes \
  --smr tiny="$d/tiny-seed1/expected/default/out.smr" \
        small="$d/small-seed1/expected/default/out.smr" \
        trans="$d/trans-seed1/expected/default/out.smr" \
  --out "$tmp/example" 2>/dev/null
"$bin" plot --plot-file "$d/tiny-seed1/expected/plot/plot/out.ENSG00040394426.txt" \
  --out "$tmp/ENSG00040394426" 2>/dev/null
# The heatmap from three tables of the same eQTL data (so genes are shared across columns):
# the default run, the multi-SNP run and the run without HEIDI (every p_HEIDI NA).
"$bin" genes \
  --smr default="$d/small-seed1/expected/default/out.smr" \
        multi="$d/small-seed1/expected/multi/out.msmr" \
        heidi_off="$d/small-seed1/expected/heidi_off/out.smr" \
  --out "$tmp/shared" 2>/dev/null
for f in manhattan qq; do cp "$tmp/example.$f.png" "$out/$f.png"; done
cp "$tmp/shared.heatmap.png" "$out/heatmap.png"
for f in locus effect; do cp "$tmp/ENSG00040394426.$f.png" "$out/$f.png"; done
echo "gallery written to $out"
