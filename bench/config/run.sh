#!/bin/bash
# bench/config/run.sh [BUILD_DIR] -- loading a configuration with many
# [site] sections (people generate rules for thousands of hosts): the time
# of `malmoi reprocess --from encode` on an empty database, which loads and
# checks the whole configuration (crawler, parser rules, text) and does
# nothing else, for 1,000, 4,000 and 16,000 generated sites. Linear loading
# keeps the ratio 16,000/1,000 near 16; the old quadratic reader gave about
# 100-150. Not a test: nothing here asserts a time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
m=$build/malmoi
"$m" init --db "$tmp/c.db" 2>/dev/null
gen() { # N OUT -- N sites, each with the keys a generated rule file has
    /usr/bin/python3 - "$1" "$2" "$src/config/models/kobert/spiece.model" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("[crawler]\nuser_agent = bench/1\ncontact = mailto:bench@example.org\n\n")
    f.write("[pipeline]\ntokenizer = %s\n\n" % sys.argv[3])
    for i in range(n):
        f.write("[site s%d]\nhosts = news%d.example.kr, www.news%d.example.kr\n" % (i, i, i))
        f.write("seed = https://news%d.example.kr/\nfeed = https://news%d.example.kr/rss.xml\n" % (i, i))
        f.write("allow = ^https://(www\\.)?news%d\\.example\\.kr/\ndeny = \\.(jpg|png|pdf)$\n" % i)
        f.write("article_pattern = /article/[0-9]+\nbody_xpath = //div[@id='article']\n")
        f.write("title_suffix = - News %d\n\n" % i)
PY
}
declare -A secs
for n in 1000 4000 16000; do
    gen $n "$tmp/sites$n.ini"
    t0=$(date +%s.%N)
    "$m" reprocess --db "$tmp/c.db" --config "$tmp/sites$n.ini" --from encode 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
    t1=$(date +%s.%N)
    secs[$n]=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    echo "$n sites: ${secs[$n]} s"
done
echo "ratio 16000/1000 sites: $(awk -v a="${secs[16000]}" -v b="${secs[1000]}" 'BEGIN{printf "%.1f", a/b}') (linear: 16)"
