# test_config_search.sh -- where malmoi finds its config, run from a directory
# other than the checkout: --config, then $MALMOI_CONFIG, then
# ./config/malmoi.ini, then the config belonging to the binary (the source
# tree's for the build tree's binary, PREFIX/share/malmoi/config for an
# installed one); none: a plain log line, no site rules. The KBS site rule
# is the witness: with the config, `extract` names it; without, "rule" is "".
. "$(dirname "$0")/../lib.sh"
unset MALMOI_CONFIG
URL='https://news.kbs.co.kr/news/view.do?ncd=7647437'
zcat "$MALMOI_TEST_DATA/parser/korean/kbs-01.html.gz" >"$TMP/kbs.html"
mkdir -p "$TMP/elsewhere" && cd "$TMP/elsewhere" || exit 1

rule() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rule"])' "$TMP/stdout"; }

# The build tree's binary, from another directory: the source tree's config.
expect_exit 0 "extract from another directory" "$MALMOI" extract --format json --url "$URL" "$TMP/kbs.html"
contains "source config named in the log" "$TMP/stderr" "config: $MALMOI_SOURCE/config/malmoi.ini"
check "site rule used from another directory" test -n "$(rule)"
KBS_RULE=$(rule)

# An installed copy (cmake --install to a fresh prefix) finds its own config.
check "cmake --install" sh -c 'cmake --install "$(dirname "$MALMOI")" --prefix "$0/prefix" >/dev/null' "$TMP"
expect_exit 0 "installed extract" "$TMP/prefix/bin/malmoi" extract --format json --url "$URL" "$TMP/kbs.html"
contains "installed config named" "$TMP/stderr" "config: $TMP/prefix/share/malmoi/config/malmoi.ini"
check "installed binary uses the site rule" test "$(rule)" = "$KBS_RULE"
expect_exit 0 "installed run finds the shipped tokenizer" "$TMP/prefix/bin/malmoi" run --db "$TMP/i.db" --no-crawl
contains "installed run names its config" "$TMP/stderr" "config: $TMP/prefix/share/malmoi/config/malmoi.ini"

# A binary with no config anywhere says so plainly and extracts without rules.
mkdir -p "$TMP/bare/bin" && cp "$TMP/prefix/bin/malmoi" "$TMP/bare/bin/"
expect_exit 0 "bare binary extract" "$TMP/bare/bin/malmoi" extract --format json --url "$URL" "$TMP/kbs.html"
contains "no config said plainly" "$TMP/stderr" "no config: site rules and default sites are off"
check "no rule without a config" test -z "$(rule)"

# ./config/malmoi.ini wins over the binary's; $MALMOI_CONFIG over that; --config over both.
mkdir -p config && printf '[text]\n' >config/malmoi.ini && printf '[text]\n' >"$TMP/env.ini"
expect_exit 0 "extract with ./config" "$MALMOI" extract --format json --url "$URL" "$TMP/kbs.html"
contains "./config named" "$TMP/stderr" "config: config/malmoi.ini (in the current directory)"
check "./config has no rules, so none used" test -z "$(rule)"
MALMOI_CONFIG=$TMP/env.ini expect_exit 0 "extract with \$MALMOI_CONFIG" "$MALMOI" extract --format json --url "$URL" "$TMP/kbs.html"
contains "\$MALMOI_CONFIG named" "$TMP/stderr" "config: $TMP/env.ini (\$MALMOI_CONFIG)"
MALMOI_CONFIG=$TMP/env.ini expect_exit 0 "--config wins" "$MALMOI" extract --config "$MALMOI_SOURCE/config/malmoi.ini" --format json --url "$URL" "$TMP/kbs.html"
contains "--config named" "$TMP/stderr" "(--config)"
check "--config's rules used" test "$(rule)" = "$KBS_RULE"
expect_exit 0 "--config '' means none" "$MALMOI" extract --config '' --format json --url "$URL" "$TMP/kbs.html"
contains "empty --config said" "$TMP/stderr" "no config (--config is empty): site rules and default sites are off"
expect_exit 1 "missing --config" "$MALMOI" extract --config "$TMP/nope.ini" "$TMP/kbs.html"
contains "missing --config named" "$TMP/stderr" "nope.ini"
MALMOI_CONFIG=$TMP/nope2.ini expect_exit 1 "missing \$MALMOI_CONFIG" "$MALMOI" run --db "$TMP/r.db" --no-crawl
contains "missing \$MALMOI_CONFIG named" "$TMP/stderr" "nope2.ini"
finish
