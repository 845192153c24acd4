#!/bin/bash
# bench/text/run.sh [BUILD_DIR] [MB] -- text stage throughput on one core,
# with the regex baseline of the Kiwi/Kss benchmarks as the peer, and the
# split quality (NF1) of both on the labelled sets. Not a test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
mb=${2:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --build "$build" --target bench_text_split >/dev/null
/usr/bin/python3 "$here/make_corpus.py" "$tmp/corpus.txt" "$mb"
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
ours=$($pin "$build/bench/bench_text_split" "$tmp/corpus.txt" --repeat 3)
peer=$($pin /usr/bin/python3 "$here/regex_peer.py" "$tmp/corpus.txt")
echo "$ours"
echo "$peer"
o=$(echo "$ours" | awk -F'\t' '/^malmoi split/{for(i=1;i<=NF;i++) if($i ~ /^MB\/s/){split($i,a," "); print a[2]}}')
p=$(echo "$peer" | awk -F'\t' '{for(i=1;i<=NF;i++) if($i ~ /^MB\/s/){split($i,a," "); print a[2]}}')
echo "speed ratio malmoi/regex: $(awk -v o="$o" -v p="$p" 'BEGIN{printf "%.2f", o/p}')"
if [ -x "$build/malmoi" ] && "$build/malmoi" sentences --help >/dev/null 2>&1; then
  echo "split quality (NF1), malmoi:"
  "$build/malmoi" sentences --gold "$src"/tests/data/text/kiwipiepy/*.txt | grep -E '^(pooled|average)' | sed 's/^/  kiwipiepy /'
  "$build/malmoi" sentences --gold "$src"/tests/data/text/kss/*.txt | grep -E '^(pooled|average)' | sed 's/^/  kss /'
  echo "  (regex baseline published: kiwipiepy pooled NF1 0.62247, kss average 0.56108; Kiwi 0.21.0 0.88193, Kss 4.2.0 mecab 0.85129)"
fi
