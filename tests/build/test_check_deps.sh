# test_check_deps.sh -- .ci/check-deps passes with .ci/apt as it is, and fails,
# naming the package, when the line of a package the build needs is removed
# (a pkg-config module: libcurl; a CMake config package: mimalloc).
. "$(dirname "$0")/../lib.sh"
CHECK=$MALMOI_SOURCE/.ci/check-deps

expect_exit 0 "check-deps with .ci/apt" "$CHECK"
contains "check-deps counts what it checked" "$TMP/stdout" "build dependencies"

without() { # without PACKAGE -- a copy of .ci/apt without PACKAGE's line, in $TMP/apt
    rm -rf "$TMP/apt" && cp -r "$MALMOI_SOURCE/.ci/apt" "$TMP/apt"
    sed -i "/^$1\$/d" "$TMP"/apt/*.txt
    if grep -qx "$1" "$TMP"/apt/*.txt; then fail "$1 still listed"; fi
}
without libcurl4-openssl-dev
expect_exit 1 "check-deps without libcurl4-openssl-dev" "$CHECK" --apt-dir "$TMP/apt"
contains "missing pkg-config package named" "$TMP/stderr" "libcurl4-openssl-dev"
contains "module named" "$TMP/stderr" "'libcurl'"
without libmimalloc-dev
expect_exit 1 "check-deps without libmimalloc-dev" "$CHECK" --apt-dir "$TMP/apt"
contains "missing CMake config package named" "$TMP/stderr" "libmimalloc-dev"
expect_exit 2 "check-deps usage error" "$CHECK" --bogus
finish
