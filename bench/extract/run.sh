#!/bin/bash
# bench/extract/run.sh -- extraction quality and speed: malmoi (parse_extract,
# in-process) against Mozilla Readability.js (jsdom) and readability-lxml on
# the same pages in the same run: the 181 ScrapingHub benchmark pages and the
# Korean fixtures with ground truth (tests/data/parser), plus the 30 Korean
# MediaWiki pages of /work/shared when present. Scores use the
# benchmark's own shingle metric. Needs: a build with bench_extract
# (BUILD=build dir, default ./build), node + `npm ci` in bench/extract/node,
# Debian python3-readability.
#   bench/extract/run.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-$ROOT/build}}
BENCH=$BUILD/bench/extract/bench_extract
[ -x "$BENCH" ] || { echo "no $BENCH: cmake --build $BUILD --target bench_extract" >&2; exit 1; }
[ -d "$ROOT/bench/extract/node/node_modules" ] || (cd "$ROOT/bench/extract/node" && npm ci --no-audit --no-fund)
/usr/bin/python3 -c 'import readability' 2>/dev/null || { echo "apt-get install python3-readability" >&2; exit 1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
/usr/bin/python3 - "$ROOT/tests/data/parser" "$W" <<'PY'
import gzip, json, os, sys, tarfile
src, w = sys.argv[1], sys.argv[2]
os.makedirs(f'{w}/pages', exist_ok=True)
man, truth = [], {}
gt = json.loads(gzip.open(f'{src}/aeb/ground-truth.json.gz').read())
with tarfile.open(f'{src}/aeb/pages.tar.xz') as tf:
    for m in tf.getmembers():
        k = m.name[:-5]
        open(f'{w}/pages/{k}.html', 'wb').write(tf.extractfile(m).read())
        man.append((k, gt[k]['url'], f'{w}/pages/{k}.html', 'aeb'))
        truth[k] = gt[k]['articleBody']
kt = json.load(open(f'{src}/korean/truth.json', encoding='utf-8'))
for k, t in sorted(kt.items()):
    if t['text'] is None or k.startswith('aeb-'):
        continue
    html = gzip.open(f'{src}/korean/{k}.html.gz').read()
    open(f'{w}/pages/{k}.html', 'wb').write(html)
    man.append((k, t['url'], f'{w}/pages/{k}.html', 'korean'))
    truth[k] = t['text']
# Korean MediaWiki pages (local MediaWiki 1.39 render of KorQuAD text), read
# from the shared corpus when it is there: CC BY-ND, never copied into the repo.
W = os.environ.get('MALMOI_SHARED_WIKI', '/work/shared/corpus/wiki')
if os.path.isdir(f'{W}/rendered'):
    wt = {t['title']: t for t in json.load(open(f'{W}/mediawiki/truth-korquad1-dev.json', encoding='utf-8'))}
    for line in open(f'{W}/rendered/index.tsv', encoding='utf-8').read().splitlines()[1:]:
        f, path, title = line.split('\t')[:3]
        k = 'wiki-' + f[:2]
        man.append((k, 'https://ko.wikipedia.org' + path, f'{W}/rendered/{f}', 'kowiki'))
        truth[k] = '\n'.join(wt[title]['paragraphs'])
open(f'{w}/manifest.tsv', 'w').write(''.join('\t'.join(r) + '\n' for r in man))
json.dump(truth, open(f'{w}/truth.json', 'w', encoding='utf-8'), ensure_ascii=False)
PY
echo "== speed (one core, pages in memory; Readability.js time includes jsdom parsing)"
"$BENCH" "$W/manifest.tsv" "$W/malmoi.jsonl" "$ROOT/config/malmoi.ini" 5 | tee "$W/t_malmoi"
"$BENCH" "$W/manifest.tsv" "$W/malmoi_generic.jsonl" "" 1 >/dev/null
node "$ROOT/bench/extract/node/readability_js.mjs" "$W/manifest.tsv" "$W/readability_js.jsonl" | tee "$W/t_rjs"
/usr/bin/python3 "$ROOT/bench/extract/readability_lxml.py" "$W/manifest.tsv" "$W/readability_lxml.jsonl" | tee "$W/t_rlxml"
m=$(awk -F'\t' '{print $4}' "$W/t_malmoi" | awk '{print $1}')
r=$(awk -F'\t' '{print $4}' "$W/t_rjs" | awk '{print $1}')
l=$(awk -F'\t' '{print $4}' "$W/t_rlxml" | awk '{print $1}')
awk -v m="$m" -v r="$r" -v l="$l" 'BEGIN{printf "ratio malmoi/readability.js = %.1fx   malmoi/readability-lxml = %.1fx\n", m/r, m/l}'
MALMOI_BIN=$BUILD/malmoi
if [ -x "$MALMOI_BIN" ]; then
    # The command users run: one `malmoi extract` process for all pages, reading
    # the files itself (start-up, config and file reading included), against the
    # same pages one process each (what re-extracting a folder cost before).
    echo "== malmoi extract: one process for every page, and one process per page"
    awk -F'\t' '{print $3 "\t" $2}' "$W/manifest.tsv" >"$W/list"
    n=$(wc -l <"$W/list")
    t0=$(date +%s.%N)
    "$MALMOI_BIN" extract --config "$ROOT/config/malmoi.ini" --format json --files-from "$W/list" >"$W/batch.jsonl" 2>/dev/null || true
    t1=$(date +%s.%N)
    while IFS=$'\t' read -r path url; do
        "$MALMOI_BIN" extract --config "$ROOT/config/malmoi.ini" --format json --url "$url" "$path" >/dev/null 2>&1 || true
    done <"$W/list"
    t2=$(date +%s.%N)
    awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v r="$r" 'BEGIN{
        printf "malmoi extract, one process\t%d pages\t%.3f s\t%.1f pages/s\tratio to readability.js %.1fx\n", n, b-a, n/(b-a), n/(b-a)/r
        printf "malmoi extract, process per page\t%d pages\t%.3f s\t%.1f pages/s\tratio to readability.js %.1fx\n", n, c-b, n/(c-b), n/(c-b)/r }'
    # Start-up: the cost of one process that does nothing, against spm_encode.
    if command -v spm_encode >/dev/null; then
        echo "== start-up (--help, 200 runs each, wall and CPU per run)"
        for cmd in "$MALMOI_BIN --help" "spm_encode --help"; do
            /usr/bin/time -f "%e %U %S" -o "$W/t.start" bash -c "for i in \$(seq 200); do $cmd >/dev/null 2>&1; done"
            awk -v c="${cmd%% *}" '{printf "%s\t%.2f ms wall\t%.2f ms CPU per run\n", c, $1*5, ($2+$3)*5}' "$W/t.start"
        done
    fi
fi
echo "== quality (ScrapingHub shingle metric; korean = site rules on, malmoi_generic = no rules)"
/usr/bin/python3 "$ROOT/bench/extract/score.py" "$W/truth.json" "$W/malmoi.jsonl" "$W/malmoi_generic.jsonl" \
    "$W/readability_js.jsonl" "$W/readability_lxml.jsonl"
echo "output hash (malmoi texts): $(sha256sum "$W/malmoi.jsonl" | cut -c1-16)"
