#!/bin/bash
# cli_tokenize.sh -- `malmoi tokenize` as a command: help, usage errors
# (exit 2), model errors that name the file (exit 1), --encode JSON Lines
# checked against ids from spm_encode with BERT's truncate_seq_pair and
# padding re-done in Python, --pair format errors, --safe corpus mode.
set -uo pipefail
: "${MALMOI:?}" "${MALMOI_TEST_DATA:?}" "${MALMOI_SOURCE:?}"
D=$MALMOI_TEST_DATA/tokenize
KOBERT=$MALMOI_SOURCE/config/models/kobert/spiece.model
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
expect() { # expect STATUS DESCRIPTION -- COMMAND...
    local want=$1 what=$2
    shift 3
    "$@" > "$T/out" 2> "$T/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want"; cat "$T/err"; fail=$((fail + 1))
    fi
}
grep_err() { # grep_err PATTERN DESCRIPTION
    grep -qF -- "$1" "$T/err" || { echo "FAIL: $2: stderr lacks '$1':"; cat "$T/err"; fail=$((fail + 1)); }
}

expect 0 "help" -- "$MALMOI" tokenize --help
grep -q "^usage: malmoi tokenize" "$T/out" || { echo "FAIL: --help prints no usage"; fail=$((fail + 1)); }
expect 2 "unknown option" -- "$MALMOI" tokenize --model "$KOBERT" --bogus
expect 2 "no tokenizer" -- "$MALMOI" tokenize
expect 2 "bad --threads" -- "$MALMOI" tokenize --model "$KOBERT" --threads 0
expect 2 "bad --max-length" -- "$MALMOI" tokenize --model "$KOBERT" --encode --max-length abc
expect 2 "--pair without --encode" -- "$MALMOI" tokenize --model "$KOBERT" --pair
expect 1 "missing model" -- "$MALMOI" tokenize --model "$T/nope.model" /dev/null
grep_err "$T/nope.model" "missing model"
head -c 5000 "$KOBERT" > "$T/cut.model"
expect 1 "truncated model" -- "$MALMOI" tokenize --model "$T/cut.model" /dev/null
grep_err "$T/cut.model" "truncated model"
expect 1 "vocab.txt as --model" -- "$MALMOI" tokenize --model "$D/mbert/vocab.txt" /dev/null
grep_err "$D/mbert/vocab.txt" "vocab.txt as --model"
expect 1 ".model as --vocab" -- "$MALMOI" tokenize --vocab "$KOBERT" /dev/null
grep_err "binary" ".model as --vocab"
expect 1 "missing input" -- "$MALMOI" tokenize --model "$KOBERT" "$T/none.txt"
grep_err "$T/none.txt" "missing input"

# empty input, empty output
expect 0 "empty input" -- "$MALMOI" tokenize --model "$KOBERT" /dev/null
[ -s "$T/out" ] && { echo "FAIL: output for empty input"; fail=$((fail + 1)); }

# --pair needs a tab on every line; the message names FILE:LINE
printf '가\t나\n다라\n' > "$T/notab.txt"
expect 1 "--pair without tab" -- "$MALMOI" tokenize --model "$KOBERT" --encode --pair "$T/notab.txt"
grep_err "$T/notab.txt:2" "--pair without tab"

# safe corpus mode
printf '[CLS] 가짜 [MASK] 토큰 [SEP]\n' > "$T/evil.txt"
expect 0 "parity mode" -- "$MALMOI" tokenize --model "$KOBERT" --ids "$T/evil.txt"
grep -qw 2 "$T/out" || { echo "FAIL: default mode should match spm_encode's [CLS] = 2"; fail=$((fail + 1)); }
expect 0 "safe mode" -- "$MALMOI" tokenize --model "$KOBERT" --ids --safe "$T/evil.txt"
if grep -qwE '1|2|3|4' "$T/out"; then echo "FAIL: --safe produced a special id: $(cat "$T/out")"; fail=$((fail + 1)); fi

# tokenizer.json: --tokenizer FILE, --model DIR, and a clear error for an
# unsupported component (the ids are checked against the reference in
# hf_json_parity.sh; these are ROBERTA-CHECK.md's)
KOBART=$D/hf/kobart/model.json
echo '한국어 문장을 토큰으로 나눕니다. Hello, world!' > "$T/one.txt"
expect 0 "--tokenizer model.json" -- "$MALMOI" tokenize --tokenizer "$KOBART" --ids "$T/one.txt"
[ "$(cat "$T/out")" = "28324 14111 14324 14521 13092 14027 14054 9661 14562 16391 16997 20858 243 20676 15463 307 299 232" ] ||
    { echo "FAIL: KoBART ids: $(cat "$T/out")"; fail=$((fail + 1)); }
mkdir "$T/klue" && cp "$D/hf/klue/tokenizer.json" "$T/klue/"
expect 0 "--model DIR with tokenizer.json" -- "$MALMOI" tokenize --model "$T/klue" --encode "$T/one.txt"
[ "$(cat "$T/out")" = '{"input_ids":[2,9187,6265,2069,1793,2855,6233,717,3152,3606,18,13472,10211,2036,16,30520,5,3],"token_type_ids":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"attention_mask":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}' ] ||
    { echo "FAIL: KLUE --encode: $(cat "$T/out")"; fail=$((fail + 1)); }
sed 's/"type": *"BertPreTokenizer"/"type": "UnicodeScripts"/' "$D/hf/klue/tokenizer.json" > "$T/bad.json"
expect 1 "unsupported pre-tokenizer" -- "$MALMOI" tokenize --tokenizer "$T/bad.json" "$T/one.txt"
grep_err "$T/bad.json: pre_tokenizer \"UnicodeScripts\" is not supported" "unsupported pre-tokenizer"
printf '{"model": {"type": "BPE", "vocab": {' > "$T/cut.json"
expect 1 "truncated tokenizer.json" -- "$MALMOI" tokenize --tokenizer "$T/cut.json" "$T/one.txt"
grep_err "$T/cut.json:1: not valid JSON" "truncated tokenizer.json"

# --encode against spm_encode ids + BERT's input rules, re-done in Python
head -40 "$D/text/sentences.txt" | paste - - > "$T/pairs.txt"
printf '\t\n한국어\t\n' >> "$T/pairs.txt"
cut -f1 "$T/pairs.txt" > "$T/a.txt"
cut -f2 "$T/pairs.txt" > "$T/b.txt"
spm_encode --model="$KOBERT" --output_format=id < "$T/a.txt" > "$T/a.ids"
spm_encode --model="$KOBERT" --output_format=id < "$T/b.txt" > "$T/b.ids"
for ml in 0 16 64; do
    if [ "$ml" -eq 0 ]; then opt=""; else opt="--max-length $ml"; fi
    "$MALMOI" tokenize --model "$KOBERT" --encode --pair $opt "$T/pairs.txt" > "$T/pair.$ml.jsonl" || fail=$((fail + 1))
    "$MALMOI" tokenize --model "$KOBERT" --encode $opt "$T/a.txt" > "$T/single.$ml.jsonl" || fail=$((fail + 1))
done
/usr/bin/python3 - "$T" <<'PY' || fail=$((fail + 1))
import json, sys
T = sys.argv[1]
def ids(path):
    return [[int(x) for x in l.split()] for l in open(path, encoding='utf-8').read().split('\n')[:-1]]
A, B = ids(T + '/a.ids'), ids(T + '/b.ids')
CLS, SEP, PAD = 2, 3, 1
def bert(a, b, max_len):
    a, b = list(a), (list(b) if b is not None else None)
    if max_len:
        if b is None:
            a = a[:max_len - 2]
        else:  # run_classifier.py _truncate_seq_pair
            while len(a) + len(b) > max_len - 3:
                (a if len(a) > len(b) else b).pop()
    ids = [CLS] + a + [SEP]
    types = [0] * len(ids)
    if b is not None:
        ids += b + [SEP]
        types += [1] * (len(b) + 1)
    mask = [1] * len(ids)
    while max_len and len(ids) < max_len:
        ids.append(PAD); types.append(0); mask.append(0)
    return {'input_ids': ids, 'token_type_ids': types, 'attention_mask': mask}
bad = 0
for ml in (0, 16, 64):
    for kind, rows in (('pair', zip(A, B)), ('single', ((a, None) for a in A))):
        got = [json.loads(l) for l in open('%s/%s.%d.jsonl' % (T, kind, ml), encoding='utf-8')]
        want = [bert(a, b, ml) for a, b in rows]
        if got != want:
            bad += 1
            for i, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    print('FAIL: --encode %s max %d line %d:\n got %s\nwant %s' % (kind, ml, i + 1, g, w))
                    break
            if len(got) != len(want):
                print('FAIL: --encode %s max %d: %d lines, expected %d' % (kind, ml, len(got), len(want)))
sys.exit(1 if bad else 0)
PY
echo "cli_tokenize: $fail failures"
[ "$fail" -eq 0 ]
