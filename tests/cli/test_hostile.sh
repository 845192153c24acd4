# test_hostile.sh -- odd paths and hostile input at the command line
# (issue 18): one writer per database file whatever its name, bounded
# lines, a killed export. The database is read back with the sqlite3 shell.
. "$(dirname "$0")/../lib.sh"
DB=$TMP/corpus.db

printf 'first sentence.\nsecond one.\n\nanother document.\n' >"$TMP/a.txt"
printf 'linked document one.\n\nlinked document two.\n' >"$TMP/b.txt"
expect_exit 0 "init" "$MALMOI" init --db "$DB"

# One writer per file: a second name of the same file (hard link, symbolic
# link) while a writer holds the first name exits 75 and changes nothing.
# The first writer is an import that reads a pipe still being written.
ln "$DB" "$TMP/hard.db"
ln -s "$DB" "$TMP/sym.db"
{ cat "$TMP/a.txt"; sleep 3; } | "$MALMOI" import --db "$DB" --format bert-text - 2>"$TMP/holder.err" &
holder=$!
sleep 1
for link in hard sym; do
    expect_exit 75 "second writer through a $link link" "$MALMOI" import --db "$TMP/$link.db" --format bert-text "$TMP/b.txt"
    contains "$link link: locked" "$TMP/stderr" "is locked by another run"
    contains "$link link: holder named" "$TMP/stderr" "pid "
done
wait $holder
check "first writer succeeded" grep -q "2 documents added" "$TMP/holder.err"
check "integrity after the link writers" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
check "nothing lost, nothing added by the refused writers" test "$(sqlite3 "$DB" 'SELECT count(*) FROM documents')" = 2
# Once the holder is gone, the other names work (the lock dies with its holder).
expect_exit 0 "hard link writes after the holder ended" "$MALMOI" import --db "$TMP/hard.db" --format bert-text "$TMP/b.txt"
check "integrity after the hard-link import" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok
check "hard-link import seen under the first name" test "$(sqlite3 "$DB" 'SELECT count(*) FROM documents')" = 4
# SIGKILL releases the lock.
{ sleep 5; } | "$MALMOI" import --db "$TMP/sym.db" --format bert-text - 2>/dev/null &
killed=$! # the last command of the pipeline: malmoi
sleep 1
kill -KILL "$killed"
wait "$killed" 2>/dev/null
expect_exit 0 "lock released after SIGKILL" "$MALMOI" import --db "$DB" --format bert-text "$TMP/a.txt"
check "integrity after SIGKILL" test "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok

# Every foreign key has an index that starts with its column (read with
# Python's sqlite3): without one, each deleted parent row scans the child
# table, and re-splitting a corpus was quadratic (bench/text/resplit.sh).
check "every foreign key is indexed" /usr/bin/python3 - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
missing = []
for t in tables:
    firsts = set()
    for idx in db.execute("PRAGMA index_list(%s)" % t).fetchall():
        cols = db.execute("PRAGMA index_info(%s)" % idx[1]).fetchall()
        if cols:
            firsts.add(cols[0][2])
    pk = [r[1] for r in db.execute("PRAGMA table_info(%s)" % t) if r[5] == 1]
    firsts.update(pk[:1])
    for fk in db.execute("PRAGMA foreign_key_list(%s)" % t):
        if fk[3] not in firsts:
            missing.append("%s.%s" % (t, fk[3]))
if missing:
    sys.exit("no index on " + ", ".join(missing))
PY

# Bounded lines: an endless line stops at the 16 MiB line limit while it
# is read (import, sentences, tokenize), with exit 1 and a message, and in
# little memory: under a 400 MB address-space limit (not under ASan, which
# reserves terabytes) the reading never runs out of memory, and it ends
# with a non-zero exit either way.
limit_vm=1
ldd "$MALMOI" 2>/dev/null | grep -q asan && limit_vm=0
endless() { # CMD... -- feed 1 GB without a newline
    head -c 1G /dev/zero | tr '\0' a | (if [ $limit_vm = 1 ]; then ulimit -v 400000; fi; "$@")
}
KOBERT=$MALMOI_SOURCE/config/models/kobert/spiece.model
expect_exit 1 "endless line: sentences" endless "$MALMOI" sentences
contains "sentences names the line limit" "$TMP/stderr" "-:1: line longer than 16777216 bytes"
expect_exit 1 "endless line: tokenize" endless "$MALMOI" tokenize --model "$KOBERT"
contains "tokenize names the line limit" "$TMP/stderr" "-:1: line longer than 16777216 bytes"
for fmt in bert-text jsonl; do
    expect_exit 1 "endless line: import $fmt" endless "$MALMOI" import --db "$TMP/endless.db" --format $fmt -
    contains "import $fmt names the line limit" "$TMP/stderr" "-:1: line longer than 16777216 bytes"
done
# A line at the limit is still read; one byte more is refused (line 2).
/usr/bin/python3 -c 'import sys; sys.stdout.write("x\n" + "a" * (16 * 1024 * 1024 - 1) + "\n" + "b" * (16 * 1024 * 1024) + "\n")' >"$TMP/edge.txt"
expect_exit 1 "one byte over the limit" "$MALMOI" sentences "$TMP/edge.txt"
contains "over the limit is line 3" "$TMP/stderr" "edge.txt:3: line longer than"
check "the line at the limit was split" test "$(head -c 20 "$TMP/stdout" | tr -d '\n')" = "xaaaaaaaaaaaaaaaaa"

# The same bad byte gets the same offset from sentences and import: counted
# from 0, ten valid bytes before it.
printf 'abcdefghij\377 rest.\n' >"$TMP/bad.txt"
expect_exit 1 "bad byte: sentences" "$MALMOI" sentences "$TMP/bad.txt"
contains "sentences: offset 10" "$TMP/stderr" "bad.txt:1: invalid UTF-8 at byte offset 10 of the line"
expect_exit 1 "bad byte: import" "$MALMOI" import --db "$TMP/bad.db" --format bert-text "$TMP/bad.txt"
contains "import: offset 10" "$TMP/stderr" "bad.txt:1: invalid UTF-8 at byte offset 10 of the line"

# The issue's pattern: a back-reference is refused when the config loads,
# naming FILE:LINE, before anything is crawled.
printf '[crawler]\nuser_agent = t/1\ncontact = mailto:a@example.org\n\n[site evil]\nhosts = 127.0.0.1\ndeny = (b*)(b*)(b*)\\3\\2\\1z\n' >"$TMP/evil.ini"
expect_exit 1 "back-reference refused" "$MALMOI" crawl --db "$TMP/evil.db" --config "$TMP/evil.ini" --seed http://127.0.0.1:9/
contains "back-reference: FILE:LINE" "$TMP/stderr" "evil.ini:7: key 'deny' in [site evil]"
contains "back-reference named" "$TMP/stderr" "back-reference"

finish
