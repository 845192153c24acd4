#!/bin/bash
# wordpiece_parity.sh -- `malmoi tokenize --vocab` against Hugging Face's Rust
# tokenizers: (1) the tokens transformers' BertTokenizerFast gave for 353
# lines (tests/data/tokenize/mbert/hf-fast-reference.tsv); (2) the npm
# `tokenizers` Node binding (same Rust code, tests/tokenize/node) run here on
# Korean text, raw EUC-KR pages (invalid UTF-8), generated edge cases, every
# Unicode code point and a 1 MiB line -- tokens and ids, cased and
# --lowercase (uncased: strip accents + lowercase). Needs `npm ci` in
# tests/tokenize/node; without it the test fails.
set -euo pipefail
: "${MALMOI:?}" "${MALMOI_TEST_DATA:?}" "${MALMOI_SOURCE:?}"
D=$MALMOI_TEST_DATA/tokenize
N=$MALMOI_SOURCE/tests/tokenize/node
VOCAB=$D/mbert/vocab.txt
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 checks=0

# (1) fixture from transformers
grep -v '^#' "$D/mbert/hf-fast-reference.tsv" | cut -f1 > "$T/ref.in"
grep -v '^#' "$D/mbert/hf-fast-reference.tsv" | cut -f2 > "$T/ref.want"
"$MALMOI" tokenize --vocab "$VOCAB" "$T/ref.in" > "$T/ref.got"
checks=$((checks + 1))
if ! cmp -s "$T/ref.want" "$T/ref.got"; then
    fail=$((fail + 1))
    echo "FAIL: hf-fast-reference.tsv differs:"
    diff "$T/ref.want" "$T/ref.got" | head -6 || true
fi

# (2) the Node binding
command -v node >/dev/null || { echo "FAIL: node not found (apt-get install nodejs npm)"; exit 1; }
[ -d "$N/node_modules/tokenizers" ] || { echo "FAIL: run 'npm ci' in $N first"; exit 1; }
/usr/bin/python3 "$MALMOI_SOURCE/tests/tokenize/make_inputs.py" "$T" "$D/text/sentences.txt"
cat "$D"/text/*.euckr.html > "$T/euckr.txt"
# the small inputs go through together (lines are independent), the big
# generated ones alone; one Node process each, as its start-up dominates
cat "$D/text/sentences.txt" "$D/text/apache-manual-ko.txt" "$T/euckr.txt" "$T/ref.in" \
    "$T/edge.txt" > "$T/small.txt"
for lower in "" --lowercase; do
    for input in "$T/small.txt" "$T/codepoints.txt" "$T/oneline.txt"; do
        for fmt in tokens ids; do
            flag=""
            [ "$fmt" = ids ] && flag=--ids
            [ "$fmt" = ids ] && [ "$input" != "$T/small.txt" ] && continue
            node "$N/hf_tokenize.js" --vocab "$VOCAB" $lower $flag "$input" > "$T/want"
            "$MALMOI" tokenize --vocab "$VOCAB" $lower $flag "$input" > "$T/got"
            checks=$((checks + 1))
            if ! cmp -s "$T/want" "$T/got"; then
                fail=$((fail + 1))
                echo "FAIL: $(basename "$input") $fmt ${lower:-cased} differs from HF tokenizers:"
                diff "$T/want" "$T/got" | head -6 || true
            fi
            if [ "$input" = "$T/small.txt" ] && [ -z "$lower" ] && [ "$fmt" = tokens ]; then
                cp "$T/want" "$T/small.want"
            fi
        done
    done
done
# --threads keeps the output
"$MALMOI" tokenize --vocab "$VOCAB" --threads 2 "$T/small.txt" > "$T/two"
checks=$((checks + 1))
cmp -s "$T/two" "$T/small.want" || { fail=$((fail + 1)); echo "FAIL: --threads 2 differs"; }
echo "$checks comparisons with Hugging Face tokenizers, $fail failed"
[ "$fail" -eq 0 ]
