#!/bin/bash
# bench/embed/run.sh -- malmoi's BERT forward pass vs PyTorch 1.13 on this
# machine, same run, same random BERT-base weights, same real sentences.
#   bench/embed/run.sh [BUILD_DIR] [N_SENTENCES] [REPS]
# Needs: python3-torch, python3-numpy, spm_encode (sentencepiece), the
# shared corpus and KoBERT spiece.model (override with BENCH_SENTENCES /
# BENCH_SPM). Prints sentences/s, GFLOP/s vs the sgemm peak, and ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
n=${2:-300}
reps=${3:-2}
threads=${BENCH_THREADS:-2}
work=${BENCH_WORK:-/tmp/malmoi-bench-embed}
mkdir -p "$work"
echo "load before: $(cut -d" " -f1-3 /proc/loadavg)"
/usr/bin/python3 "$here/make_inputs.py" "$work" "$n"
"$build/bench/embed/bench_embed" "$work/model" "$work/ids.npy" "$work/mask.npy" "$threads" "$reps" \
    "$work/malmoi_pooled.npy" | tee "$work/malmoi.txt"
OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$here/torch_bench.py" "$work" "$threads" "$reps" | tee "$work/torch.txt"
/usr/bin/python3 - "$work" "$threads" <<'PY'
import json, re, sys
w, t = sys.argv[1], sys.argv[2]
m = open(w + "/malmoi.txt").read()
tj = json.load(open(w + "/torch_%s.json" % t))
mix = float(re.search(r"malmoi mix pooled .*?, ([\d.]+) sentences/s", m).group(1))
mixm = float(re.search(r"malmoi mix mean .*?, ([\d.]+) sentences/s", m).group(1))
f8 = float(re.search(r"malmoi 8x128 pooled.*?, ([\d.]+) sentences/s", m).group(1))
f8m = float(re.search(r"malmoi 8x128 mean.*?, ([\d.]+) sentences/s", m).group(1))
print("ratios (malmoi / torch): mix vs usual %.2fx (mean pooling %.2fx), mix vs sorted %.2fx (mean %.2fx), "
      "8x128 %.2fx (mean %.2fx)" % (mix / tj["usual"], mixm / tj["usual"], mix / tj["sorted"], mixm / tj["sorted"],
                                   f8 / tj["fixed"], f8m / tj["fixed"]))
PY
echo "load after: $(cut -d" " -f1-3 /proc/loadavg)"
