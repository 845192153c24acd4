#!/bin/bash
# bench/embed/run.sh -- malmoi's BERT forward pass vs PyTorch 1.13 on this
# machine, same run, same random BERT-base weights, same real sentences.
#   bench/embed/run.sh [BUILD_DIR] [N_SENTENCES] [ROUNDS]
# The two peers alternate for ROUNDS rounds (default 3) and each case keeps
# its best round, so a burst of load from other processes on a shared
# machine hits both alike. Needs python3-torch, python3-numpy, spm_encode,
# the shared corpus and KoBERT spiece.model (or BENCH_SENTENCES/BENCH_SPM).
# Prints sentences/s, GFLOP/s vs OpenBLAS's sgemm peak, CPU ms per
# sentence, and the ratios. BENCH_FAMILY=roberta runs the same with a
# RoBERTa config (RobertaModel's position ids), for the RoBERTa rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
n=${2:-300}
rounds=${3:-3}
threads=${BENCH_THREADS:-2}
work=${BENCH_WORK:-/tmp/malmoi-bench-embed}
family=${BENCH_FAMILY:-bert}
export BENCH_FAMILY=$family
modeldir=$work/model
[ "$family" = bert ] || modeldir=$work/model-$family
mkdir -p "$work"
echo "load before: $(cut -d" " -f1-3 /proc/loadavg)"
/usr/bin/python3 "$here/make_inputs.py" "$work" "$n"
: > "$work/malmoi.txt"
: > "$work/torch.txt"
for r in $(seq "$rounds"); do
    echo "== round $r (load $(cut -d" " -f1 /proc/loadavg))"
    "$build/bench/embed/bench_embed" "$modeldir" "$work/ids.npy" "$work/mask.npy" "$threads" 1 \
        "$work/malmoi_pooled.npy" | tee -a "$work/malmoi.txt"
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_bench.py" "$work" "$threads" 1 | tee -a "$work/torch.txt"
done
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$work" <<'PY'
import re, sys
w = sys.argv[1]
m, t = open(w + "/malmoi.txt").read(), open(w + "/torch.txt").read()
def best(pat, text):
    return max(float(x) for x in re.findall(pat, text))
r = {
    "malmoi mix pooled": best(r"malmoi mix pooled .*?, ([\d.]+) sentences/s", m),
    "malmoi mix mean": best(r"malmoi mix mean .*?, ([\d.]+) sentences/s", m),
    "malmoi 8x128 pooled": best(r"malmoi 8x128 pooled.*?, ([\d.]+) sentences/s", m),
    "malmoi 8x128 mean": best(r"malmoi 8x128 mean .*?, ([\d.]+) sentences/s", m),
    "torch usual": best(r"torch usual .*?, ([\d.]+) sentences/s", t),
    "torch sorted": best(r"torch sorted .*?, ([\d.]+) sentences/s", t),
    "torch 8x128": best(r"torch 8x128: .*?, ([\d.]+) sentences/s", t),
}
gf = best(r"malmoi mix pooled .*? ([\d.]+) GF/s", m)
peak = best(r"peak: .*?, ([\d.]+) GF/s \(\d+ threads\)", m)
print("best of rounds (sentences/s): " + ", ".join("%s %.1f" % kv for kv in r.items()))
print("malmoi mix pooled best %.1f GF/s; sgemm peak (best round) %.1f GF/s -> %.0f%% of the ceiling"
      % (gf, peak, 100 * gf / peak))
print("ratios: mix vs torch usual %.2fx (mean pooling %.2fx); vs torch sorted %.2fx (mean %.2fx); "
      "8x128 %.2fx (mean %.2fx)" % (
          r["malmoi mix pooled"] / r["torch usual"], r["malmoi mix mean"] / r["torch usual"],
          r["malmoi mix pooled"] / r["torch sorted"], r["malmoi mix mean"] / r["torch sorted"],
          r["malmoi 8x128 pooled"] / r["torch 8x128"], r["malmoi 8x128 mean"] / r["torch 8x128"]))
PY
