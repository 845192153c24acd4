#!/bin/bash
# bench/text/resplit.sh [BUILD_DIR] [MB] -- the cost of re-splitting a corpus
# (`reprocess --from split` over documents that already have sentences)
# against its first split. Re-splitting deletes every sentence, and many
# are duplicate_of targets of others: without an index on each foreign key
# (schema version 3) every deleted row scanned its child table, and the
# ratio grew with the corpus. Prints the ratio re-split/first split, then
# the same with the version-3 indexes dropped, for comparison. Not a test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
mb=${2:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
m=$build/malmoi
/usr/bin/python3 "$here/make_corpus.py" "$tmp/corpus.txt" "$mb" >/dev/null
# Each paragraph three times, each copy its own document (a distinct last
# sentence), so two thirds of the sentences are duplicate_of the first copy.
/usr/bin/python3 - "$tmp/corpus.txt" "$tmp/corpus.jsonl" <<'PY'
import json, sys
paras = [l for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if l.strip()]
paras = list(dict.fromkeys(paras))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for copy in range(3):
        for i, p in enumerate(paras):
            f.write(json.dumps({"text": p + "\n사본 %d의 %d번째 문서입니다." % (copy, i)}, ensure_ascii=False) + "\n")
PY
cd "$src"
"$m" init --db "$tmp/c.db" 2>/dev/null
"$m" import --db "$tmp/c.db" --format jsonl "$tmp/corpus.jsonl" 2>/dev/null
timed() { local t0 t1; t0=$(date +%s.%N); "$m" reprocess --db "$tmp/c.db" --from split 2>/dev/null; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'; }
first=$(timed)
again=$(timed)
n=$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM sentences")
d=$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM sentences WHERE duplicate_of IS NOT NULL")
echo "sentences $n (duplicate_of set: $d)"
echo "first split ${first} s, re-split ${again} s, ratio re-split/first: $(awk -v a="$again" -v f="$first" 'BEGIN{printf "%.2f", a/f}')"
sqlite3 "$tmp/c.db" "DROP INDEX sentences_duplicate_of; DROP INDEX documents_duplicate_of; DROP INDEX urls_document; DROP INDEX urls_found_from; DROP INDEX urls_claimed_by; DROP INDEX responses_run"
noidx=$(timed)
echo "without the version-3 indexes: re-split ${noidx} s, ratio re-split/first: $(awk -v a="$noidx" -v f="$first" 'BEGIN{printf "%.2f", a/f}')"
