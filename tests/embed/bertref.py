"""bertref.py -- independent references for the embed/ tests: random BERT
weights with Hugging Face BertModel names, writers for safetensors (from the
format description) and pytorch_model.bin (torch.save itself), and a float64
numpy forward pass written from the BERT math (transformers modeling_bert.py:
embeddings + LayerNorm; per layer self-attention with an additive padding
mask, dense + residual + LayerNorm, erf GELU feed-forward, residual +
LayerNorm; pooler tanh(W h[CLS] + b)). RoBERTa (modeling_roberta.py) is the
same network with other position ids: create_position_ids_from_input_ids
gives a non-pad id the count of non-pad ids up to it plus pad_token_id, and
a pad id pad_token_id. The sentence-transformers poolings (Pooling.py: cls,
max over masked tokens, mean, sum / sqrt(count)) and Normalize
(x / max(|x|, 1e-12)) are here too. Nothing here calls malmoi code.
"""
import json
import math
import os
import struct
from collections import OrderedDict

import numpy as np


def make_config(V, H, L, heads, inter, max_pos, types=2, act="gelu"):
    return {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": V, "hidden_size": H,
            "num_hidden_layers": L, "num_attention_heads": heads, "intermediate_size": inter,
            "max_position_embeddings": max_pos, "type_vocab_size": types, "layer_norm_eps": 1e-12,
            "hidden_act": act, "pad_token_id": 1, "position_embedding_type": "absolute"}


def make_roberta_config(V, H, L, heads, inter, max_tokens, pad=1, model_type="roberta", eps=1e-5):
    """As roberta-base / xlm-roberta-base write it: positions for max_tokens
    tokens after pad_token_id + 1, one token type, layer_norm_eps 1e-5."""
    return {"architectures": ["RobertaForMaskedLM"], "model_type": model_type, "vocab_size": V, "hidden_size": H,
            "num_hidden_layers": L, "num_attention_heads": heads, "intermediate_size": inter,
            "max_position_embeddings": max_tokens + pad + 1, "type_vocab_size": 1, "layer_norm_eps": eps,
            "hidden_act": "gelu", "pad_token_id": pad, "bos_token_id": 0, "eos_token_id": 2,
            "position_embedding_type": "absolute"}


def position_ids(cfg, ids):
    """transformers: BERT arange(T); RoBERTa create_position_ids_from_input_ids."""
    n, T = ids.shape
    if cfg.get("model_type", "bert") not in ("roberta", "xlm-roberta"):
        return np.broadcast_to(np.arange(T), (n, T))
    pad = cfg["pad_token_id"]
    real = (ids != pad).astype(np.int64)
    return np.cumsum(real, axis=1) * real + pad


def make_weights(cfg, seed, pooler=True):
    """float32 weights, HF names without prefix; scales chosen so every part matters."""
    rng = np.random.default_rng(seed)
    H, I = cfg["hidden_size"], cfg["intermediate_size"]
    w = OrderedDict()

    def r(*shape, s=0.05):
        return (rng.standard_normal(shape) * s).astype(np.float32)
    w["embeddings.word_embeddings.weight"] = r(cfg["vocab_size"], H, s=0.5)
    w["embeddings.position_embeddings.weight"] = r(cfg["max_position_embeddings"], H, s=0.5)
    w["embeddings.token_type_embeddings.weight"] = r(cfg["type_vocab_size"], H, s=0.5)
    w["embeddings.LayerNorm.weight"] = 1 + r(H, s=0.1)
    w["embeddings.LayerNorm.bias"] = r(H, s=0.1)
    s_in, s_ff = 1.0 / math.sqrt(H), 1.0 / math.sqrt(I)
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        for k in ("query", "key", "value"):
            w[p + "attention.self.%s.weight" % k] = r(H, H, s=s_in * (2.0 if k != "value" else 1.0))
            w[p + "attention.self.%s.bias" % k] = r(H, s=0.1)
        w[p + "attention.output.dense.weight"] = r(H, H, s=s_in)
        w[p + "attention.output.dense.bias"] = r(H, s=0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1 + r(H, s=0.1)
        w[p + "attention.output.LayerNorm.bias"] = r(H, s=0.1)
        w[p + "intermediate.dense.weight"] = r(I, H, s=s_in * 1.5)
        w[p + "intermediate.dense.bias"] = r(I, s=0.1)
        w[p + "output.dense.weight"] = r(H, I, s=s_ff)
        w[p + "output.dense.bias"] = r(H, s=0.1)
        w[p + "output.LayerNorm.weight"] = 1 + r(H, s=0.1)
        w[p + "output.LayerNorm.bias"] = r(H, s=0.1)
    if pooler:
        w["pooler.dense.weight"] = r(H, H, s=s_in)
        w["pooler.dense.bias"] = r(H, s=0.1)
    return w


def to_bf16_bits(a):
    """float32 -> bfloat16 bit patterns (round to nearest even)."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: name -> np array. Floats stored as `dtype` (F32, F16, BF16);
    integer arrays as I64. Returns what a reader must see as float32."""
    header, blobs, seen, off = {}, [], {}, 0
    for name, a in tensors.items():
        if a.dtype.kind == "i":
            raw, dt = a.astype("<i8").tobytes(), "I64"
            seen[name] = a
        elif dtype == "F16":
            h = a.astype("<f2")
            raw, dt = h.tobytes(), "F16"
            seen[name] = h.astype(np.float32)
        elif dtype == "BF16":
            b = to_bf16_bits(a)
            raw, dt = b.astype("<u2").tobytes(), "BF16"
            seen[name] = bf16_bits_to_f32(b)
        else:
            raw, dt = a.astype("<f4").tobytes(), "F32"
            seen[name] = a.astype(np.float32)
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)
    return seen


def write_torchbin(path, tensors, half=False):
    """torch.save of a state dict (the zip format, as save_pretrained does)."""
    import torch
    sd, seen = OrderedDict(), {}
    for name, a in tensors.items():
        t = torch.from_numpy(np.ascontiguousarray(a))
        if half and a.dtype.kind == "f":
            t = t.half()
        sd[name] = t
        seen[name] = t.float().numpy() if a.dtype.kind == "f" else a
    torch.save(sd, path)
    return seen


def write_model(folder, cfg, tensors, fmt="safetensors", dtype="F32"):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f)
    if fmt == "safetensors":
        return write_safetensors(os.path.join(folder, "model.safetensors"), tensors, dtype)
    return write_torchbin(os.path.join(folder, "pytorch_model.bin"), tensors, half=(dtype == "F16"))


def erf(x):
    """erf in float64 from its Maclaurin series (|x| <= 4.5; beyond, erf is
    +-1 to 2e-10). Independent of the polynomial the C code uses."""
    x = np.asarray(x, dtype=np.float64)
    a = np.clip(np.abs(x), 0, 4.5)
    term, total, z2 = a.copy(), a.copy(), a * a
    for n in range(1, 90):  # 20.25^n/n! < 1e-17 by n = 75
        term = term * (-z2) / n
        total = total + term / (2 * n + 1)
    r = np.where(np.abs(x) > 4.5, 1.0, total * (2 / math.sqrt(math.pi)))
    return np.sign(x) * np.minimum(r, 1.0)


def layernorm(x, g, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def forward(cfg, w, ids, types, mask):
    """float64 BertModel forward. ids, types, mask: (n,T) ints. Returns
    (pooled or None, cls, mean)."""
    W = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}
    n, T = ids.shape
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    d, eps = H // nh, cfg["layer_norm_eps"]
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][position_ids(cfg, ids)] \
        + W["embeddings.token_type_embeddings.weight"][types]
    x = layernorm(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    add = (1.0 - mask[:, None, None, :].astype(np.float64)) * -1e30
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l

        def lin(v, name):
            return v @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        def heads(v):
            return v.reshape(n, T, nh, d).transpose(0, 2, 1, 3)
        q, k, v = (heads(lin(x, "attention.self." + s)) for s in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + add
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(n, T, H)
        x = layernorm(x + lin(ctx, "attention.output.dense"), W[p + "attention.output.LayerNorm.weight"],
                      W[p + "attention.output.LayerNorm.bias"], eps)
        h = lin(x, "intermediate.dense")
        if cfg.get("hidden_act", "gelu") == "gelu":
            h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        else:
            h = 0.5 * h * (1 + np.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
        x = layernorm(x + lin(h, "output.dense"), W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
    cls = x[:, 0]
    m = mask.astype(np.float64)[..., None]
    mean = (x * m).sum(1) / m.sum(1)
    pooled = None
    if "pooler.dense.weight" in W:
        pooled = np.tanh(cls @ W["pooler.dense.weight"].T + W["pooler.dense.bias"])
    forward.last = (x, m)
    return pooled, cls, mean


def all_poolings(cfg, w, ids, types, mask):
    """Every pooling by its malmoi name, and each L2-normalised ("+normalize")."""
    pooled, cls, mean = forward(cfg, w, ids, types, mask)
    x, m = forward.last
    out = {"cls": cls, "mean": mean, "max": np.where(m > 0, x, -1e9).max(1),
           "mean-sqrt-len": (x * m).sum(1) / np.sqrt(m.sum(1))}
    if pooled is not None:
        out["pooled"] = pooled
    for k in list(out):
        out[k + "+normalize"] = out[k] / np.maximum(np.linalg.norm(out[k], axis=1, keepdims=True), 1e-12)
    return out


def make_batch(rng, V, T, lengths, pairs=False):
    """[CLS]=2 ... [SEP]=3, right-padded with 1; a length of T stands for a
    sentence truncated to max_length. With pairs, the second half of each
    sequence gets token type 1 ([CLS] A [SEP] B [SEP])."""
    n = len(lengths)
    ids = np.ones((n, T), dtype=np.int64)
    types = np.zeros((n, T), dtype=np.int64)
    mask = np.zeros((n, T), dtype=np.int64)
    for i, L in enumerate(lengths):
        ids[i, :L] = rng.integers(5, V, size=L)
        ids[i, 0] = 2
        if L > 1:
            ids[i, L - 1] = 3
        mask[i, :L] = 1
        if pairs and L >= 4:
            a = L // 2
            ids[i, a - 1] = 3
            types[i, a:L] = 1
    return ids, types, mask
