#!/bin/bash
# bench/warc/cost.sh -- what one `malmoi import --format warc` task costs
# per GB of Common Crawl-shaped WARC (bench/warc/make_cc.py: request,
# response and metadata records, a gzip member each): CPU seconds and peak
# RSS (GNU time) for a file with Common Crawl's own Korean share (1%) and
# for one of Korean pages only (what the columnar index selects), then the
# processing the Slurm task runs after the import (split, filter, encode).
#   bench/warc/cost.sh [BUILD_DIR]      env: MB=100 (size of each file)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-$ROOT/build}}
MALMOI=$BUILD/malmoi
MB=${MB:-100}
[ -x "$MALMOI" ] || { echo "no $MALMOI" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "apt-get install time" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for share in 0.01 1.0; do
    /usr/bin/python3 "$ROOT/bench/warc/make_cc.py" "$W/cc.warc.gz" "$MB" "$share" 2> "$W/gen.log"
    rm -f "$W"/cc.db*
    /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$MALMOI" import --db "$W/cc.db" --no-process --format warc "$W/cc.warc.gz" 2> "$W/imp.log"
    read -r wall user sys rss < "$W/t"
    bytes=$(stat -c %s "$W/cc.warc.gz")
    docs=$(sqlite3 "$W/cc.db" "SELECT count(*) FROM documents")
    /usr/bin/python3 -c "
import sys
wall, user, sys_, rss, b = map(float, sys.argv[1:6])
gb = b / 1e9
print(f'Korean share {sys.argv[6]:>4}: {b / 1e6:.0f} MB, {sys.argv[7]} documents, CPU {user + sys_:.1f} s '
      f'= {(user + sys_) / gb:.0f} CPU s per GB, wall {wall:.1f} s, peak RSS {rss / 1024:.0f} MB')
" "$wall" "$user" "$sys" "$rss" "$bytes" "$share" "$docs"
    tail -n 1 "$W/imp.log"
    # the rest of the task: split, filter, encode (import does it unless --no-process; no embedding model here)
    /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$MALMOI" run --db "$W/cc.db" --no-crawl 2> "$W/run.log"
    read -r wall user sys rss < "$W/t"
    /usr/bin/python3 -c "
import sys
wall, user, sys_, rss, b = map(float, sys.argv[1:6])
print(f'  then run --no-crawl: CPU {user + sys_:.1f} s = {(user + sys_) / (b / 1e9):.0f} CPU s per GB of WARC, '
      f'peak RSS {rss / 1024:.0f} MB')
" "$wall" "$user" "$sys" "$rss" "$bytes"
done
