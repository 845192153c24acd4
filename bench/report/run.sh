#!/bin/bash
# bench/report/run.sh [SENTENCES] -- `malmoi report` wall time and peak RSS
# on a database of at least SENTENCES sentences (default 1000000), made by
# malmoi itself: real Korean text (bench/export/make_corpus.py) imported as
# BERT text, split and encoded with KoBERT (`malmoi run --no-crawl`), its
# documents then spread over 16 site names. The same report on a database a
# tenth the size shows whether memory grows with the corpus. The peer, in
# the same run: the sqlite3 shell running the hand-written queries the page
# replaces (peer.sql: totals, per-site counts, reasons, histograms, [UNK]
# per site with json_each).
#   MALMOI=path/to/malmoi (default build/malmoi)   BENCH_DIR=folder to keep
# Target (issue 16): at most 30 s for a million sentences.
set -euo pipefail
SENTENCES=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MALMOI=${MALMOI:-$ROOT/build/malmoi}
W=${BENCH_DIR:-$(mktemp -d /tmp/report-bench.XXXXXX)}
mkdir -p "$W"
CONFIG=$ROOT/config/malmoi.ini

timed() {
    local log=$1
    shift
    /usr/bin/time -v "$@" > "$log.out" 2> "$log" || { cat "$log"; exit 1; }
    RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    CPU=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$log")
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
}

# A database of at least N sentences in $W/DB (kept between runs).
make_db() {
    local n=$1 db=$2
    [ -f "$db" ] && return
    # kowiki-kss.txt gives 344 sentences per copy of 54.4 kB (make_corpus.py adds a line per document)
    local mb
    mb=$(awk -v n="$n" 'BEGIN { printf "%.2f", n / 344 * 54400 / 1e6 + 0.5 }')
    /usr/bin/python3 "$ROOT/bench/export/make_corpus.py" "$db.txt" "$mb"
    timed "$db.import.log" "$MALMOI" import --db "$db" --format bert-text "$db.txt"
    echo "  import ${WALL}s"
    timed "$db.run.log" "$MALMOI" run --db "$db" --config "$CONFIG" --no-crawl
    echo "  split and encode ${WALL}s, peak RSS ${RSS} kB"
    sqlite3 "$db" "UPDATE documents SET site = 'site' || (id % 16)"
    rm -f "$db.txt"
}

for size in $((SENTENCES / 10)) "$SENTENCES"; do
    DB=$W/db-$size
    echo "== database of $size sentences"
    make_db "$size" "$DB"
    sqlite3 "$DB" "SELECT count(*) || ' sentences, ' || (SELECT count(*) FROM examples) || ' examples, ' ||
        (SELECT count(*) FROM documents) || ' documents' FROM sentences" | sed 's/^/  /'
    echo "  file $(du -h "$DB" | cut -f1)"
    sync
    cat "$DB" > /dev/null # both sides read from the page cache
    timed "$W/report-$size.log" "$MALMOI" report --db "$DB" --config "$CONFIG" --out "$W/report-$size.html"
    M_WALL=$WALL
    M_RSS=$RSS
    M_CPU=$CPU
    echo "  malmoi report: ${WALL}s wall, ${CPU}s CPU, peak RSS ${RSS} kB, page $(stat -c %s "$W/report-$size.html") bytes"
    timed "$W/peer-$size.log" sqlite3 "$DB" < "$HERE/peer.sql"
    echo "  peer (sqlite3 shell, peer.sql): ${WALL}s wall, ${CPU}s CPU, peak RSS ${RSS} kB"
    echo "  ratio: peer / malmoi = $(awk -v a="$WALL" -v b="$M_WALL" 'BEGIN { printf "%.2f", a / b }')x wall," \
        "$(awk -v a="$CPU" -v b="$M_CPU" 'BEGIN { printf "%.2f", a / b }')x CPU"
done
echo "(work folder: $W)"
