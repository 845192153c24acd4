#!/bin/bash
# bench/crawl/run.sh -- crawl throughput of malmoi (fetch + robots + extract +
# SQLite, the real `malmoi crawl`) against Scrapy (Debian python3-scrapy, a
# CrawlSpider storing url, title, text) and wget2 (Debian wget2, fetch only),
# in the same run, on the same local multi-host site: HOSTS sites on
# 127.0.0.2.. (nginx from Debian, gzip on), PAGES real Korean news pages each,
# delay 0, PER_HOST connections per host. Pages are counted at the server
# (nginx's access log), CPU and peak RSS by GNU time. A second round compares
# fetching alone: malmoi --no-extract fed by sitemaps vs wget2 -i on the same
# URL list, three rounds each, the median reported. nginx compresses every
# page and needs more CPU than malmoi's fetching; client and server share
# the machine's cores. Load changes wall times: compare within one run.
# SHAPE=real builds the site from every real Korean UTF-8 page of the shared
# corpus instead (gen_real_site.py: news, Wikipedia, manuals, each page's own
# links pointed into the site, across hosts when HOSTS > 1); the issue's two
# shapes are HOSTS=1 PAGES=2000 and HOSTS=8 PAGES=250. malmoi runs with its
# extraction threads (one per core, or THREADS) and with --threads 1; CPU/wall
# says how many cores each kept busy. ROUNDS repeats the extracting crawls
# (medians reported); FETCH=0 leaves out wget2 and the fetch-only rounds.
# SERVER_GZIP=static serves pages compressed once beforehand (nginx gzip_static,
# the same bytes on the wire) instead of per request: the server's
# compression then stops taking the client's cores, as with a remote site.
#   bench/crawl/run.sh [BUILD_DIR]      env: HOSTS=4 PAGES=500 PER_HOST=8 SHAPE=news|real
#                                            CORPUS=/work/shared/corpus THREADS= ROUNDS=1 FETCH=1
#                                            SERVER_GZIP=dynamic|static
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-$ROOT/build}}
MALMOI=$BUILD/malmoi
HOSTS=${HOSTS:-4}; PAGES=${PAGES:-500}; PER_HOST=${PER_HOST:-8}
SHAPE=${SHAPE:-news}; CORPUS=${CORPUS:-/work/shared/corpus}; ROUNDS=${ROUNDS:-1}; FETCH=${FETCH:-1}
SERVER_GZIP=${SERVER_GZIP:-dynamic}
case "$SERVER_GZIP" in dynamic|static) ;; *) echo "SERVER_GZIP=dynamic or static, not '$SERVER_GZIP'" >&2; exit 1 ;; esac
THREAD_ARGS=(); [ -n "${THREADS:-}" ] && THREAD_ARGS=(--threads "$THREADS")
CONC=$((HOSTS * PER_HOST))
[ -x "$MALMOI" ] || { echo "no $MALMOI: cmake --build $BUILD --target malmoi" >&2; exit 1; }
command -v scrapy >/dev/null || { echo "apt-get install python3-scrapy" >&2; exit 1; }
command -v wget2 >/dev/null || { echo "apt-get install wget2" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "apt-get install time" >&2; exit 1; }
W=$(mktemp -d); chmod 755 "$W"
cleanup() { [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir: $W" >&2
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$SHAPE" = real ]; then
  [ -f "$CORPUS/MANIFEST.tsv" ] || { echo "SHAPE=real needs the shared corpus: CORPUS=DIR with MANIFEST.tsv" >&2; exit 1; }
  /usr/bin/python3 "$ROOT/bench/crawl/gen_real_site.py" "$W/site" "$HOSTS" "$PAGES" "$PORT" "$CORPUS"
else
  /usr/bin/python3 "$ROOT/bench/crawl/gen_site.py" "$W/site" "$HOSTS" "$PAGES" "$PORT"
fi
STATIC=""
if [ "$SERVER_GZIP" = static ]; then
  find "$W/site" -name '*.html' -print0 | xargs -0 -P "$(nproc)" -n 200 gzip -k -6
  STATIC=" gzip_static on;"
fi
. "$ROOT/bench/nginx.sh"
bench_nginx_start "$W" "$HOSTS" "$PORT" \
  "log_format b '\$msec \$host \$request_uri \$status'; access_log $W/access.log b; gzip on;$STATIC gzip_types text/plain;"
START=""
for h in $(seq 0 $((HOSTS - 1))); do START="$START http://127.0.0.$((h + 2)):$PORT/index.html"; done
served() { wc -l < "$W/access.log"; }
pages_since() { tail -n +"$(( $1 + 1 ))" "$W/access.log" | grep -c ' /p/[0-9]*\.html 200$' || true; }
report() { # name lines_before timefile
  local n; n=$(pages_since "$2")
  read -r wall user sys rss < <(tail -n 1 "$3")
  /usr/bin/python3 - "$1" "$n" "$wall" "$user" "$sys" "$rss" >> "$W/results" <<'PY'
import sys
name, n, wall, user, sys_, rss = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
cpu = user + sys_
print(f"{name} {n} {wall:.2f} {cpu:.2f} {rss/1024:.1f}")
PY
}

# malmoi: the real crawl, extraction into documents included, with its
# extraction threads and with --threads 1; then Scrapy. ROUNDS rounds, alternating.
cat > "$W/bench.ini" <<INI
[crawler]
max_depth = 1000
idle_wait = 1
max_connections = $CONC
INI
SEEDS=""; for u in $START; do SEEDS="$SEEDS --seed $u"; done
malmoi_crawl() { # name, extra args...
  local name=$1; shift
  rm -f "$W/m.db" "$W/m.db-wal" "$W/m.db-shm" "$W/m.db.lock"
  local n0; n0=$(served)
  /usr/bin/time -f "%e %U %S %M" -o "$W/t.$name" "$MALMOI" crawl --db "$W/m.db" --config "$W/bench.ini" \
    --user-agent "malmoi-bench/0.1 (+http://127.0.0.1/)" --delay 0 --per-host "$PER_HOST" "$@" $SEEDS 2> "$W/malmoi.log" || { cat "$W/malmoi.log"; exit 1; }
  report "$name" "$n0" "$W/t.$name"
  docs=$(sqlite3 "$W/m.db" "SELECT count(*) FROM documents")
}
for round in $(seq 1 "$ROUNDS"); do
  malmoi_crawl malmoi "${THREAD_ARGS[@]}"
  malmoi_crawl malmoi_1t --threads 1
  n0=$(served)
  rm -f "$W/scrapy.jsonl"
  ( cd "$W" && START="$START" OUT="$W/scrapy.jsonl" CONC=$CONC PER_HOST=$PER_HOST \
    /usr/bin/time -f "%e %U %S %M" -o "$W/t.scrapy" scrapy runspider "$ROOT/bench/crawl/scrapy_spider.py" 2> "$W/scrapy.log" ) || { tail "$W/scrapy.log"; exit 1; }
  report scrapy "$n0" "$W/t.scrapy"
  items=$(wc -l < "$W/scrapy.jsonl")
done

if [ "$FETCH" != 0 ]; then
# wget2: recursive (robots obeyed, links parsed, pages saved), same number of connections
n0=$(served)
( cd "$W" && /usr/bin/time -f "%e %U %S %M" -o "$W/t.wget2" wget2 -q -r -l inf --max-threads="$CONC" \
  --compression=gzip -P "$W/wget2" $START ) || true
report wget2 "$n0" "$W/t.wget2"

# Fetch only, same URL list: wget2 -i urls.txt against malmoi --no-extract fed
# by each host's sitemap.xml (raw responses kept in SQLite, nothing parsed).
{ echo "[crawler]"; echo "idle_wait = 1"; echo "max_connections = $CONC"
  for h in $(seq 0 $((HOSTS - 1))); do
    echo "[site h$h]"; echo "hosts = 127.0.0.$((h + 2))"; echo "sitemap = http://127.0.0.$((h + 2)):$PORT/sitemap.xml"
  done; } > "$W/fetch.ini"
# three rounds, alternating: the fetch-only runs last about a second, where
# the machine's other work shows; the median round of each is reported
for round in 1 2 3; do
  rm -rf "$W/f.db" "$W/f.db-wal" "$W/f.db-shm" "$W/f.db.lock" "$W/wget2f"
  n0=$(served)
  /usr/bin/time -f "%e %U %S %M" -o "$W/t.malmoi_fetch" "$MALMOI" crawl --db "$W/f.db" --config "$W/fetch.ini" --no-extract \
    --user-agent "malmoi-bench/0.1 (+http://127.0.0.1/)" --delay 0 --per-host "$PER_HOST" 2> "$W/malmoi_fetch.log" || { cat "$W/malmoi_fetch.log"; exit 1; }
  report malmoi_fetch "$n0" "$W/t.malmoi_fetch"
  n0=$(served)
  ( cd "$W" && /usr/bin/time -f "%e %U %S %M" -o "$W/t.wget2_fetch" wget2 -q --max-threads="$CONC" --compression=gzip \
    --robots=on -P "$W/wget2f" -i "$W/site/urls.txt" ) || true
  report wget2_fetch "$n0" "$W/t.wget2_fetch"
done
fi

echo "crawl bench: $SHAPE pages, $HOSTS hosts x $PAGES pages (gzip $SERVER_GZIP), delay 0, $PER_HOST per host, $CONC connections, $ROUNDS round(s), $(nproc) cores"
echo "malmoi documents: $docs; scrapy items: $items"
/usr/bin/python3 - "$W/results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, n, wall, cpu, rss = line.split()
    runs.setdefault(name, []).append((int(n), float(wall), float(cpu), float(rss)))
med = statistics.median
# per tool: the median over rounds of each measure; peak RSS the largest
rows = {name: dict(n=med(x[0] for x in r), pps=med(x[0] / x[1] for x in r), ppc=med(x[0] / max(x[2], 1e-9) for x in r),
                   busy=med(x[2] / x[1] for x in r), wall=med(x[1] for x in r), cpu=med(x[2] for x in r),
                   rss=max(x[3] for x in r))
        for name, r in runs.items()}
print(f"{'tool':12} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'CPU s':>7} {'CPU/wall':>8} {'pages/CPU-s':>12} {'peak RSS MB':>12}")
for name, r in rows.items():
    print(f"{name:12} {r['n']:6.0f} {r['wall']:7.2f} {r['pps']:8.1f} {r['cpu']:7.2f} {r['busy']:8.2f} {r['ppc']:12.1f} {r['rss']:12.1f}")
m, m1, s = rows["malmoi"], rows["malmoi_1t"], rows["scrapy"]
ratios = [(a[0] / a[2]) / (b[0] / b[2]) for a, b in zip(runs["malmoi"], runs["scrapy"])]
print(f"malmoi / scrapy pages per CPU-second: {med(ratios):.1f}x (median of {len(ratios)} rounds: "
      f"{', '.join(f'{x:.1f}' for x in ratios)}; target >= 10x)")
ratios1 = [(a[0] / a[2]) / (b[0] / b[2]) for a, b in zip(runs["malmoi_1t"], runs["scrapy"])]
print(f"malmoi --threads 1 / scrapy pages per CPU-second: {med(ratios1):.1f}x")
print(f"malmoi / scrapy pages/s:              {m['pps'] / s['pps']:.1f}x")
print(f"extraction threads: CPU/wall {m['busy']:.2f} vs {m1['busy']:.2f} with --threads 1 (target >= 1.5 on 2 cores), "
      f"pages/s {m['pps'] / m1['pps']:.2f}x")
if "wget2" in rows:
    w, mf, wf = rows["wget2"], rows["malmoi_fetch"], rows["wget2_fetch"]
    print(f"malmoi (extracting) / wget2 (recursive, saving) pages/s: {m['pps'] / w['pps']:.2f}x")
    print(f"fetch only, same URL list: malmoi --no-extract / wget2 -i pages/s: {mf['pps'] / wf['pps']:.2f}x (target > 1)")
    print(f"fetch only: malmoi / wget2 pages per CPU-second: {mf['ppc'] / wf['ppc']:.2f}x")
PY
