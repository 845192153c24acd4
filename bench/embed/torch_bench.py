#!/usr/bin/python3
"""torch_bench.py OUTDIR THREADS REPS -- the PyTorch peer: Hugging Face's
BertModel forward written out in torch ops (transformers is not packaged in
Debian 12; this is the same sequence of ops: embeddings, LayerNorm, separate
Q/K/V Linear, matmul + additive mask + softmax, dense, GELU, pooler) over
the weights make_inputs.py wrote, in torch.inference_mode.
Cases: "usual" = batches of 32 in input order padded to the longest;
"sorted" = the same after sorting by length; "8x128" = fixed full batches.
Compares its pooled output with malmoi's (OUTDIR/malmoi_pooled.npy).
BENCH_FAMILY=roberta: OUTDIR/model-roberta/, RobertaModel's position ids
(non-pad ids counted from pad_token_id + 1), otherwise the same ops.
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

out, threads, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
family = os.environ.get("BENCH_FAMILY", "bert")
model = os.path.join(out, "model" if family == "bert" else "model-" + family)
cfg = json.load(open(os.path.join(model, "config.json")))
raw = open(os.path.join(model, "model.safetensors"), "rb").read()
hl = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + hl])
W = {}
for k, v in hdr.items():
    if k == "__metadata__":
        continue
    b, e = v["data_offsets"]
    W[k] = torch.from_numpy(np.frombuffer(raw[8 + hl + b:8 + hl + e], dtype="<f4").reshape(v["shape"]).copy())
H, nh, Lyr = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
d, eps = H // nh, cfg["layer_norm_eps"]


def bert(ids, mask):
    B, T = ids.shape
    if family == "roberta":  # create_position_ids_from_input_ids
        real = (ids != cfg["pad_token_id"]).long()
        pos = W["embeddings.position_embeddings.weight"][torch.cumsum(real, 1) * real + cfg["pad_token_id"]]
    else:
        pos = W["embeddings.position_embeddings.weight"][:T]
    x = W["embeddings.word_embeddings.weight"][ids] + pos + W["embeddings.token_type_embeddings.weight"][0]
    x = F.layer_norm(x, (H,), W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for l in range(Lyr):
        p = "encoder.layer.%d." % l

        def lin(v, n):
            return F.linear(v, W[p + n + ".weight"], W[p + n + ".bias"])

        def heads(v):
            return v.view(B, T, nh, d).permute(0, 2, 1, 3)
        q, k, v = (heads(lin(x, "attention.self." + s)) for s in ("query", "key", "value"))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext
        ctx = torch.matmul(torch.softmax(s, -1), v).permute(0, 2, 1, 3).reshape(B, T, H)
        x = F.layer_norm(x + lin(ctx, "attention.output.dense"), (H,), W[p + "attention.output.LayerNorm.weight"],
                         W[p + "attention.output.LayerNorm.bias"], eps)
        h = F.gelu(lin(x, "intermediate.dense"))
        x = F.layer_norm(x + lin(h, "output.dense"), (H,), W[p + "output.LayerNorm.weight"],
                         W[p + "output.LayerNorm.bias"], eps)
    return torch.tanh(F.linear(x[:, 0], W["pooler.dense.weight"], W["pooler.dense.bias"]))


ids = np.load(os.path.join(out, "ids.npy")).astype(np.int64)
mask = np.load(os.path.join(out, "mask.npy")).astype(np.int64)
lens = mask.sum(1)
n = len(ids)


def run(order, bs=32):
    res = np.zeros((n, H), dtype=np.float32)
    for i in range(0, n, bs):
        idx = order[i:i + bs]
        T = int(lens[idx].max())
        res[idx] = bert(torch.from_numpy(ids[idx, :T]), torch.from_numpy(mask[idx, :T])).numpy()
    return res


cpu = {}


def timed(f, key=None):
    best, r = 1e9, None
    c0 = time.process_time()
    for _ in range(reps):
        t = time.perf_counter()
        r = f()
        best = min(best, time.perf_counter() - t)
    if key:
        cpu[key] = (time.process_time() - c0) / reps
    return best, r


with torch.inference_mode():
    print("torch %s, %d threads, OMP_WAIT_POLICY=%s, BLAS: %s" % (
        torch.__version__, torch.get_num_threads(), os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "OpenBLAS" if "openblas" in torch.__config__.show().lower() else "see torch.__config__.show()"))
    t_usual, r_usual = timed(lambda: run(np.arange(n)), "usual")
    t_sorted, _ = timed(lambda: run(np.argsort(-lens, kind="stable")), "sorted")
    fid = torch.from_numpy(np.ascontiguousarray(np.tile(ids[:8, :1], (1, 128))))
    fm = torch.ones((8, 128), dtype=torch.int64)
    t8, _ = timed(lambda: bert(fid, fm))
    t8 = min(t8, timed(lambda: bert(fid, fm))[0])
    print("torch usual  (32 in input order, padded): %.3f s, %.1f sentences/s, %.1f ms CPU/sentence"
          % (t_usual, n / t_usual, 1000 * cpu["usual"] / n))
    print("torch sorted (32 sorted by length, padded): %.3f s, %.1f sentences/s, %.1f ms CPU/sentence"
          % (t_sorted, n / t_sorted, 1000 * cpu["sorted"] / n))
    print("torch 8x128: %.3f s per batch, %.1f sentences/s" % (t8, 8 / t8))
    mp = os.path.join(out, "malmoi_pooled.npy")
    if os.path.exists(mp):
        diff = float(np.abs(np.load(mp) - r_usual).max())
        print("pooled outputs malmoi vs torch: max |diff| %.2e%s" % (diff, "" if diff < 1e-3 else "  <-- MISMATCH"))
    json.dump({"usual": n / t_usual, "sorted": n / t_sorted, "fixed": 8 / t8},
              open(os.path.join(out, "torch_%d.json" % threads), "w"))
