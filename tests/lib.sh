# tests/lib.sh -- helpers for the shell tests: checks that count passes and
# failures and a closing "N passed, N failed" line. Source it, call
# `check NAME CMD...`/`expect_exit CODE NAME CMD...`, end with `finish`.
set -u
: "${MALMOI:?MALMOI must name the malmoi binary (ctest sets it)}"
PASSED=0
FAILED=0
TMP=$(mktemp -d /tmp/malmoi-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check NAME CMD... -- passes when CMD exits 0.
check() {
    local name=$1; shift
    if "$@"; then pass; else fail "$name"; fi
}

# expect_exit CODE NAME CMD... -- passes when CMD exits with CODE; its
# stderr is kept in $TMP/stderr for later checks.
expect_exit() {
    local want=$1 name=$2; shift 2
    local got=0
    "$@" >"$TMP/stdout" 2>"$TMP/stderr" || got=$?
    if [ "$got" = "$want" ]; then pass; else fail "$name: exit $got, expected $want; stderr: $(head -c 400 "$TMP/stderr")"; fi
}

# contains NAME FILE TEXT -- passes when FILE contains TEXT.
contains() {
    if grep -qF -- "$3" "$2"; then pass; else fail "$1: '$3' not in $(head -c 300 "$2")"; fi
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
