#!/bin/bash
# hf_json_parity.sh -- `malmoi tokenize --tokenizer FILE.json` against Hugging
# Face's Rust tokenizers (npm `tokenizers`, tests/tokenize/node) on every
# tokenizer.json we have: real files (mBERT, KLUE BERT, KoBART model.json in
# both versions, KoGPT2 v1 when /work/shared/models is there: its licence
# keeps it out of the repo) and files the reference library itself trains or
# assembles here (node/hf_make.js: byte-level BPE with RobertaProcessing,
# and pipelines exercising each normalizer, pre-tokenizer, model option and
# post-processor). Inputs: Korean sentences, raw EUC-KR pages (invalid UTF-8),
# generated edge cases (special-token strings, controls, emoji, combining
# marks), every Unicode code point and a 1 MiB line. Compared: tokens and ids
# without special tokens, and --encode (post-processed inputs, single and
# pairs). Needs `npm ci` in tests/tokenize/node.
set -euo pipefail
: "${MALMOI:?}" "${MALMOI_TEST_DATA:?}" "${MALMOI_SOURCE:?}"
D=$MALMOI_TEST_DATA/tokenize
N=$MALMOI_SOURCE/tests/tokenize/node
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0 checks=0
command -v node >/dev/null || { echo "FAIL: node not found (apt-get install nodejs npm)"; exit 1; }
[ -d "$N/node_modules/tokenizers" ] || { echo "FAIL: run 'npm ci' in $N first"; exit 1; }

/usr/bin/python3 "$MALMOI_SOURCE/tests/tokenize/make_inputs.py" "$T" "$D/text/sentences.txt"
cat "$D"/text/*.euckr.html > "$T/euckr.txt"
grep -v '^#' "$D/mbert/hf-fast-reference.tsv" | cut -f1 > "$T/ref.in"
# lines aimed at the BPE files' added tokens and vocab quirks
printf '%s\n' '<mask> <unused0> 뷁𝄞' '뷁𝄞 줄	바꿈' '<s>안녕</s><pad><usr><sys> <unk>' \
    ' <mask>x  <mask>  y<mask>' 'a<s>b</s>c' '😇😀🤣:)l^o 안녕하세요. 한국어 BART 입니다.🤣:)l^o' \
    "don't I'll we've they're it's 123,456 ３４５" '  두  칸   세 칸	탭' 'x' ' ' \
    "$(printf '가%.0s' {1..300})" > "$T/extra.txt"
cat "$D/text/sentences.txt" "$D/text/apache-manual-ko.txt" "$T/euckr.txt" "$T/ref.in" \
    "$T/edge.txt" "$T/extra.txt" > "$T/small.txt"
# pairs: neighbouring sentences, A<TAB>B
grep -v $'\t' "$D/text/sentences.txt" | head -2000 | paste - - > "$T/pairs.txt"
grep -av $'\t' "$T/edge.txt" | paste - - >> "$T/pairs.txt"

# the generated tokenizers (trained on the test text by the reference itself)
cat "$D/text/sentences.txt" "$D/text/apache-manual-ko.txt" > "$T/train.txt"
node "$N/hf_make.js" "$T/gen" "$T/train.txt"

files=("$D/hf/mbert/tokenizer.json" "$D/hf/klue/tokenizer.json" "$D/hf/kobart/model.json"
       "$D/hf/kobart/model-a432df8fec.json")
KOGPT2=/work/shared/models/kogpt2-v1-taeminlee/tokenizer.json
if [ -f "$KOGPT2" ]; then files+=("$KOGPT2"); else echo "note: $KOGPT2 absent, KoGPT2 v1 skipped"; fi
files+=("$T"/gen/*.json)

compare() { # compare LABEL WANT GOT
    checks=$((checks + 1))
    if ! cmp -s "$2" "$3"; then
        fail=$((fail + 1))
        echo "FAIL: $1 differs from HF tokenizers:"
        diff "$2" "$3" | head -6 || true
    fi
}

for f in "${files[@]}"; do
    name=$(basename "$(dirname "$f")")/$(basename "$f")
    # tokens, ids and --encode over the small inputs in one reference run
    node "$N/hf_tokenize.js" --json "$f" "$T/small.txt" --all "$T/want"
    for fmt in tokens ids encode; do
        flag=""
        [ "$fmt" = ids ] && flag=--ids
        [ "$fmt" = encode ] && flag=--encode
        "$MALMOI" tokenize --tokenizer "$f" $flag "$T/small.txt" > "$T/got" 2> "$T/err" ||
            { cat "$T/err"; : > "$T/got"; }
        compare "$name small $fmt" "$T/want.$fmt" "$T/got"
    done
    node "$N/hf_tokenize.js" --json "$f" --encode --pair "$T/pairs.txt" > "$T/want"
    "$MALMOI" tokenize --tokenizer "$f" --encode --pair "$T/pairs.txt" > "$T/got" 2> "$T/err" ||
        { cat "$T/err"; : > "$T/got"; }
    compare "$name --encode --pair" "$T/want" "$T/got"
    # every code point and the 1 MiB line: the real files and one of each
    # generated model kind (the variants differ in what small.txt covers)
    case "$f" in "$T"/gen/*) case "$(basename "$f")" in
        bytebpe.json|bytebpe-seqpost.json|bpe.json|bpe-byte-fallback.json|unigram*.json) ;; *) continue ;; esac ;;
    esac
    for input in "$T/codepoints.txt" "$T/oneline.txt"; do
        node "$N/hf_tokenize.js" --json "$f" "$input" > "$T/want"
        "$MALMOI" tokenize --tokenizer "$f" "$input" > "$T/got" 2> "$T/err" ||
            { cat "$T/err"; : > "$T/got"; }
        compare "$name $(basename "$input") tokens" "$T/want" "$T/got"
    done
done
echo "$checks comparisons with Hugging Face tokenizers over ${#files[@]} tokenizer.json files, $fail failed"
[ "$fail" -eq 0 ]
