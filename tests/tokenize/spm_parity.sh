#!/bin/bash
# spm_parity.sh -- `malmoi tokenize --model` against Debian's spm_encode
# (sentencepiece 0.1.97), byte for byte, pieces and ids, on: Korean
# sentences, a Korean manual, raw EUC-KR pages (invalid UTF-8), generated edge
# cases, every Unicode code point and a 1 MiB line; with KoBERT's spiece.model,
# the original KoBERT model, and four models trained here with spm_train to
# reach every branch (byte fallback, user-defined symbols, nfkc_cf, no dummy
# prefix, kept extra whitespace, whitespace as suffix, identity normalizer,
# split digits). Also --threads 2 against one thread.
set -euo pipefail
: "${MALMOI:?}" "${MALMOI_TEST_DATA:?}" "${MALMOI_SOURCE:?}"
for tool in spm_encode spm_train /usr/bin/python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (apt-get install sentencepiece python3)"; exit 1; }
done
D=$MALMOI_TEST_DATA/tokenize
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 "$MALMOI_SOURCE/tests/tokenize/make_inputs.py" "$T" "$D/text/sentences.txt"
cat "$D/text/sentences.txt" "$D/text/apache-manual-ko.txt" > "$T/train.txt"
cat "$D"/text/*.euckr.html > "$T/euckr.txt"
cut -f1 "$D/mbert/hf-fast-reference.tsv" | grep -v '^#' > "$T/news.txt"
# the small inputs go through together (lines are independent)
cat "$D/text/sentences.txt" "$D/text/apache-manual-ko.txt" "$T/euckr.txt" "$T/news.txt" \
    "$T/edge.txt" > "$T/small.txt"
small="$T/small.txt"
inputs="$small $T/codepoints.txt $T/oneline.txt"

# Models that reach the branches KoBERT does not use.
common="--input=$T/train.txt --model_type=unigram --minloglevel=2 --num_threads=1"
spm_train $common --model_prefix="$T/bytes" --vocab_size=1500 --byte_fallback=true \
    --user_defined_symbols='[CLS],[MASK],<url>,ㅋㅋ' --character_coverage=0.995 >/dev/null 2>&1
spm_train $common --model_prefix="$T/nfkccf" --vocab_size=2000 --add_dummy_prefix=false \
    --remove_extra_whitespaces=false --normalization_rule_name=nfkc_cf \
    --user_defined_symbols='▁▁,abc' >/dev/null 2>&1
spm_train $common --model_prefix="$T/suffix" --vocab_size=2000 --treat_whitespace_as_suffix=true \
    --normalization_rule_name=identity --control_symbols='<ctl>' >/dev/null 2>&1
spm_train $common --model_prefix="$T/digits" --vocab_size=1000 --character_coverage=0.98 \
    --split_digits=true --byte_fallback=true --remove_extra_whitespaces=false >/dev/null 2>&1

models="$MALMOI_SOURCE/config/models/kobert/spiece.model $D/kobert/tokenizer_78b3253a26.model
        $T/bytes.model $T/nfkccf.model $T/suffix.model $T/digits.model"
fail=0 checks=0
for model in $models; do
    use=$inputs
    case "$model" in
    *spiece.model|*bytes.model) ;;
    *) use=$small ;; # the big generated inputs only for KoBERT and byte fallback
    esac
    for input in $use; do
        for fmt in piece id; do
            flag=""
            [ "$fmt" = id ] && flag=--ids
            spm_encode --model="$model" --output_format=$fmt < "$input" > "$T/want" 2>/dev/null
            "$MALMOI" tokenize --model "$model" $flag "$input" > "$T/got"
            checks=$((checks + 1))
            if ! cmp -s "$T/want" "$T/got"; then
                fail=$((fail + 1))
                echo "FAIL: $(basename "$model") $(basename "$input") --output_format=$fmt differs from spm_encode:"
                diff "$T/want" "$T/got" | head -6 || true
            fi
        done
    done
done

# --threads keeps the output and its order
kobert=$MALMOI_SOURCE/config/models/kobert/spiece.model
cat $inputs > "$T/all.txt"
"$MALMOI" tokenize --model "$kobert" --ids "$T/all.txt" > "$T/one"
"$MALMOI" tokenize --model "$kobert" --ids --threads 2 "$T/all.txt" > "$T/two"
"$MALMOI" tokenize --model "$kobert" --ids --threads 3 < "$T/all.txt" > "$T/three"
spm_encode --model="$kobert" --output_format=id < "$T/all.txt" > "$T/want"
checks=$((checks + 1))
if ! cmp -s "$T/one" "$T/two" || ! cmp -s "$T/one" "$T/three" || ! cmp -s "$T/one" "$T/want"; then
    fail=$((fail + 1))
    echo "FAIL: --threads changes the output"
fi
echo "$checks comparisons with spm_encode, $fail failed"
[ "$fail" -eq 0 ]
