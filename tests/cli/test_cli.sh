# test_cli.sh -- the malmoi command line: usage errors, init twice, import
# idempotence and transactions, stats, the lock (exit 75). The database is
# read back with the sqlite3 shell, an independent reader.
. "$(dirname "$0")/../lib.sh"
DB=$TMP/corpus.db

expect_exit 0 "--help" "$MALMOI" --help
for cmd in init import stats; do contains "--help lists $cmd" "$TMP/stdout" "  $cmd "; done
expect_exit 0 "--version" "$MALMOI" --version
contains "version text" "$TMP/stdout" "malmoi "
expect_exit 2 "no command" "$MALMOI"
expect_exit 2 "unknown command" "$MALMOI" frobnicate
contains "unknown command names it" "$TMP/stderr" "frobnicate"
expect_exit 2 "unknown option" "$MALMOI" init --db "$DB" --bogus
contains "unknown option named" "$TMP/stderr" "--bogus"
[ "$(wc -l <"$TMP/stderr")" -le 2 ] && pass || fail "usage error is short"
expect_exit 2 "missing --db" "$MALMOI" init
expect_exit 2 "option without value" "$MALMOI" init --db
expect_exit 0 "init --help" "$MALMOI" init --help
contains "init help explains --db" "$TMP/stdout" "--db FILE"

# init twice: harmless, same schema.
expect_exit 0 "init" "$MALMOI" init --db "$DB"
sqlite3 "$DB" .schema >"$TMP/schema1"
expect_exit 0 "init again" "$MALMOI" init --db "$DB"
sqlite3 "$DB" .schema >"$TMP/schema2"
check "init twice keeps the schema" cmp -s "$TMP/schema1" "$TMP/schema2"
sqlite3 "$DB" '.schema documents' >"$TMP/docschema"
contains "documents table" "$TMP/docschema" "content_hash"
check "WAL mode" test "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal
check "schema documented" grep -q '### `documents`' "$MALMOI_SOURCE/store/README.md"

# stats on a missing database: a message naming the file and what to do.
expect_exit 1 "stats on a missing db" "$MALMOI" stats --db "$TMP/nope.db"
contains "missing db named" "$TMP/stderr" "nope.db"
contains "missing db hint" "$TMP/stderr" "malmoi init"

# Import BERT text twice: the second adds nothing. The foundation test:
# 2 documents / 5 sentences after importing twice, each line kept verbatim
# as one sentence (no re-splitting, runs of spaces kept), and encoded.
printf '첫 문서의 첫 문장이다.\n첫 문서의 둘째 문장이다.\n셋째 문장, 쉼표와 함께. 마침표 뒤도 한 줄.\n\n둘째 문서다.   공백  두 칸\n둘째 문서의 끝 문장이다.\n' >"$TMP/a.txt"
expect_exit 0 "import bert-text" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
check "two documents" test "$(sqlite3 "$DB" 'select count(*) from documents')" = 2
check "sentences kept as lines" test "$(sqlite3 "$DB" "select text from documents where source_ref like '%a.txt:1'")" = "$(printf '첫 문서의 첫 문장이다.\n첫 문서의 둘째 문장이다.\n셋째 문장, 쉼표와 함께. 마침표 뒤도 한 줄.')"
expect_exit 0 "import again" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
check "idempotent import" test "$(sqlite3 "$DB" 'select count(*) from documents')" = 2
contains "summary says present" "$TMP/stderr" "2 already present"
check "5 sentences after importing twice" test "$(sqlite3 "$DB" 'select count(*) from sentences')" = 5
sed '/^$/d' "$TMP/a.txt" >"$TMP/a.lines"
sqlite3 "$DB" 'select text from sentences order by document_id, id' >"$TMP/a.stored"
check "each line is one sentence, verbatim" cmp -s "$TMP/a.lines" "$TMP/a.stored"
check "5 examples (encoded)" test "$(sqlite3 "$DB" 'select count(*) from examples')" = 5
check "documents at stage encoded" test "$(sqlite3 "$DB" "select group_concat(distinct stage) from documents")" = encoded
check "examples are [CLS] ... [SEP]" test "$(sqlite3 "$DB" "select count(*) from examples where input_ids like '[2,%,3]'")" = 5

# --no-process stores only; `run --no-crawl` processes later.
expect_exit 0 "import --no-process" "$MALMOI" import --db "$TMP/np.db" --format bert-text --no-process "$TMP/a.txt"
check "--no-process: no sentences" test "$(sqlite3 "$TMP/np.db" 'select count(*) from sentences')" = 0
check "--no-process: stage extracted" test "$(sqlite3 "$TMP/np.db" "select group_concat(distinct stage) from documents")" = extracted
expect_exit 0 "run --no-crawl after --no-process" "$MALMOI" run --db "$TMP/np.db" --no-crawl
check "processed later: 5 sentences" test "$(sqlite3 "$TMP/np.db" 'select count(*) from sentences')" = 5

# JSON Lines, with metadata; the text is split and filtered like a page (a
# real KBS article from the parser fixtures, plus a boilerplate line).
/usr/bin/python3 - "$MALMOI_TEST_DATA/parser/korean/truth.json" "$TMP/b.jsonl" <<'PY'
import json, sys
text = json.load(open(sys.argv[1], encoding='utf-8'))['kbs-01']['text'] + '\n무단 전재 및 재배포 금지'
rec = {"url": "https://news.example/1", "title": "제목", "site": "example", "authors": ["홍길동"], "text": text}
open(sys.argv[2], 'w', encoding='utf-8').write(json.dumps(rec, ensure_ascii=False) + '\n')
PY
expect_exit 0 "import jsonl" "$MALMOI" import --db "$DB" --format jsonl "$TMP/b.jsonl"
check "jsonl fields" test "$(sqlite3 "$DB" "select site||'|'||title||'|'||authors from documents where url='https://news.example/1'")" = 'example|제목|["홍길동"]'
check "jsonl document encoded" test "$(sqlite3 "$DB" "select stage from documents where url='https://news.example/1'")" = encoded
sqlite3 -json "$DB" "select s.text, s.reject_reason from sentences s join documents d on d.id = s.document_id where d.url='https://news.example/1' order by s.id" >"$TMP/b.sent"
check "jsonl text split and filtered" /usr/bin/python3 -c '
import json, sys
rows, text = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))["text"]
kept = [r for r in rows if r["reject_reason"] is None]
assert len(kept) > 3, rows                               # split into many sentences
assert all(r["text"] in text and "\n" not in r["text"] for r in rows), rows
assert any(r["reject_reason"] for r in rows if "무단 전재" in r["text"]), rows  # the boilerplate line filtered
' "$TMP/b.sent" "$TMP/b.jsonl"
check "jsonl kept sentences encoded" test "$(sqlite3 "$DB" "select count(*) from examples e join sentences s on s.id = e.sentence_id join documents d on d.id = s.document_id where d.url='https://news.example/1'")" = "$(sqlite3 "$DB" "select count(*) from sentences s join documents d on d.id = s.document_id where d.url='https://news.example/1' and s.reject_reason is null")"

# Corrupt files leave the database exactly as it was.
sqlite3 "$DB" .dump | sha256sum >"$TMP/before"
printf '{"text":"좋아요"}\n{"text": "깨진\n' >"$TMP/broken.jsonl"
expect_exit 1 "broken JSON" "$MALMOI" import --db "$DB" --format jsonl "$TMP/broken.jsonl"
contains "broken JSON names file:line" "$TMP/stderr" "broken.jsonl:2"
printf '좋은 줄.\n\xc3\x28 나쁜 줄.\n' >"$TMP/bad.txt"
expect_exit 1 "invalid UTF-8" "$MALMOI" import --db "$DB" --format bert-text "$TMP/bad.txt"
contains "invalid UTF-8 names file:line" "$TMP/stderr" "bad.txt:2"
expect_exit 1 "missing input" "$MALMOI" import --db "$DB" --format jsonl "$TMP/none.jsonl"
contains "missing input named" "$TMP/stderr" "none.jsonl"
sqlite3 "$DB" .dump | sha256sum >"$TMP/after"
check "database unchanged by failed imports" cmp -s "$TMP/before" "$TMP/after"
expect_exit 2 "unknown format" "$MALMOI" import --db "$DB" --format csv "$TMP/a.txt"

# stats, text and JSON (read by Python's json module).
expect_exit 0 "stats" "$MALMOI" stats --db "$DB"
contains "stats documents" "$TMP/stdout" "documents   3"
expect_exit 0 "stats --json" "$MALMOI" stats --db "$DB" --json
check "stats JSON parses" /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["documents"]==3, d; assert d["sites"][0]["site"] in ("(none)","example"), d' "$TMP/stdout"

# The lock (a flock on the database file): while another process holds it,
# a writer exits 75 at once.
flock "$DB" sleep 3 &
holder=$!
sleep 0.3
expect_exit 75 "locked database" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
contains "lock message" "$TMP/stderr" "locked"
expect_exit 0 "stats works while locked" "$MALMOI" stats --db "$DB"
wait $holder

# A file that is not a database.
echo "hello" >"$TMP/not.db"
expect_exit 1 "not a database" "$MALMOI" init --db "$TMP/not.db"
contains "not a database hint" "$TMP/stderr" "not a malmoi database"
finish
