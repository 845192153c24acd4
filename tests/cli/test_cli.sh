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

# Import BERT text twice: the second adds nothing.
printf '첫 문서의 첫 문장이다.\n첫 문서의 둘째 문장이다.\n\n둘째 문서다.\n' >"$TMP/a.txt"
expect_exit 0 "import bert-text" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
check "two documents" test "$(sqlite3 "$DB" 'select count(*) from documents')" = 2
check "sentences kept as lines" test "$(sqlite3 "$DB" "select text from documents where source_ref like '%a.txt:1'")" = "$(printf '첫 문서의 첫 문장이다.\n첫 문서의 둘째 문장이다.')"
expect_exit 0 "import again" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
check "idempotent import" test "$(sqlite3 "$DB" 'select count(*) from documents')" = 2
contains "summary says present" "$TMP/stderr" "2 already present"

# JSON Lines, with metadata.
printf '{"url":"https://news.example/1","title":"제목","site":"example","authors":["홍길동"],"text":"기사 본문입니다."}\n' >"$TMP/b.jsonl"
expect_exit 0 "import jsonl" "$MALMOI" import --db "$DB" --format jsonl "$TMP/b.jsonl"
check "jsonl fields" test "$(sqlite3 "$DB" "select site||'|'||title||'|'||authors from documents where url='https://news.example/1'")" = 'example|제목|["홍길동"]'

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
