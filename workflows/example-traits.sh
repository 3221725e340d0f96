# make_traits SRC DEST_PREFIX N: N trait files DEST_PREFIX.t<i>.ma made from the .ma SRC
# (t0 unchanged; the others drop a few percent of the rows, t2 and later also swap the
# alleles, frequency and sign of b on every 13th row, so that no two traits share a SNP set),
# and the --gwas-flist DEST_PREFIX.list naming them t0..t<N-1>. Sourced by the workflow tests.
make_traits() { # SRC DEST_PREFIX N -> N trait files and DEST_PREFIX.list
  local src=$1 dest=$2 n=$3
  : > "$dest.list"
  for t in $(seq 0 $((n - 1))); do
    awk -v t="$t" 'NR == 1 { print; next }
      t == 0 { print; next }
      (NR % (7 + 6 * t)) == 3 { next }
      t >= 2 && (NR % 13) == 0 { x = $2; $2 = $3; $3 = x; $4 = 1 - $4; $5 = -$5; print; next }
      { print }' "$src" > "$dest.t$t.ma"
    echo "t$t $dest.t$t.ma" >> "$dest.list"
  done
}
