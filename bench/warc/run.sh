#!/bin/bash
# bench/warc/run.sh -- pages per CPU-second of `malmoi import --format warc`
# against the crawl's own extract-and-store path, in the same run, on the
# same pages: HOSTS local sites of PAGES real Korean news pages each
# (bench/crawl/gen_site.py, nginx from Debian) are crawled twice, once with
# extraction (`malmoi crawl --warc`, which also writes the WARC) and once
# with --no-extract; the difference in CPU is what extracting and storing
# the pages cost the crawl. The import then reads the crawl's WARC (a gzip
# member per record, as Common Crawl writes them) into a fresh database.
# CPU and peak RSS by GNU time; three rounds, the median reported.
#   bench/warc/run.sh [BUILD_DIR]      env: HOSTS=2 PAGES=400
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-$ROOT/build}}
MALMOI=$BUILD/malmoi
HOSTS=${HOSTS:-2}; PAGES=${PAGES:-400}
[ -x "$MALMOI" ] || { echo "no $MALMOI: cmake --build $BUILD --target malmoi" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "apt-get install time" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "apt-get install nginx" >&2; exit 1; }
W=$(mktemp -d); chmod 755 "$W"
cleanup() { [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$ROOT/bench/crawl/gen_site.py" "$W/site" "$HOSTS" "$PAGES" "$PORT"
. "$ROOT/bench/nginx.sh"
bench_nginx_start "$W" "$HOSTS" "$PORT" "access_log off;"
{ echo "[crawler]"; echo "idle_wait = 1"; echo "max_connections = 16"
  for h in $(seq 0 $((HOSTS - 1))); do
    echo "[site h$h]"; echo "hosts = 127.0.0.$((h + 2))"; echo "sitemap = http://127.0.0.$((h + 2)):$PORT/sitemap.xml"
  done; } > "$W/b.ini"
UA="malmoi-bench/0.1 (+http://127.0.0.1/)"
timed() { # name command...
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$W/t" "$@" 2> "$W/$name.log" || { cat "$W/$name.log"; exit 1; }
  echo "$name $(tail -n 1 "$W/t")" >> "$W/results"
}
for round in 1 2 3; do
  rm -rf "$W"/*.db* "$W/warc"; mkdir "$W/warc"
  timed crawl "$MALMOI" crawl --db "$W/c.db" --config "$W/b.ini" --user-agent "$UA" --delay 0 --per-host 8 --warc "$W/warc"
  timed crawl_noextract "$MALMOI" crawl --db "$W/n.db" --config "$W/b.ini" --user-agent "$UA" --delay 0 --per-host 8 --no-extract
  timed import "$MALMOI" import --db "$W/i.db" --config "$W/b.ini" --no-process --format warc "$W"/warc/*.warc.gz
done
crawled=$(sqlite3 "$W/c.db" "SELECT count(*) FROM documents")
imported=$(sqlite3 "$W/i.db" "SELECT count(*) FROM documents")
same=$(sqlite3 "$W/i.db" "ATTACH '$W/c.db' AS c; SELECT count(*) FROM documents d JOIN c.documents e USING (content_hash)")
html=$(sqlite3 "$W/c.db" "SELECT count(*) FROM responses WHERE status = 200 AND content_type LIKE 'text/html%' AND final_url LIKE '%/p/%'")
warc_mb=$(du -cm "$W"/warc/*.warc.gz | tail -n 1 | cut -f1)
echo "warc bench: $HOSTS hosts x $PAGES real Korean news pages; $html HTML pages fetched, WARC $warc_mb MB (gzip per record)"
echo "documents: crawl $crawled, import $imported, the same text in both $same"
/usr/bin/python3 - "$W/results" "$html" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_, rss = line.split()
    runs.setdefault(name, []).append((float(wall), float(user) + float(sys_), float(rss) / 1024))
n = int(sys.argv[2])
med = {k: sorted(v, key=lambda r: r[1])[len(v) // 2] for k, v in runs.items()}  # median by CPU
for k, (wall, cpu, rss) in med.items():
    print(f"{k:16} wall {wall:6.2f} s  CPU {cpu:6.2f} s  {n / cpu:8.1f} pages/CPU-s  peak RSS {rss:6.1f} MB")
extract = med["crawl"][1] - med["crawl_noextract"][1]
imp = med["import"][1]
print(f"the crawl's extract-and-store path: {extract:.2f} CPU s = {n / max(extract, 1e-9):.1f} pages/CPU-s")
print(f"import --format warc / the crawl's extract-and-store, pages per CPU-second: "
      f"{(n / imp) / (n / max(extract, 1e-9)):.2f}x (target >= 1)")
print(f"import --format warc / the whole crawl, pages per CPU-second: {(n / imp) / (n / med['crawl'][1]):.2f}x")
PY
