#!/usr/bin/python3
"""test_reference.py -- embed/ forward pass vs a float64 numpy BERT written
from the math (bertref.py), on random-weight models the test writes itself:
a tiny one in every weight variant (safetensors F32/F16/BF16, torch.save
.bin F32/F16, `bert.` prefix, gamma/beta names, position_ids buffer, no
pooler, tanh GELU) and a BERT-base-sized one (hidden 768, 12 layers, 12
heads, 3072) in safetensors and .bin. Batches mix lengths, padding, pairs
with token types and sequences truncated to max_length. pooled, cls and mean
must be within 1e-4 of the reference. RoBERTa and XLM-RoBERTa (random tiny
models: `roberta.` prefix with lm_head.* and no pooler, plain names with a
pooler, .bin, pad_token_id 1 and 0, a real token whose id is the pad id,
sequences of the model's full 512-style length) in every pooling (pooled,
cls, mean, max, mean-sqrt-len, each also L2-normalised), the default
pooling, and the refusals (pooled without pooler, a sequence past the
positions, token type 1 with type_vocab_size 1).
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
        ref = bertref.all_poolings(cfg, seen, ids, types, mask)
    for pooling in poolings:
        for threads, bt in runs:
            got, msg = run_tool(model, ids, types, mask, pooling, threads, bt, tmp)
            if got is None:
                failures.append("%s %s: emb_tool failed: %s" % (label, pooling, msg))
                print("FAIL", label, pooling, msg)
                continue
            want = ref[pooling.replace("default", check.default)]
            d = float(np.max(np.abs(got.astype(np.float64) - want)))
            ok = d < TOL and got.shape == want.shape
            print("%-4s %-34s %-6s threads=%d batch_tokens=%-3d max |diff| %.3g" %
                  ("ok" if ok else "FAIL", label, pooling, threads, bt, d))
            if not ok:
                failures.append("%s %s threads=%d: max diff %.3g" % (label, pooling, threads, d))


check.default = "pooled"


def expect_refusal(label, model, ids, types, mask, pooling, words, tmp):
    got, msg = run_tool(model, ids, types, mask, pooling, 1, 0, tmp)
    ok = got is None and all(w in msg for w in words)
    print("%-4s %s: refused: %s" % ("ok" if ok else "FAIL", label, msg))
    if not ok:
        failures.append("%s was not refused with a message naming %s" % (label, words))


def roberta_batch(rng, V, T, lengths, bos=0, eos=2, pad=1):
    """<s> ... </s>, right-padded with the pad id."""
    n = len(lengths)
    ids = np.full((n, T), pad, dtype=np.int64)
    mask = np.zeros((n, T), dtype=np.int64)
    for i, L in enumerate(lengths):
        ids[i, :L] = rng.integers(5, V, size=L)
        ids[i, 0] = bos
        if L > 1:
            ids[i, L - 1] = eos
        mask[i, :L] = 1
    return ids, np.zeros((n, T), dtype=np.int64), mask


def roberta_checks(rng, tmp):
    every = ("cls", "mean", "max", "mean-sqrt-len", "cls+normalize", "mean+normalize", "max+normalize",
             "mean-sqrt-len+normalize")
    T = 40
    cfg = bertref.make_roberta_config(V=300, H=32, L=2, heads=4, inter=64, max_tokens=T)
    ids, types, mask = roberta_batch(rng, 300, T, [40, 3, 17, 40, 1, 2, 29, 8, 40, 11])
    ids[2, 5] = 1  # a real token with the pad id: transformers gives it position pad_token_id, uncounted
    ids[3, 20] = 1
    # RobertaForMaskedLM: roberta. prefix, lm_head.*, no pooler.
    w = bertref.make_weights(cfg, seed=11, pooler=False)
    t = {"roberta." + k: v for k, v in w.items()}
    t["roberta.embeddings.position_ids"] = np.arange(cfg["max_position_embeddings"], dtype=np.int64)[None]
    t["lm_head.dense.weight"] = np.zeros((32, 32), dtype=np.float32)
    t["lm_head.dense.bias"] = np.zeros(32, dtype=np.float32)
    t["lm_head.layer_norm.weight"] = np.ones(32, dtype=np.float32)
    t["lm_head.layer_norm.bias"] = np.zeros(32, dtype=np.float32)
    t["lm_head.bias"] = np.zeros(300, dtype=np.float32)
    folder = os.path.join(tmp, "roberta_mlm")
    seen = {k[len("roberta."):]: v for k, v in bertref.write_model(folder, cfg, t, "safetensors").items()
            if k.startswith("roberta.") and v.dtype.kind == "f"}
    check.default = "cls"
    check("roberta MLM (prefix, lm_head, no pooler)", folder, cfg, seen, ids, types, mask, tmp,
          poolings=every + ("default",))
    expect_refusal("roberta without pooler, pooled", folder, ids, types, mask, "pooled", ["pooler", "cls"], tmp)
    # The positions end at max_position_embeddings - 1: one more token is refused.
    ids2, types2, mask2 = roberta_batch(rng, 300, T + 1, [T + 1])
    expect_refusal("roberta sequence past its positions", folder, ids2, types2, mask2, "cls",
                   ["max_position_embeddings", str(T)], tmp)
    types3 = types.copy()
    types3[0, 3] = 1
    expect_refusal("roberta token type 1", folder, ids, types3, mask, "cls", ["token type 1"], tmp)

    # XLM-RoBERTa: plain RobertaModel names with a pooler, torch.save .bin,
    # pad_token_id 0 and a larger layer_norm_eps.
    cfgx = bertref.make_roberta_config(V=300, H=32, L=2, heads=4, inter=64, max_tokens=T, pad=0,
                                       model_type="xlm-roberta", eps=1e-3)
    wx = bertref.make_weights(cfgx, seed=12)
    idsx, typesx, maskx = roberta_batch(rng, 300, T, [40, 3, 17, 1, 29, 8, 40, 11], bos=2, eos=3, pad=0)
    idsx[4, 7] = 0
    folder = os.path.join(tmp, "xlmr")
    seen = bertref.write_model(folder, cfgx, wx, "bin")
    check.default = "pooled"
    check("xlm-roberta .bin with pooler", folder, cfgx, seen, idsx, typesx, maskx, tmp,
          poolings=("pooled", "pooled+normalize", "default") + every)


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

        roberta_checks(rng, tmp)

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
