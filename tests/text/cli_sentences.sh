#!/bin/bash
# cli_sentences.sh -- `malmoi sentences`: output layout (sentences one a
# line, an empty line after each paragraph, exactly what was read), --help,
# usage errors (exit 2) and runtime failures naming the input (exit 1).
set -u
fail=0
check() { if [ "$1" != "$2" ]; then echo "FAIL $3: got [$1] want [$2]"; fail=1; fi; }

out=$(printf '회의를 마쳤습니다.전체 일정은 내일 공개됩니다.\n\n  맛있었어요 또 올게요  \n' | "$MALMOI" sentences; echo "rc=$?")
want=$(printf '회의를 마쳤습니다.\n전체 일정은 내일 공개됩니다.\n\n\n맛있었어요\n또 올게요\n\nrc=0')
check "$out" "$want" "stdin layout"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '첫 문장이다. 둘째 문장이다.' > "$tmp/in.txt"   # no final newline
out=$("$MALMOI" sentences "$tmp/in.txt")
check "$out" "$(printf '첫 문장이다.\n둘째 문장이다.')" "file input"

"$MALMOI" sentences --help > "$tmp/help" 2>&1
check "$?" 0 "--help exit"
grep -q 'one paragraph' "$tmp/help" || { echo "FAIL --help text"; fail=1; }

"$MALMOI" sentences --bogus > /dev/null 2> "$tmp/err"
check "$?" 2 "bad option exit"
grep -q 'usage:' "$tmp/err" || { echo "FAIL bad option prints usage"; fail=1; }

"$MALMOI" sentences "$tmp/missing.txt" > /dev/null 2> "$tmp/err"
check "$?" 1 "missing file exit"
grep -q 'missing.txt' "$tmp/err" || { echo "FAIL missing file message names the input"; fail=1; }

printf 'ab\xff\n' > "$tmp/bad.txt"
"$MALMOI" sentences "$tmp/bad.txt" > /dev/null 2> "$tmp/err"
check "$?" 1 "invalid UTF-8 exit"
grep -q 'bad.txt:1' "$tmp/err" || { echo "FAIL invalid UTF-8 message names FILE:LINE"; fail=1; }

"$MALMOI" sentences --gold > /dev/null 2>&1
check "$?" 2 "--gold without files"

exit $fail
