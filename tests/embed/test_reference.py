#!/usr/bin/python3
"""test_reference.py -- embed/ forward pass vs a float64 numpy BERT written
from the math (bertref.py), on random-weight models the test writes itself:
a tiny one in every weight variant (safetensors F32/F16/BF16, torch.save
.bin F32/F16, `bert.` prefix, gamma/beta names, position_ids buffer, no
pooler, tanh GELU) and a BERT-base-sized one (hidden 768, 12 layers, 12
heads, 3072) in safetensors and .bin. Batches mix lengths, padding, pairs
with token types and sequences truncated to max_length. pooled, cls and mean
must be within 1e-4 of the reference.
Usage: test_reference.py PATH/TO/emb_tool
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bertref  # noqa: E402

TOOL = sys.argv[1]
TOL = 1e-4
failures = []


def run_tool(model, ids, types, mask, pooling, threads, batch_tokens, tmp):
    paths = []
    for name, a in (("ids", ids), ("types", types), ("mask", mask)):
        p = os.path.join(tmp, name + ".npy")
        np.save(p, a)
        paths.append(p)
    out = os.path.join(tmp, "out.npy")
    r = subprocess.run([TOOL, model, *paths, pooling, str(threads), str(batch_tokens), out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return np.load(out), r.stdout


def check(label, model, cfg, seen, ids, types, mask, tmp, poolings=("pooled", "cls", "mean"), runs=((1, 0), (2, 48)),
          ref=None):
    if ref is None:
        ref = dict(zip(("pooled", "cls", "mean"), bertref.forward(cfg, seen, ids, types, mask)))
    for pooling in poolings:
        for threads, bt in runs:
            got, msg = run_tool(model, ids, types, mask, pooling, threads, bt, tmp)
            if got is None:
                failures.append("%s %s: emb_tool failed: %s" % (label, pooling, msg))
                print("FAIL", label, pooling, msg)
                continue
            d = float(np.max(np.abs(got.astype(np.float64) - ref[pooling])))
            ok = d < TOL and got.shape == ref[pooling].shape
            print("%-4s %-34s %-6s threads=%d batch_tokens=%-3d max |diff| %.3g" %
                  ("ok" if ok else "FAIL", label, pooling, threads, bt, d))
            if not ok:
                failures.append("%s %s threads=%d: max diff %.3g" % (label, pooling, threads, d))


def main():
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="emb_ref_") as tmp:
        # Tiny model, every variant. max_position_embeddings 40 = T, so the
        # full-length rows are sentences truncated to the model's limit.
        cfg = bertref.make_config(V=300, H=32, L=2, heads=4, inter=64, max_pos=40)
        w = bertref.make_weights(cfg, seed=1)
        ids, types, mask = bertref.make_batch(rng, 300, 40, [40, 3, 17, 40, 1, 2, 29, 8, 40, 11], pairs=True)
        variants = [
            ("tiny safetensors F32", "safetensors", "F32", "", False, False),
            ("tiny safetensors F16", "safetensors", "F16", "", False, False),
            ("tiny safetensors BF16", "safetensors", "BF16", "", False, False),
            ("tiny .bin F32", "bin", "F32", "", False, False),
            ("tiny .bin F16", "bin", "F16", "", False, False),
            ("tiny .bin bert. prefix+gamma/beta", "bin", "F32", "bert.", True, True),
            ("tiny safetensors bert. prefix", "safetensors", "F32", "bert.", False, True),
        ]
        for i, (label, fmt, dt, prefix, gamma, posids) in enumerate(variants):
            t = {}
            for k, v in w.items():
                name = k
                if gamma:
                    name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
                t[prefix + name] = v
            if posids:
                t[prefix + "embeddings.position_ids"] = np.arange(40, dtype=np.int64)[None]
                # pretraining heads a BertForPreTraining checkpoint carries
                t["cls.predictions.bias"] = np.zeros(300, dtype=np.float32)
            folder = os.path.join(tmp, "tiny%d" % i)
            seen_raw = bertref.write_model(folder, cfg, t, fmt, dt)
            seen = {}
            for k, v in seen_raw.items():  # back to plain names for the reference
                if not k.startswith(prefix) or v.dtype.kind != "f" or k.startswith("cls."):
                    continue
                k = k[len(prefix):].replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
                seen[k] = v
            check(label, folder, cfg, seen, ids, types, mask, tmp)

        # No pooler (a BertForMaskedLM body): cls and mean work, pooled says why not.
        wn = bertref.make_weights(cfg, seed=2, pooler=False)
        folder = os.path.join(tmp, "nopooler")
        seen = bertref.write_model(folder, cfg, wn, "safetensors")
        check("tiny without pooler", folder, cfg, seen, ids, types, mask, tmp, poolings=("cls", "mean"))
        got, msg = run_tool(folder, ids, types, mask, "pooled", 1, 0, tmp)
        ok = got is None and "pooler" in msg
        print("%-4s tiny without pooler: pooled refused: %s" % ("ok" if ok else "FAIL", msg))
        if not ok:
            failures.append("pooled on a checkpoint without pooler was not refused with a message")

        # tanh-approximated GELU (hidden_act gelu_new)
        cfg2 = dict(cfg, hidden_act="gelu_new")
        folder = os.path.join(tmp, "gelu_new")
        seen = bertref.write_model(folder, cfg2, w, "safetensors")
        check("tiny gelu_new", folder, cfg2, seen, ids, types, mask, tmp)

        # BERT-base shape, random weights, small vocabulary to keep files small.
        cfgb = bertref.make_config(V=1000, H=768, L=12, heads=12, inter=3072, max_pos=512)
        wb = bertref.make_weights(cfgb, seed=3)
        ids, types, mask = bertref.make_batch(rng, 1000, 128, [128, 31, 128, 2, 77, 9], pairs=True)
        ref = None
        for fmt in ("safetensors", "bin"):
            folder = os.path.join(tmp, "base_" + fmt)
            seen = bertref.write_model(folder, cfgb, wb, fmt)
            if ref is None:  # both files hold the same float32 weights
                ref = dict(zip(("pooled", "cls", "mean"), bertref.forward(cfgb, seen, ids, types, mask)))
            check("base-sized " + fmt, folder, cfgb, seen, ids, types, mask, tmp, runs=((2, 0), (1, 100)), ref=ref)
            for f in os.listdir(folder):
                os.unlink(os.path.join(folder, f))

    if failures:
        print("%d failures:" % len(failures))
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("all reference checks passed")


if __name__ == "__main__":
    main()
