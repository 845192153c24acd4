#!/usr/bin/python3
"""make_inputs.py OUTDIR N -- the bench workload: a BERT-base-shaped model
with random weights (KoBERT's vocab size 8002) written as safetensors, and
the first N real Korean sentences of the shared corpus tokenized with
KoBERT's SentencePiece model (spm_encode) to [CLS] ids [SEP], max length 128.
Writes OUTDIR/model/ (OUTDIR/model-roberta/ with BENCH_FAMILY=roberta: the
same shapes as a RoBERTa config, 514 positions, pad_token_id 1 = KoBERT's
[PAD], one token type), ids.npy, mask.npy, lengths.txt.
Env: BENCH_SENTENCES (text files, ':'-separated), BENCH_SPM (spiece.model),
BENCH_FAMILY (bert or roberta).
"""
import os
import subprocess
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "tests", "embed"))
import bertref  # noqa: E402

out, N = sys.argv[1], int(sys.argv[2])
T = 128
files = os.environ.get("BENCH_SENTENCES", "/work/shared/corpus/sentences/kiwipiepy/wikipedia.txt:"
                       "/work/shared/corpus/sentences/kiwipiepy/blogs_ko.txt").split(":")
spm = os.environ.get("BENCH_SPM", "/work/shared/models/kobert/spiece.model")
lines = []
for f in files:
    lines += [l.strip() for l in open(f, encoding="utf-8") if l.strip()]
lines = lines[:N]
r = subprocess.run(["spm_encode", "--model=" + spm, "--output_format=id"], input="\n".join(lines) + "\n",
                   capture_output=True, text=True, check=True)
enc = [list(map(int, l.split())) for l in r.stdout.splitlines()]
assert len(enc) == len(lines)
ids = np.ones((len(enc), T), dtype=np.int32)
mask = np.zeros((len(enc), T), dtype=np.int32)
for i, e in enumerate(enc):
    e = [2] + e[: T - 2] + [3]
    ids[i, : len(e)] = e
    mask[i, : len(e)] = 1
os.makedirs(out, exist_ok=True)
np.save(os.path.join(out, "ids.npy"), ids)
np.save(os.path.join(out, "mask.npy"), mask)
L = mask.sum(1)
print("workload: %d sentences from %s; tokens per sentence mean %.1f, median %d, max %d, %d truncated to 128"
      % (len(L), ",".join(os.path.basename(f) for f in files), L.mean(), int(np.median(L)), L.max(), int((L == T).sum())))
with open(os.path.join(out, "sentences.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
family = os.environ.get("BENCH_FAMILY", "bert")
model = os.path.join(out, "model" if family == "bert" else "model-" + family)
if not os.path.exists(os.path.join(model, "model.safetensors")):
    if family == "roberta":
        cfg = bertref.make_roberta_config(V=8002, H=768, L=12, heads=12, inter=3072, max_tokens=512)
    else:
        cfg = bertref.make_config(V=8002, H=768, L=12, heads=12, inter=3072, max_pos=512)
    bertref.write_model(model, cfg, bertref.make_weights(cfg, seed=11), "safetensors")
