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

finish
