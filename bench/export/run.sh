#!/bin/bash
# bench/export/run.sh [MB] -- `malmoi export` throughput (instances/s) and
# peak memory on a BERT-text corpus of at least MB megabytes (default 100)
# made from real Korean text, and the reference peer (google-research/bert's
# create_pretraining_data instance creation in Python, bert_reference.py)
# on the same stored ids, in the same run.
#   MALMOI=path/to/malmoi  (default build/malmoi)   DUPE=N (default 1)
#   PEER_DOCS=N documents for the peer (default 4000)   BENCH_DIR=folder to keep
set -euo pipefail
MB=${1:-100}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MALMOI=${MALMOI:-$ROOT/build/malmoi}
DUPE=${DUPE:-1}
PEER_DOCS=${PEER_DOCS:-4000}
W=${BENCH_DIR:-$(mktemp -d /tmp/export-bench.XXXXXX)}
mkdir -p "$W"
TOKENIZER=${TOKENIZER:-$ROOT/config/models/kobert/spiece.model}

# Peak RSS (kB) and wall seconds of a command, from GNU time.
timed() {
    local log=$1
    shift
    /usr/bin/time -v "$@" > "$log.out" 2> "$log" || { cat "$log"; exit 1; }
    RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
        awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
}

echo "== corpus"
[ -f "$W/corpus.txt" ] || /usr/bin/python3 "$HERE/make_corpus.py" "$W/corpus.txt" "$MB"
BYTES=$(stat -c %s "$W/corpus.txt")
if [ ! -f "$W/db" ]; then
    timed "$W/import.log" "$MALMOI" import --db "$W/db" --format bert-text "$W/corpus.txt"
    echo "import: $BYTES bytes in ${WALL}s, peak RSS ${RSS} kB"
fi

echo "== malmoi export (first run: sentence rows and encoding, then shards)"
timed "$W/export1.log" "$MALMOI" export --db "$W/db" --out "$W/out" --tokenizer "$TOKENIZER" --dupe-factor "$DUPE"
grep -E "encoded|instances" "$W/export1.log" | sed 's/^/  /'
echo "  total ${WALL}s, peak RSS ${RSS} kB"

echo "== malmoi export (second run: shards only, everything encoded)"
timed "$W/export2.log" "$MALMOI" export --db "$W/db" --out "$W/out" --tokenizer "$TOKENIZER" --dupe-factor "$DUPE"
INST=$(/usr/bin/python3 -c "import json,sys; m=json.load(open('$W/out/manifest.json')); s=m['splits']; print(s['train']['instances']+s['validation']['instances'])")
TOK=$(/usr/bin/python3 -c "import json; m=json.load(open('$W/out/manifest.json')); print(m['tokenizer']['key'])")
OUTB=$(du -sb "$W/out" | cut -f1)
M_RATE=$(awk -v n="$INST" -v t="$WALL" 'BEGIN { printf "%.0f", n / t }')
M_RSS=$RSS
echo "  $INST instances in ${WALL}s = $M_RATE instances/s, $(awk -v b="$BYTES" -v t="$WALL" 'BEGIN { printf "%.1f", b / t / 1e6 }') MB of text/s, peak RSS ${RSS} kB, output $OUTB bytes"
echo "  output hash: $(sha256sum "$W/out/train-00000.tfrecord" | cut -c1-16) (train-00000.tfrecord)"

echo "== peer: bert_reference.py (create_pretraining_data in Python) on $PEER_DOCS documents, dupe factor $DUPE"
timed "$W/peer.log" /usr/bin/python3 "$HERE/bert_reference.py" "$W/db" "$TOK" "$PEER_DOCS" "$DUPE"
read -r P_INST P_SEC P_SENT < "$W/peer.log.out"
P_RATE=$(awk -v n="$P_INST" -v t="$P_SEC" 'BEGIN { printf "%.0f", n / t }')
echo "  $P_INST instances in ${P_SEC}s (instance creation only) = $P_RATE instances/s, peak RSS ${RSS} kB for $P_SENT sentences"
echo "== ratio: malmoi $M_RATE / peer $P_RATE instances/s = $(awk -v a="$M_RATE" -v b="$P_RATE" 'BEGIN { printf "%.1f", a / b }')x"
echo "(work folder: $W)"
