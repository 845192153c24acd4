#!/bin/bash
# `malmoi extract` as users see it: help, usage errors, exit codes, text and
# JSON output on a Korean fixture (compared with its spider ground truth).
set -u
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; fi; }
M=${MALMOI:?}
D=${MALMOI_TEST_DATA:?}/parser
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$M" extract --help >"$tmp/help" 2>&1; rc=$?
check "--help exits 0" "[ $rc -eq 0 ]"
check "--help lists --format" "grep -q -- '--format' '$tmp/help'"
"$M" extract --bogus x >"$tmp/out" 2>"$tmp/err"; rc=$?
check "bad option exits 2" "[ $rc -eq 2 ]"
check "bad option names it" "grep -q -- 'bogus' '$tmp/err'"
"$M" extract --format xml x >/dev/null 2>"$tmp/err"; rc=$?
check "bad --format exits 2" "[ $rc -eq 2 ]"
"$M" extract --config '' "$tmp/missing.html" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file exits 1" "[ $rc -eq 1 ]"
check "missing file is named" "grep -q missing.html '$tmp/err'"

zcat "$D/korean/kbs-01.html.gz" >"$tmp/kbs.html"
"$M" extract --config "$MALMOI_SOURCE/config/malmoi.ini" --url https://news.kbs.co.kr/news/view.do?ncd=7647437 \
    --format json "$tmp/kbs.html" >"$tmp/kbs.json"; rc=$?
check "json extract exits 0" "[ $rc -eq 0 ]"
/usr/bin/python3 - "$tmp/kbs.json" "$D/korean/truth.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))['kbs-01']
need = ['url', 'canonical_url', 'title', 'published', 'modified', 'authors', 'site', 'lang',
        'text', 'method', 'replacement_chars']
missing = [k for k in need if k not in d]
ok = not missing and d['method'] == 'rule' and d['title'] == t['title'] and d['lang'] == 'ko'
# the spider's text equals ours once white space is removed (it joins
# paragraphs without a space)
ok = ok and ''.join(t['text'].split()) == ''.join(d['text'].split())
if not ok:
    print('FAIL: json output', missing, d.get('method'), d.get('title'))
    sys.exit(1)
PY
"$M" extract --config '' - <"$tmp/kbs.html" >"$tmp/kbs.txt"; rc=$?
check "stdin text extract exits 0" "[ $rc -eq 0 ]"
check "text output has the first sentence" "grep -q '멕시코 도로 한복판에서' '$tmp/kbs.txt'"
: >"$tmp/empty.html"
"$M" extract --config '' "$tmp/empty.html" >"$tmp/out"; rc=$?
check "empty page exits 0 with no text" "[ $rc -eq 0 ] && [ ! -s '$tmp/out' ]"
# Many pages in one process: one JSON line each, with "file", in order; a
# missing file and a directory give "error" lines and do not stop the rest;
# the exit status says that some failed. Texts are checked against the
# spider's ground truth, the batch record against the one-page run.
for k in kbs-02 sbs-01; do zcat "$D/korean/$k.html.gz" >"$tmp/$k.html"; done
URL_KBS=https://news.kbs.co.kr/news/view.do?ncd=7647437
"$M" extract --config "$MALMOI_SOURCE/config/malmoi.ini" --url "$URL_KBS" --format json \
    "$tmp/kbs.html" "$tmp/missing.html" "$tmp" "$tmp/kbs.html" >"$tmp/batch.jsonl" 2>"$tmp/err"; rc=$?
check "batch with a bad file exits 1" "[ $rc -eq 1 ]"
check "batch errors named on stderr" "grep -q missing.html '$tmp/err'"
"$M" extract --config "$MALMOI_SOURCE/config/malmoi.ini" --url "$URL_KBS" --format json "$tmp/kbs.html" >"$tmp/one.json" 2>/dev/null
/usr/bin/python3 "$MALMOI_SOURCE/tests/parser/check_batch.py" "$tmp" "$D/korean/truth.json" || fail=1
printf '%s\t%s\n%s\t%s\n%s\n' "$tmp/sbs-01.html" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sbs-01"]["url"])' "$D/korean/truth.json")" \
    "$tmp/kbs-02.html" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kbs-02"]["url"])' "$D/korean/truth.json")" \
    "$tmp/kbs.html" >"$tmp/list"
"$M" extract --config "$MALMOI_SOURCE/config/malmoi.ini" --format json --files-from - <"$tmp/list" >"$tmp/list.jsonl" 2>"$tmp/err"; rc=$?
check "--files-from - exits 0" "[ $rc -eq 0 ]"
/usr/bin/python3 - "$tmp" "$D/korean/truth.json" <<'PY' || fail=1
import json, sys
tmp, truth = sys.argv[1], json.load(open(sys.argv[2]))
rows = [json.loads(l) for l in open(tmp + '/list.jsonl')]
files = [r['file'] for r in rows]
want = [tmp + '/sbs-01.html', tmp + '/kbs-02.html', tmp + '/kbs.html']
if files != want:
    print('FAIL: --files-from order', files); sys.exit(1)
for r, k in zip(rows, ['sbs-01', 'kbs-02']):
    # the URL after the TAB picks the site rule: the text equals the spider's
    if r['url'] != truth[k]['url'] or not r['rule'] or ''.join(truth[k]['text'].split()) != ''.join(r['text'].split()):
        print('FAIL: --files-from page', k, r['url'], r['rule']); sys.exit(1)
if ''.join(rows[2]['text'].split()) != ''.join(truth['kbs-01']['text'].split()):
    print('FAIL: --files-from line without a URL'); sys.exit(1)
PY
"$M" extract "$tmp/kbs.html" "$tmp/kbs.html" >/dev/null 2>"$tmp/err"; rc=$?
check "several pages in text format is a usage error" "[ $rc -eq 2 ] && grep -q -- '--format json' '$tmp/err'"
"$M" extract --format json --files-from - - </dev/null >/dev/null 2>"$tmp/err"; rc=$?
check "stdin both page and list is a usage error" "[ $rc -eq 2 ]"
exit $fail
