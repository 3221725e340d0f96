#!/usr/bin/env bash
# Load PREFIX.report.html of `fastsmr genes` in headless Debian chromium: no console message
# (errors, failed loads) allowed, the sortable table must sort, and a screenshot is written.
#
# usage: tests/report_browser.sh FASTSMR_BINARY WORKDIR
# Needs chromium (Debian: apt-get update && apt-get install -y chromium); exits 77 when absent.
set -euo pipefail
bin=${1:?fastsmr binary}
work=${2:?work directory}
here=$(cd "$(dirname "$0")" && pwd)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "report_browser.sh: chromium not installed; skipped"
  exit 77
fi
mkdir -p "$work"
d="$here/data"
"$bin" genes \
  --smr tiny="$d/tiny-seed1/expected/default/out.smr" \
        small="$d/small-seed1/expected/default/out.smr" \
        trans="$d/trans-seed1/expected/default/out.smr" \
  --out "$work/rep" 2>"$work/genes.log"
report="$work/rep.report.html"
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
# 1. Load and screenshot; every console message of the page is logged as CONSOLE.
"$browser" "${flags[@]}" --virtual-time-budget=5000 --window-size=1280,2200 --screenshot="$work/report.png" \
  "file://$report" 2>"$work/chromium.log" >/dev/null || true
if [ ! -s "$work/report.png" ]; then
  echo "report_browser.sh: no screenshot written"; cat "$work/chromium.log"; exit 1
fi
if grep -E 'CONSOLE|Uncaught|net::ERR' "$work/chromium.log"; then
  echo "report_browser.sh: console messages while loading $report"; exit 1
fi
# 2. The table sorts: click the p_SMR header twice (descending) in a copy of the report, then
#    check in the page that the column's values are non-increasing over every row.
sorted="$work/rep.sorted.html"
js='var h=document.querySelectorAll("#genes th")[7];h.click();h.click();'
js+='var r=document.querySelectorAll("#genes tbody tr"),ok=r.length>1;'
js+='for(var i=1;i<r.length;i++){if(parseFloat(r[i-1].cells[7].getAttribute("data-v"))<parseFloat(r[i].cells[7].getAttribute("data-v")))ok=false;}'
js+='document.title="sorted:"+ok+":"+r.length+":"+r[0].cells[7].textContent;'
python3 - "$report" "$sorted" "$js" <<'PY'
import sys
src, dst, js = sys.argv[1:4]
html = open(src, encoding="utf-8").read()
open(dst, "w", encoding="utf-8").write(html.replace("</body></html>", "<script>" + js + "</script></body></html>"))
PY
"$browser" "${flags[@]}" --virtual-time-budget=5000 --dump-dom "file://$sorted" 2>"$work/chromium2.log" >"$work/dom.html" || true
if grep -E 'CONSOLE|Uncaught' "$work/chromium2.log"; then
  echo "report_browser.sh: console messages while sorting"; exit 1
fi
title=$(grep -o '<title>sorted:[^<]*' "$work/dom.html" | sed 's/<title>//' || true)
echo "report_browser.sh: after a descending sort on p_SMR: $title"
case "$title" in
  sorted:true:*) ;;
  *) echo "report_browser.sh: the table did not sort"; exit 1 ;;
esac
echo "report_browser.sh: ok (screenshot $work/report.png)"
