#!/bin/bash
# bench/tokenize/run.sh -- malmoi's tokenizers against the references on the
# same Korean text (several MB of real pages), in one run:
#   SentencePiece: malmoi tokenize --model KoBERT  vs  spm_encode (Debian 0.1.97)
#   WordPiece:     malmoi tokenize --vocab mBERT   vs  Hugging Face tokenizers
#                  (the Rust code through its Node binding, tests/tokenize/node)
#   byte-level BPE: malmoi tokenize --tokenizer bytebpe.json vs Hugging Face
#                  tokenizers (the file is trained here by tests/tokenize/node/hf_make.js)
# Prints wall and CPU seconds (best of 3), MB/s and lines/s on wall time, the
# ratios, and checks that the outputs are identical. Not a test: no timing is
# asserted anywhere. On a shared machine compare the CPU columns (wall time
# then mostly measures the other processes); thread scaling needs idle cores.
# usage: bench/tokenize/run.sh [CORPUS_DIR]   (env MALMOI=path/to/malmoi, MB=8)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${1:-/work/shared/corpus}
[ -d "$CORPUS" ] || CORPUS=$ROOT/tests/data/tokenize/text
MALMOI=${MALMOI:-}
if [ -z "$MALMOI" ]; then
    for b in "$ROOT"/build/malmoi "$ROOT"/build-*/malmoi; do
        [ -x "$b" ] && { MALMOI=$b; break; }
    done
fi
[ -x "${MALMOI:-}" ] || { echo "build malmoi first (or set MALMOI)"; exit 1; }
KOBERT=$ROOT/config/models/kobert/spiece.model
VOCAB=$ROOT/tests/data/tokenize/mbert/vocab.txt
NODE=$ROOT/tests/tokenize/node
T=$(mktemp -d)
# tokenizing uses no BLAS; keep the OpenBLAS thread pool that malmoi links
# for embed/ from spinning next to the measurement
export OPENBLAS_NUM_THREADS=1
trap 'rm -rf "$T"' EXIT

/usr/bin/python3 "$ROOT/bench/tokenize/make_text.py" "$CORPUS" "${MB:-8}" > "$T/ko.txt"
bytes=$(stat -c %s "$T/ko.txt")
lines=$(wc -l < "$T/ko.txt")
echo "text: $(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1e6}') MB, $lines lines of Korean from $CORPUS"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); malmoi: $MALMOI"

# run NAME OUTFILE CMD... : best-of-3 wall and CPU seconds into $T/NAME.t
run() {
    local name=$1 out=$2
    shift 2
    local best_w=999999 best_c=999999
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %U %S" -o "$T/time" "$@" > "$out" 2> "$T/$name.err"
        read -r w u s < "$T/time"
        best_w=$(awk -v a="$best_w" -v b="$w" 'BEGIN{print (b<a)?b:a}')
        best_c=$(awk -v a="$best_c" -v b="$u" -v c="$s" 'BEGIN{print (b+c<a)?b+c:a}')
    done
    echo "$best_w $best_c" > "$T/$name.t"
}
row() { # row NAME LABEL REFNAME
    read -r w c < "$T/$1.t"
    local ratio="" cratio=""
    if [ -n "${3:-}" ]; then
        read -r rw rc < "$T/$3.t"
        ratio=$(awk -v a="$rw" -v b="$w" 'BEGIN{printf "%.1fx", a/b}')
        cratio=$(awk -v a="$rc" -v b="$c" 'BEGIN{printf "%.1fx", a/b}')
    fi
    awk -v l="$2" -v w="$w" -v c="$c" -v by="$bytes" -v li="$lines" -v r="$ratio" -v cr="$cratio" \
        'BEGIN{printf "  %-38s %7.2f s wall %7.2f s cpu %8.1f MB/s %10.0f lines/s  %s%s\n", l, w, c, by/1e6/w, li/w, (r!=""?"vs ref: "r" wall, ":""), (cr!=""?cr" cpu":"")}'
}
same() { if cmp -s "$1" "$2"; then echo "  output identical: yes"; else echo "  output identical: NO"; fi; }

echo
echo "SentencePiece (KoBERT spiece.model), ids"
run spm "$T/spm.out" spm_encode --model="$KOBERT" --output_format=id --input="$T/ko.txt"
run m1 "$T/m1.out" "$MALMOI" tokenize --model "$KOBERT" --ids "$T/ko.txt"
run m2 "$T/m2.out" "$MALMOI" tokenize --model "$KOBERT" --ids --threads 2 "$T/ko.txt"
row spm "spm_encode" ""
row m1 "malmoi, 1 thread" spm
row m2 "malmoi, 2 threads" spm
same "$T/spm.out" "$T/m1.out"
cmp -s "$T/m1.out" "$T/m2.out" || echo "  2-thread output differs!"
awk -v a="$(cut -d' ' -f1 "$T/m1.t")" -v b="$(cut -d' ' -f1 "$T/m2.t")" 'BEGIN{printf "  scaling 1 -> 2 threads: %.2fx\n", a/b}'

echo
echo "SentencePiece, pieces"
run spmp "$T/spmp.out" spm_encode --model="$KOBERT" --output_format=piece --input="$T/ko.txt"
run mp "$T/mp.out" "$MALMOI" tokenize --model "$KOBERT" "$T/ko.txt"
row spmp "spm_encode" ""
row mp "malmoi, 1 thread" spmp
same "$T/spmp.out" "$T/mp.out"

echo
echo "WordPiece (mBERT vocab.txt), ids"
if command -v node >/dev/null && [ -d "$NODE/node_modules/tokenizers" ]; then
    run hf1 "$T/hf1.out" env RAYON_NUM_THREADS=1 node "$NODE/hf_tokenize.js" --vocab "$VOCAB" --ids --time "$T/ko.txt"
    hf1_enc=$(awk '{print $2}' "$T/hf1.err")
    run hfn "$T/hfn.out" node "$NODE/hf_tokenize.js" --vocab "$VOCAB" --ids --time "$T/ko.txt"
    hfn_enc=$(awk '{print $2}' "$T/hfn.err")
    run w1 "$T/w1.out" "$MALMOI" tokenize --vocab "$VOCAB" --ids "$T/ko.txt"
    run w2 "$T/w2.out" "$MALMOI" tokenize --vocab "$VOCAB" --ids --threads 2 "$T/ko.txt"
    row hf1 "HF tokenizers, 1 thread (process)" ""
    echo "$hf1_enc $hf1_enc" > "$T/hf1enc.t"
    row hf1enc "HF 1 thread, encode only (wall=cpu)" ""
    row hfn "HF tokenizers, all threads (process)" ""
    row w1 "malmoi, 1 thread (process)" hf1
    awk -v e="$hf1_enc" -v w="$(cut -d' ' -f1 "$T/w1.t")" 'BEGIN{printf "  malmoi 1 thread (whole process) vs HF encode-only time: %.1fx\n", e/w}'
    row w2 "malmoi, 2 threads (process)" hfn
    same "$T/hf1.out" "$T/w1.out"
    cmp -s "$T/w1.out" "$T/w2.out" || echo "  2-thread output differs!"
    awk -v a="$(cut -d' ' -f1 "$T/w1.t")" -v b="$(cut -d' ' -f1 "$T/w2.t")" 'BEGIN{printf "  scaling 1 -> 2 threads: %.2fx\n", a/b}'
else
    echo "  (skipped: run 'npm ci' in $NODE for the Hugging Face reference)"
fi

echo
echo "Byte-level BPE (RoBERTa layout, trained here by HF tokenizers on the test text), ids"
if command -v node >/dev/null && [ -d "$NODE/node_modules/tokenizers" ]; then
    D=$ROOT/tests/data/tokenize/text
    cat "$D/sentences.txt" "$D/apache-manual-ko.txt" > "$T/train.txt"
    node "$NODE/hf_make.js" "$T/gen" "$T/train.txt" 2> /dev/null
    BBPE=$T/gen/bytebpe.json
    run bh1 "$T/bh1.out" env RAYON_NUM_THREADS=1 node "$NODE/hf_tokenize.js" --json "$BBPE" --ids "$T/ko.txt"
    run bhn "$T/bhn.out" node "$NODE/hf_tokenize.js" --json "$BBPE" --ids "$T/ko.txt"
    run b1 "$T/b1.out" "$MALMOI" tokenize --tokenizer "$BBPE" --ids "$T/ko.txt"
    run b2 "$T/b2.out" "$MALMOI" tokenize --tokenizer "$BBPE" --ids --threads 2 "$T/ko.txt"
    row bh1 "HF tokenizers, 1 thread (process)" ""
    row bhn "HF tokenizers, all threads (process)" ""
    row b1 "malmoi, 1 thread (process)" bh1
    row b2 "malmoi, 2 threads (process)" bhn
    same "$T/bh1.out" "$T/b1.out"
    cmp -s "$T/b1.out" "$T/b2.out" || echo "  2-thread output differs!"
else
    echo "  (skipped: run 'npm ci' in $NODE for the Hugging Face reference)"
fi

echo
echo "KoBERT model load (malmoi tokenize on empty input, best of 3):"
: > "$T/empty"
run load "$T/load.out" "$MALMOI" tokenize --model "$KOBERT" "$T/empty"
echo "  $(cut -d' ' -f1 "$T/load.t") s wall for the whole process"
